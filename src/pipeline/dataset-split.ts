import { DataError } from '../core/errors.js';
import { loadDataset, type DatasetRow, type LoadedDataset } from '../data/load-dataset.js';
import { assignSplit, splitByKey, splitByTime, type SplitIndices, type SplitName } from '../data/split.js';
import { testRowsOf, type TestRows } from './champion-scoring.js';
import type { StepContext } from './step-context.js';

/** The earliest and latest time (ISO 8601) of each split of an out-of-time split. */
export type SplitTimeRanges = Record<SplitName, { from: string; to: string } | null>;

/** The dataset and its deterministic split: train and evaluate load the same rows the same way. */
export async function loadSplitDataset(ctx: StepContext): Promise<{ dataset: LoadedDataset; split: SplitIndices; timeRanges: SplitTimeRanges | null }> {
  const dataset = await loadDataset({ config: ctx.loaded, logger: ctx.logger });
  const settings = ctx.loaded.config.split;
  const timed = settings.time_column !== undefined;
  const split = timed ? splitByTime(dataset.rows as (DatasetRow & { time: number })[], settings) : splitByKey(dataset.rows, settings);
  if (split.train.length === 0 || split.test.length === 0) {
    const why = timed ? ` by time (split.time_column '${settings.time_column}'): too many rows share the latest times, or there are too few rows` : '';
    throw new DataError(
      `The split left ${split.train.length} training and ${split.test.length} test rows out of ${dataset.rows.length}${why}; add rows or change split.test_fraction.`,
    );
  }
  return { dataset, split, timeRanges: timed ? splitTimeRanges(dataset.rows, split) : null };
}

/** The time range of each split's rows (rows must carry `time`). */
export function splitTimeRanges(rows: readonly DatasetRow[], split: SplitIndices): SplitTimeRanges {
  const range = (indices: readonly number[]) => {
    if (indices.length === 0) return null;
    let from = Infinity;
    let to = -Infinity;
    for (const i of indices) {
      const time = rows[i]!.time!;
      if (time < from) from = time;
      if (time > to) to = time;
    }
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  };
  return { train: range(split.train), validation: range(split.validation), test: range(split.test) };
}

/** Test rows handed to scoring at a time. */
const testChunkRows = 4096;

/**
 * The test split streamed from the data file, chunk by chunk (each pass reads the file again):
 * rows land in the test split by the same seeded hash of their key as in {@link loadSplitDataset},
 * in file order. Scoring keeps predictions only, so memory does not grow with the rows. Each pass
 * checks the file is still the one validated (`dataSha256`), so every pass sees the same rows.
 * Not for an out-of-time split, which needs every row's time first (evaluate loads it instead).
 */
export function streamedTestRows(ctx: StepContext, dataSha256: string): TestRows {
  const settings = ctx.loaded.config.split;
  return {
    async forEachChunk(onChunk) {
      let chunk: DatasetRow[] = [];
      const pass = await loadDataset({
        config: ctx.loaded,
        logger: ctx.logger,
        onRow: (row) => {
          if (assignSplit(row.key, settings) !== 'test') return;
          chunk.push(row);
          if (chunk.length >= testChunkRows) {
            onChunk(chunk);
            chunk = [];
          }
        },
      });
      if (pass.sha256 !== dataSha256) {
        throw new DataError(`${pass.file} changed while evaluate read it (sha256 ${pass.sha256.slice(0, 12)}… ≠ ${dataSha256.slice(0, 12)}… validated); validate, train and evaluate again.`);
      }
      if (chunk.length > 0) onChunk(chunk);
      return pass.rowKey;
    },
  };
}

/**
 * The test split as evaluate scores it: streamed from the file, or held in memory when the split
 * is out-of-time (the latest rows: every row's time is needed before any is assigned).
 */
export async function testRowsFor(ctx: StepContext, dataSha256: string): Promise<TestRows> {
  if (ctx.loaded.config.split.time_column === undefined) return streamedTestRows(ctx, dataSha256);
  const { dataset, split } = await loadSplitDataset(ctx);
  if (dataset.sha256 !== dataSha256) {
    throw new DataError(`${dataset.file} changed since it was validated (sha256 ${dataset.sha256.slice(0, 12)}… ≠ ${dataSha256.slice(0, 12)}…); validate, train and evaluate again.`);
  }
  return testRowsOf(
    split.test.map((i) => dataset.rows[i]!),
    dataset.rowKey,
  );
}
