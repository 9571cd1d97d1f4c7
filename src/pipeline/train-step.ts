import { defaultPrimaryMetric } from '../config/load.js';
import { saveModel } from '../model/model-io.js';
import { describeArchitecture } from '../model/network.js';
import { trainNetwork } from '../model/train.js';
import type { SplitTimeRanges } from './dataset-split.js';
import { writeTrainingKeys } from './fair-comparison.js';
import { hashModelFiles, readCurrentRun } from './freshness.js';
import type { StepContext } from './step-context.js';
import { prepareTrainingData } from './training-data.js';
import type { TrainingRecord, WorkspaceFile } from './workspace.js';

/** What a training run makes stale: removed first, so a killed run leaves nothing that register or evaluate could take for its output. */
const staleAfterTraining: readonly WorkspaceFile[] = ['training', 'modelDir', 'metrics', 'championMetrics', 'gate', 'gateMarkdown', 'registered'];

/** train: fits preprocessing on the training split, trains the network, saves model files. */
export async function trainStep(ctx: StepContext): Promise<TrainingRecord> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  for (const name of staleAfterTraining) await workspace.remove(name);
  const data = await prepareTrainingData(ctx, run);
  const split = data.split;
  const how = data.timeRanges ? `by time: ${describeRanges(data.timeRanges)}` : `seed ${config.split.seed}`;
  logger.info(
    `Split ${split.train + split.validation + split.test} rows: ${split.train} train, ${split.validation} validation, ${split.test} test (${how})` +
      `${data.streamed ? '; training reads them from disk' : ''}.`,
  );
  const spec = data.spec;
  let result;
  try {
    result = await trainNetwork({
      model: config.model,
      spec,
      train: data.train,
      validation: data.validation,
      primaryMetric: config.gate.primary_metric ?? defaultPrimaryMetric(config.task.type),
      logger,
    });
  } finally {
    await data.release();
  }
  const modelDir = workspace.path('modelDir');
  await saveModel(result.network, modelDir, spec);
  result.network.dispose();
  const trainingKeys = await writeTrainingKeys(modelDir, data.trainingKeys, data.rowKey);
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
    split: { train: split.train, validation: split.validation, test: split.test },
    streamed: data.streamed,
    training_keys: trainingKeys,
    ...(data.timeRanges ? { time_split: { column: config.split.time_column!, ranges: data.timeRanges } } : {}),
    history: result.history,
    model_files: await hashModelFiles(modelDir),
    finished_at: new Date().toISOString(),
  };
  // Written last: the training record is what marks the model in the workspace as complete.
  await workspace.write('training', record);
  logger.info(
    `Trained on ${result.backend.name} in ${(result.durationMs / 1000).toFixed(1)} s: ${result.epochsRun} epochs, kept epoch ${result.bestEpoch} (${result.monitor.name} ${result.monitor.best.toFixed(4)}), ${record.samples_per_second} samples/s.`,
  );
  return record;
}

/** Each split's time range in words, for the log. */
function describeRanges(ranges: SplitTimeRanges): string {
  const day = (iso: string) => iso.slice(0, 10);
  return (['train', 'validation', 'test'] as const)
    .map((name) => `${name} ${ranges[name] ? `${day(ranges[name].from)}…${day(ranges[name].to)}` : 'empty'}`)
    .join(', ');
}
