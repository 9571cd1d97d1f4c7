/**
 * Trains the default model on the default dataset with one backend in a fresh process (a
 * process holds one tfjs backend) and prints {backend, samplesPerSecond, ms} as JSON.
 */
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { loadDataset } from '../src/data/load-dataset.js';
import { splitByKey } from '../src/data/split.js';
import { selectBackend, type BackendName } from '../src/model/backend.js';
import { encodeFeatures, encodeTargets, fitPreprocessing } from '../src/model/preprocessing.js';
import { inMemoryTrainingRows, inMemoryValidationRows, trainNetwork } from '../src/model/train.js';
import { metricTargets } from '../src/pipeline/test-rows.js';

const [backend, configPath, epochs] = process.argv.slice(2) as [BackendName, string, string];
const loaded = await loadConfig(configPath);
const info = await selectBackend(backend, silentLogger);
if (info.name !== backend) {
  console.log(JSON.stringify({ backend, unavailable: info.skipped.find((s) => s.name === backend)?.reason ?? 'unavailable' }));
  process.exit(0);
}
const dataset = await loadDataset({ config: loaded, logger: silentLogger });
const split = splitByKey(dataset.rows, loaded.config.split);
const pick = (indices: number[]) => indices.map((i) => dataset.rows[i]!);
const train = pick(split.train);
const validation = pick(split.validation);
const spec = fitPreprocessing(loaded.config.features, loaded.config.task, train.map((r) => r.features), train.map((r) => r.target));
const encode = (rows: typeof train) => ({ x: encodeFeatures(spec, rows.map((r) => r.features)), y: encodeTargets(spec, rows.map((r) => r.target)), rows: rows.length });
const model = { ...loaded.config.model, backend, max_epochs: Number(epochs), early_stopping: { monitor: 'loss' as const, patience: 10_000, min_delta: 0 } };
const result = await trainNetwork({
  model,
  spec,
  train: inMemoryTrainingRows(encode(train)),
  validation: inMemoryValidationRows(encode(validation), metricTargets(spec, validation)),
  primaryMetric: 'auc',
  logger: silentLogger,
});
console.log(JSON.stringify({ backend, samplesPerSecond: result.samplesPerSecond, ms: result.durationMs }));
