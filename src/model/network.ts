import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/schema.js';
import { outputWidth, type PreprocessingSpec } from './preprocessing.js';

/**
 * The networks `model.kind` names, all built from dense layers on the encoded inputs:
 * - `linear`: one dense output layer on the inputs (logistic / softmax / linear regression);
 * - `mlp`: hidden dense layers, then the output layer;
 * - `wide_deep`: the hidden layers and a linear ("wide") path side by side: the output layer
 *   reads the inputs and the last hidden layer together (Cheng et al. 2016), so the network
 *   starts from what a linear model can learn and the hidden layers add interactions.
 */

/** Hidden layer sizes the network actually has: none for `linear`. */
export function hiddenLayersOf(model: ModelConfig): readonly number[] {
  return model.kind === 'linear' ? [] : model.hidden_units;
}

/**
 * Builds the network for a task. Every initialiser and dropout layer gets a seed derived from
 * `model.seed`, so two processes build bit-identical starting weights.
 */
export function buildNetwork(spec: PreprocessingSpec, model: ModelConfig): tfl.LayersModel {
  let seed = model.seed;
  const nextSeed = () => (seed = (seed * 1103515245 + 12345) % 2147483647);
  const regularizer = model.l2 > 0 ? tfl.regularizers.l2({ l2: model.l2 }) : undefined;
  const input = tfl.input({ shape: [spec.input_width], name: 'features' });
  let deep: tfl.SymbolicTensor = input;
  hiddenLayersOf(model).forEach((units, index) => {
    deep = tfl.layers
      .dense({
        units,
        activation: model.activation,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: nextSeed() }),
        biasInitializer: 'zeros',
        kernelRegularizer: regularizer,
        name: `hidden_${index + 1}`,
      })
      .apply(deep) as tfl.SymbolicTensor;
    if (model.dropout > 0) deep = tfl.layers.dropout({ rate: model.dropout, seed: nextSeed(), name: `dropout_${index + 1}` }).apply(deep) as tfl.SymbolicTensor;
  });
  const head =
    model.kind === 'wide_deep' && deep !== input ? (tfl.layers.concatenate({ name: 'wide_and_deep' }).apply([input, deep]) as tfl.SymbolicTensor) : deep;
  const target = spec.target.type;
  const output = tfl.layers
    .dense({
      units: outputWidth(spec),
      activation: target === 'binary' ? 'sigmoid' : target === 'multiclass' ? 'softmax' : 'linear',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: nextSeed() }),
      biasInitializer: 'zeros',
      kernelRegularizer: regularizer,
      name: 'output',
    })
    .apply(head) as tfl.SymbolicTensor;
  const network = tfl.model({ inputs: input, outputs: output, name: `mlops_${model.kind}` });
  network.compile({
    optimizer: tf.train.adam(model.learning_rate),
    loss: target === 'binary' ? 'binaryCrossentropy' : target === 'multiclass' ? 'categoricalCrossentropy' : 'meanSquaredError',
  });
  return network;
}

/** A one-line description of the architecture, for model cards and the training record. */
export function describeArchitecture(spec: PreprocessingSpec, model: ModelConfig): string {
  const hidden = hiddenLayersOf(model).map((u) => `dense ${u} ${model.activation}`);
  const output = spec.target.type === 'binary' ? 'dense 1 sigmoid' : spec.target.type === 'multiclass' ? `dense ${outputWidth(spec)} softmax` : 'dense 1 linear';
  const extras = [hidden.length > 0 && model.dropout > 0 ? `dropout ${model.dropout}` : '', model.l2 > 0 ? `L2 ${model.l2}` : ''].filter(Boolean).join(', ');
  const inputs = `${spec.input_width} inputs`;
  const shape =
    hidden.length === 0
      ? `Linear: ${inputs} → ${output}`
      : model.kind === 'wide_deep'
        ? `Wide & deep: ${[inputs, ...hidden].join(' → ')}, concatenated with the ${inputs} → ${output}`
        : `Dense MLP: ${[inputs, ...hidden, output].join(' → ')}`;
  return `${shape}${extras ? ` (${extras})` : ''}; Adam lr ${model.learning_rate}`;
}
