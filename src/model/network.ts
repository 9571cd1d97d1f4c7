import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/schema.js';
import { outputWidth, type PreprocessingSpec } from './preprocessing.js';

/**
 * Builds the dense network for a task. Every initialiser and dropout layer gets a seed derived
 * from `model.seed`, so two processes build bit-identical starting weights.
 */
export function buildNetwork(spec: PreprocessingSpec, model: ModelConfig): tfl.LayersModel {
  const network = tfl.sequential({ name: 'mlops_mlp' });
  let seed = model.seed;
  const nextSeed = () => (seed = (seed * 1103515245 + 12345) % 2147483647);
  const regularizer = model.l2 > 0 ? tfl.regularizers.l2({ l2: model.l2 }) : undefined;
  model.hidden_units.forEach((units, index) => {
    network.add(
      tfl.layers.dense({
        units,
        activation: model.activation,
        inputShape: index === 0 ? [spec.input_width] : undefined,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: nextSeed() }),
        biasInitializer: 'zeros',
        kernelRegularizer: regularizer,
        name: `hidden_${index + 1}`,
      }),
    );
    if (model.dropout > 0) network.add(tfl.layers.dropout({ rate: model.dropout, seed: nextSeed(), name: `dropout_${index + 1}` }));
  });
  const target = spec.target.type;
  network.add(
    tfl.layers.dense({
      units: outputWidth(spec),
      activation: target === 'binary' ? 'sigmoid' : target === 'multiclass' ? 'softmax' : 'linear',
      inputShape: model.hidden_units.length === 0 ? [spec.input_width] : undefined,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: nextSeed() }),
      biasInitializer: 'zeros',
      kernelRegularizer: regularizer,
      name: 'output',
    }),
  );
  network.compile({
    optimizer: tf.train.adam(model.learning_rate),
    loss: target === 'binary' ? 'binaryCrossentropy' : target === 'multiclass' ? 'categoricalCrossentropy' : 'meanSquaredError',
  });
  return network;
}

/** A one-line description of the architecture, for model cards. */
export function describeArchitecture(spec: PreprocessingSpec, model: ModelConfig): string {
  const layers = [`${spec.input_width} inputs`, ...model.hidden_units.map((u) => `dense ${u} ${model.activation}`)];
  const output = spec.target.type === 'binary' ? 'dense 1 sigmoid' : spec.target.type === 'multiclass' ? `dense ${outputWidth(spec)} softmax` : 'dense 1 linear';
  const extras = [model.dropout > 0 ? `dropout ${model.dropout}` : '', model.l2 > 0 ? `L2 ${model.l2}` : ''].filter(Boolean).join(', ');
  return `Dense MLP: ${[...layers, output].join(' → ')}${extras ? ` (${extras})` : ''}; Adam lr ${model.learning_rate}`;
}
