import { mkdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { streamingRowThreshold, type MlopsConfig } from '../config/schema.js';
import { ConfigError, DataError } from '../core/errors.js';
import { loadDataset, type DatasetRow, type LoadedDataset } from '../data/load-dataset.js';
import { RowKeySetBuilder } from '../data/row-key-set.js';
import { assignSplit, type SplitName } from '../data/split.js';
import { validationReportSchema } from '../data/validate.js';
import { EncodedMatrixWriter, encodedRowBytes, fileTrainingRows, fileValidationRows } from '../model/encoded-matrix.js';
import { encodeFeatures, encodeTargets, fitPreprocessing, outputWidth, type PreprocessingSpec } from '../model/preprocessing.js';
import { TrainingSample } from '../model/preprocessing-sample.js';
import { TargetVariety } from '../model/target-transform.js';
import { inMemoryTrainingRows, inMemoryValidationRows, type TrainingRows, type ValidationRows } from '../model/training-rows.js';
import { metricTargets } from './test-rows.js';
import { loadSplitDataset, type SplitTimeRanges } from './dataset-split.js';
import type { StepContext } from './step-context.js';
import type { RunManifest } from './workspace.js';

/**
 * The training data as the trainer reads it, held one of two ways (`training.streaming`):
 * - in memory (small data): the rows loaded and split as evaluate splits them, encoded at once;
 *   the only way for an out-of-time split (`split.time_column`), which needs every row's time;
 * - streamed (large data): one pass over the file fits the preprocessing on a seeded sample of the
 *   training rows while it counts the splits (the hash split applied row by row), a second encodes
 *   the training and validation rows into Float32 files in the workspace (`encoded/`), and
 *   training reads them in shuffled blocks. Memory then stays flat as rows grow; the files are
 *   deleted when training ends, however it ends.
 */
export interface TrainingData {
  spec: PreprocessingSpec;
  train: TrainingRows;
  validation: ValidationRows;
  split: Record<SplitName, number>;
  streamed: boolean;
  /** The keys of the training and validation rows (what the model trained on: fair-comparison.ts). */
  trainingKeys: RowKeySetBuilder;
  /** The key columns those keys were computed over. */
  rowKey: LoadedDataset['rowKey'];
  /** Each split's time range, when the split is out-of-time. */
  timeRanges: SplitTimeRanges | null;
  /** Deletes what the data left on disk (the encoded files). */
  release(): Promise<void>;
}

/** Whether training streams from disk: `training.streaming`, and for `auto` the valid row count. */
export function shouldStream(setting: 'auto' | 'always' | 'never', validRows: number): boolean {
  return setting === 'always' || (setting === 'auto' && validRows > streamingRowThreshold);
}

/**
 * How the run trains: streamed per {@link shouldStream}, except that an out-of-time split
 * (`split.time_column`) trains in memory, since streaming assigns each row its split by its key's
 * hash as it reads it and a time split needs every row's time first (config load rejects
 * `training.streaming: always` with a time column). `note` says why when `auto` would have streamed.
 */
export function trainingMode(config: Pick<MlopsConfig, 'training' | 'split'>, validRows: number): { streamed: boolean; note: string | null } {
  if (!shouldStream(config.training.streaming, validRows)) return { streamed: false, note: null };
  const timeColumn = config.split.time_column;
  if (timeColumn === undefined) return { streamed: true, note: null };
  return {
    streamed: false,
    note: `Training in memory although ${validRows.toLocaleString('en-US')} rows would stream (training.streaming: ${config.training.streaming}): split.time_column '${timeColumn}' splits by time, which needs every row's time before a split is assigned.`,
  };
}

/** Prepares the training data of the workspace's run, in memory or streamed ({@link trainingMode}). */
export async function prepareTrainingData(ctx: StepContext, run: RunManifest): Promise<TrainingData> {
  const validation = await ctx.workspace.read('validation', validationReportSchema, 'validate');
  const mode = trainingMode(ctx.loaded.config, validation.valid_rows);
  if (mode.note) ctx.logger.info(mode.note);
  return mode.streamed ? streamedTrainingData(ctx, run) : inMemoryTrainingData(ctx);
}

async function inMemoryTrainingData(ctx: StepContext): Promise<TrainingData> {
  const config = ctx.loaded.config;
  const { dataset, split, timeRanges } = await loadSplitDataset(ctx);
  const pick = (indices: number[]) => indices.map((i) => dataset.rows[i]!);
  const train = pick(split.train);
  const validation = pick(split.validation);
  const variety = new TargetVariety();
  for (const row of train) variety.add(row.target);
  variety.check(config.data.target);
  const spec = fitPreprocessing(config.features, config.task, train.map((r) => r.features), train.map((r) => r.target));
  const encode = (rows: DatasetRow[]) => ({ x: encodeFeatures(spec, rows.map((r) => r.features)), y: encodeTargets(spec, rows.map((r) => r.target)), rows: rows.length });
  const trainingKeys = new RowKeySetBuilder();
  for (const row of train) trainingKeys.add(row.key);
  for (const row of validation) trainingKeys.add(row.key);
  return {
    spec,
    train: inMemoryTrainingRows(encode(train)),
    validation: inMemoryValidationRows(encode(validation), metricTargets(spec, validation)),
    split: { train: train.length, validation: validation.length, test: split.test.length },
    streamed: false,
    trainingKeys,
    rowKey: dataset.rowKey,
    timeRanges,
    release: async () => {},
  };
}

/** Rows encoded and written at a time by the encoding pass. */
const encodeBatchRows = 4096;

async function streamedTrainingData(ctx: StepContext, run: RunManifest): Promise<TrainingData> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const settings = config.split;
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  const sample = new TrainingSample(config.model.seed);
  const variety = new TargetVariety();
  const trainingKeys = new RowKeySetBuilder();
  const fitPass = await loadDataset({
    config: loaded,
    logger,
    onRow: (row) => {
      const split = assignSplit(row.key, settings);
      counts[split]++;
      if (split === 'test') return;
      trainingKeys.add(row.key);
      if (split !== 'train') return;
      sample.add(row.features, row.target);
      variety.add(row.target);
    },
  });
  checkSameData(fitPass.sha256, run);
  if (counts.train === 0 || counts.test === 0) {
    const total = counts.train + counts.validation + counts.test;
    throw new DataError(`The split left ${counts.train} training and ${counts.test} test rows out of ${total}; add rows or change split.test_fraction.`);
  }
  variety.check(config.data.target);
  const spec = fitPreprocessing(config.features, config.task, sample.records, sample.targets);
  const outputs = outputWidth(spec);
  const dir = workspace.path('encoded');
  await checkDiskBudget(dir, (counts.train + counts.validation) * encodedRowBytes(spec.input_width, outputs), config.training.max_encoded_mb, counts, spec.input_width);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const release = () => rm(dir, { recursive: true, force: true });
  try {
    const writers = { train: new EncodedMatrixWriter(join(dir, 'train.f32'), spec.input_width, outputs), validation: new EncodedMatrixWriter(join(dir, 'validation.f32'), spec.input_width, outputs) };
    const pending: Record<'train' | 'validation', DatasetRow[]> = { train: [], validation: [] };
    const validationTargets = new Float64Array(counts.validation);
    let validationAt = 0;
    const flush = (split: 'train' | 'validation') => {
      const rows = pending[split];
      if (rows.length === 0) return;
      writers[split].append(encodeFeatures(spec, rows.map((r) => r.features)), encodeTargets(spec, rows.map((r) => r.target)), rows.length);
      if (split === 'validation') {
        validationTargets.set(metricTargets(spec, rows), validationAt);
        validationAt += rows.length;
      }
      pending[split] = [];
    };
    const encodePass = await loadDataset({
      config: loaded,
      logger,
      onRow: (row) => {
        const split = assignSplit(row.key, settings);
        if (split === 'test') return;
        pending[split].push(row);
        if (pending[split].length >= encodeBatchRows) flush(split);
      },
    });
    checkSameData(encodePass.sha256, run);
    flush('train');
    flush('validation');
    const trainFile = writers.train.close();
    const validationFile = writers.validation.close();
    logger.info(`Encoded ${trainFile.rows} training and ${validationFile.rows} validation rows × ${spec.input_width} inputs into ${dir} (preprocessing fitted on ${sample.records.length} of ${sample.seen} training rows).`);
    return {
      spec,
      train: fileTrainingRows(trainFile),
      validation: fileValidationRows(validationFile, validationTargets),
      split: counts,
      streamed: true,
      trainingKeys,
      rowKey: fitPass.rowKey,
      timeRanges: null,
      release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** The data must not change between the passes (validate's, and each of training's). */
function checkSameData(sha256: string, run: RunManifest): void {
  if (sha256 !== run.data_sha256) {
    throw new DataError(`${run.data_path} changed while training read it (sha256 ${sha256.slice(0, 12)}… ≠ ${run.data_sha256.slice(0, 12)}… validated); validate and train again.`);
  }
}

/**
 * Refuses an encoded matrix larger than `training.max_encoded_mb` or than the free space of the
 * workspace's disk, before anything is written.
 */
export async function checkDiskBudget(dir: string, bytes: number, budgetMb: number, counts: Record<SplitName, number>, width: number): Promise<void> {
  const mb = (value: number) => `${Math.ceil(value / 1e6).toLocaleString('en-US')} MB`;
  const what = `The encoded training matrix would take ${mb(bytes)} (${(counts.train + counts.validation).toLocaleString('en-US')} training and validation rows × ${width} inputs and the target × 4 bytes)`;
  if (bytes > budgetMb * 1e6) {
    throw new ConfigError(`${what}, more than training.max_encoded_mb (${budgetMb.toLocaleString('en-US')} MB); raise it if the disk has room, or train on fewer rows.`);
  }
  const disk = await statfs(join(dir, '..')).catch(() => null);
  if (disk && bytes > disk.bavail * disk.bsize) {
    throw new ConfigError(`${what}, more than the ${mb(disk.bavail * disk.bsize)} free on the disk of ${join(dir, '..')}; free space or use another --work-dir.`);
  }
}
