/**
 * Training throughput of one data path in a fresh process: the training split of a CSV encoded in
 * memory (`memory`) or written to an encoded file and read back in shuffled blocks (`streamed`),
 * the same rows, spec and model either way. Prints {mode, samplesPerSecond} as JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { loadDataset, type DatasetRow } from '../src/data/load-dataset.js';
import { splitByKey } from '../src/data/split.js';
import { EncodedMatrixWriter, fileTrainingRows, fileValidationRows } from '../src/model/encoded-matrix.js';
import { encodeFeatures, encodeTargets, fitPreprocessing, outputWidth } from '../src/model/preprocessing.js';
import { inMemoryTrainingRows, inMemoryValidationRows, trainNetwork } from '../src/model/train.js';
import { metricTargets } from '../src/pipeline/test-rows.js';

const [mode, file, configPath, epochs] = process.argv.slice(2) as ['memory' | 'streamed', string, string, string];
const loaded = await loadConfig(configPath);
const config = loaded.config;
const dataset = await loadDataset({ config: loaded, dataPath: file, logger: silentLogger });
const split = splitByKey(dataset.rows, config.split);
const pick = (indices: number[]) => indices.map((i) => dataset.rows[i]!);
const train = pick(split.train);
const validation = pick(split.validation);
const spec = fitPreprocessing(config.features, config.task, train.map((r) => r.features), train.map((r) => r.target));
const encode = (rows: DatasetRow[]) => ({ x: encodeFeatures(spec, rows.map((r) => r.features)), y: encodeTargets(spec, rows.map((r) => r.target)), rows: rows.length });
const encodedTrain = encode(train);
const encodedValidation = encode(validation);
const targets = metricTargets(spec, validation);
const dir = mkdtempSync(join(tmpdir(), 'mlops-stream-train-'));
let sources;
if (mode === 'memory') sources = { train: inMemoryTrainingRows(encodedTrain), validation: inMemoryValidationRows(encodedValidation, targets) };
else {
  const write = (name: string, split: typeof encodedTrain) => {
    const writer = new EncodedMatrixWriter(join(dir, name), spec.input_width, outputWidth(spec));
    writer.append(split.x, split.y, split.rows);
    return writer.close();
  };
  sources = { train: fileTrainingRows(write('train.f32', encodedTrain)), validation: fileValidationRows(write('validation.f32', encodedValidation), targets) };
}
const model = { ...config.model, max_epochs: Number(epochs), early_stopping: { ...config.model.early_stopping, patience: Number(epochs) + 1 } };
const result = await trainNetwork({ model, spec, ...sources, primaryMetric: 'auc', logger: silentLogger });
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ mode, samplesPerSecond: result.samplesPerSecond }));
