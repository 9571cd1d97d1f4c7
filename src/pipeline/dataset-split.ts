import { DataError } from '../core/errors.js';
import { loadDataset, type DatasetRow, type LoadedDataset } from '../data/load-dataset.js';
import { splitByKey, splitByTime, type SplitIndices, type SplitName } from '../data/split.js';
import type { StepContext } from './step-context.js';

/** The earliest and latest time (ISO 8601) of each split of an out-of-time split. */
export type SplitTimeRanges = Record<SplitName, { from: string; to: string } | null>;

/**
 * The dataset and its deterministic split: train and evaluate load the same rows the same way.
 * `extraColumns` keeps those columns' raw cells on each row (the champion's own features).
 */
export async function loadSplitDataset(
  ctx: StepContext,
  options: { extraColumns?: readonly string[] } = {},
): Promise<{ dataset: LoadedDataset; split: SplitIndices; timeRanges: SplitTimeRanges | null }> {
  const dataset = await loadDataset({ config: ctx.loaded, logger: ctx.logger, extraColumns: options.extraColumns });
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
