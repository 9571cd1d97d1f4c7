import { defaultPrimaryMetric } from '../config/load.js';
import type { DatasetRow } from '../data/load-dataset.js';
import { saveModel } from '../model/model-io.js';
import { describeArchitecture } from '../model/network.js';
import { encodeFeatures, encodeTargets, fitPreprocessing } from '../model/preprocessing.js';
import { TargetVariety } from '../model/target-transform.js';
import { inMemoryTrainingRows, inMemoryValidationRows, trainNetwork } from '../model/train.js';
import { metricTargets } from './champion-scoring.js';
import { loadSplitDataset } from './dataset-split.js';
import { hashModelFiles, readCurrentRun } from './freshness.js';
import type { StepContext } from './step-context.js';
import type { TrainingRecord } from './workspace.js';

/** train: fits preprocessing on the training split, trains the network, saves model files. */
export async function trainStep(ctx: StepContext): Promise<TrainingRecord> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  const { dataset, split } = await loadSplitDataset(ctx);
  const pick = (indices: number[]) => indices.map((i) => dataset.rows[i]!);
  const train = pick(split.train);
  const validation = pick(split.validation);
  logger.info(`Split ${dataset.rows.length} rows: ${train.length} train, ${validation.length} validation, ${split.test.length} test (seed ${config.split.seed}).`);
  const variety = new TargetVariety();
  for (const row of train) variety.add(row.target);
  variety.check(config.data.target);
  const spec = fitPreprocessing(config.features, config.task, train.map((r) => r.features), train.map((r) => r.target));
  const encode = (rows: DatasetRow[]) => ({
    x: encodeFeatures(spec, rows.map((r) => r.features)),
    y: encodeTargets(spec, rows.map((r) => r.target)),
    rows: rows.length,
  });
  const result = await trainNetwork({
    model: config.model,
    spec,
    train: inMemoryTrainingRows(encode(train)),
    validation: inMemoryValidationRows(encode(validation), metricTargets(spec, validation)),
    primaryMetric: config.gate.primary_metric ?? defaultPrimaryMetric(config.task.type),
    logger,
  });
  const modelDir = workspace.path('modelDir');
  await saveModel(result.network, modelDir, spec);
  result.network.dispose();
  const record: TrainingRecord = {
    run_id: run.run_id,
    data_sha256: run.data_sha256,
    config_sha256: loaded.hash,
    backend: result.backend.name,
    tfjs_version: result.backend.tfjsVersion,
    node_version: process.version,
    platform: `${process.platform}-${process.arch}`,
    epochs_run: result.epochsRun,
    best_epoch: result.bestEpoch,
    best_validation_loss: result.bestValidationLoss,
    monitor: result.monitor,
    duration_ms: Math.round(result.durationMs),
    samples_per_second: Math.round(result.samplesPerSecond),
    architecture: describeArchitecture(spec, config.model),
    split: { train: train.length, validation: validation.length, test: split.test.length },
    history: result.history,
    model_files: await hashModelFiles(modelDir),
    finished_at: new Date().toISOString(),
  };
  await workspace.write('training', record);
  logger.info(
    `Trained on ${result.backend.name} in ${(result.durationMs / 1000).toFixed(1)} s: ${result.epochsRun} epochs, kept epoch ${result.bestEpoch} (${result.monitor.name} ${result.monitor.best.toFixed(4)}), ${record.samples_per_second} samples/s.`,
  );
  return record;
}
