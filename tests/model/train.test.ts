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
import { trainNetwork } from '../../src/model/train.js';
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

async function trainedWeights(config: ModelConfig): Promise<{ weights: Float32Array[]; predictions: Float32Array }> {
  const result = await trainNetwork({ model: config, spec, train: encode(train), validation: encode(validation), logger: silentLogger });
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
    const result = await trainNetwork({
      model: { ...model, max_epochs: 200, early_stopping: { patience: 2, min_delta: 0.05 } },
      spec,
      train: encode(train),
      validation: encode(validation),
      logger,
    });
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
    const result = await trainNetwork({ model, spec, train: encode(train), validation: encode(validation), logger: silentLogger });
    const before = predictRows(result.network, spec, test_.map((r) => r.features));
    await saveModel(result.network, dir, spec);
    const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(modelJson).toMatchObject({ format: 'layers-model', weightsManifest: [{ paths: ['./weights.bin'] }] });
    expect(modelJson.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v4\./);
    expect(modelJson.modelTopology.class_name).toBe('Sequential');
    const loadedModel = await loadModel(dir);
    expect(loadedModel.spec).toEqual(spec);
    expect(predictRows(loadedModel.network, loadedModel.spec, test_.map((r) => r.features))).toEqual(before);
  });

  test('refuse a truncated weights file with a message naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-model-'));
    const result = await trainNetwork({ model: { ...model, max_epochs: 1 }, spec, train: encode(train), validation: encode(validation), logger: silentLogger });
    await saveModel(result.network, dir, spec);
    truncateSync(join(dir, 'weights.bin'), statSync(join(dir, 'weights.bin')).size - 4);
    await expect(loadModel(dir)).rejects.toThrow(/weights\.bin has \d+ bytes but model\.json describes \d+/);
  });
});
