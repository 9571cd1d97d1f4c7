import { mkdtempSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { modelSchema, type ModelConfig } from '../../src/config/schema.js';
import { createRecordingLogger, silentLogger } from '../../src/core/logger.js';
import { loadDataset, type DatasetRow } from '../../src/data/load-dataset.js';
import { splitByKey } from '../../src/data/split.js';
import { loadModel, saveModel } from '../../src/model/model-io.js';
import { predictRows } from '../../src/model/predict.js';
import { encodeFeatures, encodeTargets, fitPreprocessing, type PreprocessingSpec } from '../../src/model/preprocessing.js';
import { inMemoryTrainingRows, inMemoryValidationRows, trainNetwork, type TrainResult } from '../../src/model/train.js';
import { metricTargets } from '../../src/pipeline/test-rows.js';
import { telcoConfig } from '../fixtures/data/telco-config.js';

const loaded = telcoConfig('../../../data/telco-churn.csv');
const model: ModelConfig = modelSchema.parse({ max_epochs: 4, hidden_units: [16], backend: 'auto' });
let rows: DatasetRow[];
let train: DatasetRow[];
let validation: DatasetRow[];
let test_: DatasetRow[];
let spec: PreprocessingSpec;

beforeAll(async () => {
  // 2,000 real rows keep each training to about a second.
  rows = (await loadDataset({ config: loaded, logger: silentLogger })).rows.slice(0, 2000);
  const split = splitByKey(rows, loaded.config.split);
  [train, validation, test_] = [split.train, split.validation, split.test].map((indices) => indices.map((i) => rows[i]!)) as [DatasetRow[], DatasetRow[], DatasetRow[]];
  spec = fitPreprocessing(loaded.config.features, loaded.config.task, train.map((r) => r.features), train.map((r) => r.target));
});

const encode = (part: DatasetRow[]) => ({
  x: encodeFeatures(spec, part.map((r) => r.features)),
  y: encodeTargets(spec, part.map((r) => r.target)),
  rows: part.length,
});

/** Trains on the in-memory splits of the 2,000 rows. */
function train_(config: ModelConfig, logger = silentLogger): Promise<TrainResult> {
  return trainNetwork({
    model: config,
    spec,
    train: inMemoryTrainingRows(encode(train)),
    validation: inMemoryValidationRows(encode(validation), metricTargets(spec, validation)),
    primaryMetric: 'auc',
    logger,
  });
}

async function trainedWeights(config: ModelConfig): Promise<{ weights: Float32Array[]; predictions: Float32Array }> {
  const result = await train_(config);
  const weights = result.network.getWeights().map((w) => w.dataSync() as Float32Array);
  const predictions = predictRows(result.network, spec, test_.map((r) => r.features));
  result.network.dispose();
  return { weights, predictions };
}

describe('trainNetwork', () => {
  test('the same data, config and seed give bit-identical weights', async () => {
    const first = await trainedWeights(model);
    const second = await trainedWeights(model);
    expect(second.weights).toEqual(first.weights);
    expect(second.predictions).toEqual(first.predictions);
  });

  test('another seed gives other weights', async () => {
    const first = await trainedWeights(model);
    const other = await trainedWeights({ ...model, seed: model.seed + 1 });
    expect(other.weights[0]).not.toEqual(first.weights[0]);
  });

  test('logs the backend it uses and each epoch, and stops early without improvement', async () => {
    const logger = createRecordingLogger();
    const result = await train_({ ...model, max_epochs: 200, early_stopping: { monitor: 'loss', patience: 2, min_delta: 0.05 } }, logger);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(result.backend.name);
    expect(logger.lines.some((l) => l.level === 'info' && l.message.includes(`backend: ${result.backend.name}`))).toBe(true);
    expect(logger.lines.filter((l) => l.level === 'progress' && /^epoch \d+\/200 loss \d/.test(l.message))).toHaveLength(result.epochsRun);
    // A min_delta of 0.05 is more than any epoch improves after the first few: stopping comes early.
    expect(result.epochsRun).toBeLessThan(200);
    expect(result.epochsRun - result.bestEpoch).toBe(2);
    expect(result.samplesPerSecond).toBeGreaterThan(0);
    result.network.dispose();
  });
});

describe('saveModel / loadModel', () => {
  test('write the tfjs-node file layout and load back a model that predicts the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-model-'));
    const result = await train_(model);
    const before = predictRows(result.network, spec, test_.map((r) => r.features));
    await saveModel(result.network, dir, spec);
    const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(modelJson).toMatchObject({ format: 'layers-model', weightsManifest: [{ paths: ['./weights.bin'] }] });
    expect(modelJson.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v4\./);
    expect(modelJson.modelTopology.class_name).toBe('Model');
    const loadedModel = await loadModel(dir);
    expect(loadedModel.spec).toEqual(spec);
    expect(predictRows(loadedModel.network, loadedModel.spec, test_.map((r) => r.features))).toEqual(before);
  });

  test('refuse a truncated weights file with a message naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-model-'));
    const result = await train_({ ...model, max_epochs: 1 });
    await saveModel(result.network, dir, spec);
    truncateSync(join(dir, 'weights.bin'), statSync(join(dir, 'weights.bin')).size - 4);
    await expect(loadModel(dir)).rejects.toThrow(/weights\.bin has \d+ bytes but model\.json describes \d+/);
  });
});

describe('model.kind, early stopping on the primary metric, reduce-on-plateau', () => {
  test.each([
    ['linear', [], false],
    ['mlp', ['hidden_1'], false],
    ['wide_deep', ['hidden_1'], true],
  ] as const)('%s builds the layers it names', async (kind, hidden, wide) => {
    const result = await train_({ ...model, kind, max_epochs: 1 });
    const names = result.network.layers.map((layer) => layer.name);
    expect(names.filter((name) => name.startsWith('hidden_'))).toEqual(hidden);
    expect(names.includes('wide_and_deep')).toBe(wide);
    // The wide path: the output layer reads the inputs and the last hidden layer together.
    const outputKernel = result.network.getLayer('output').getWeights()[0]!;
    expect(outputKernel.shape[0]).toBe(wide ? spec.input_width + 16 : kind === 'linear' ? spec.input_width : 16);
    result.network.dispose();
  });

  test('watches the validation AUC and keeps the epoch where it was best', async () => {
    const result = await train_({ ...model, max_epochs: 12, early_stopping: { monitor: 'primary', patience: 3, min_delta: 0 } });
    expect(result.monitor.name).toBe('auc');
    const metrics = result.history.map((epoch) => epoch.validation_metric!);
    expect(metrics.every((value) => value > 0.5 && value <= 1)).toBe(true);
    expect(result.monitor.best).toBe(Math.max(...metrics));
    expect(metrics[result.bestEpoch - 1]).toBe(result.monitor.best);
    result.network.dispose();
  });

  test('multiplies the learning rate by the factor after patience epochs without improvement, down to the floor', async () => {
    const result = await train_({
      ...model,
      max_epochs: 10,
      learning_rate: 0.01,
      // A min_delta no epoch can beat: every epoch after the first is a plateau.
      early_stopping: { monitor: 'loss', patience: 100, min_delta: 10 },
      reduce_on_plateau: { factor: 0.5, patience: 2, min_learning_rate: 0.002 },
    });
    expect(result.history.map((epoch) => epoch.learning_rate)).toEqual([0.01, 0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025, 0.002, 0.002, 0.002]);
    expect(result.bestEpoch).toBe(1);
    result.network.dispose();
  });
});
