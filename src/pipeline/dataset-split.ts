import { DataError } from '../core/errors.js';
import { loadDataset, type DatasetRow, type LoadedDataset } from '../data/load-dataset.js';
import { assignSplit, splitByKey, splitByTime, type SplitIndices, type SplitName } from '../data/split.js';
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

/** What one pass over the split rows read. */
export interface SplitPass {
  file: string;
  rowKey: LoadedDataset['rowKey'];
  /** Columns asked for as `extraColumns` that the file does not have. */
  absentColumns: string[];
  /** Rows of each split. */
  counts: Record<SplitName, number>;
}

/**
 * The dataset's rows with their split, readable more than once, as evaluate reads them: each pass
 * hands every valid row over with its split, keeping none. A hash split streams from the file
 * (each pass reads it again and checks it is still the validated one), so memory does not grow
 * with the rows; an out-of-time split needs every row's time before any is assigned, so it is
 * loaded once and handed over from memory (train, validation, then test rows, each split in
 * {@link loadSplitDataset}'s order).
 */
export interface SplitRows {
  forEach(onRow: (row: DatasetRow, split: SplitName) => void): Promise<SplitPass>;
}

/** The split rows of the run's data (`dataSha256`: what validate read); `extraColumns` as in {@link loadSplitDataset}. */
export async function splitRowsFor(ctx: StepContext, dataSha256: string, options: { extraColumns?: readonly string[] } = {}): Promise<SplitRows> {
  const changed = (file: string, sha256: string) =>
    new DataError(`${file} changed since it was validated (sha256 ${sha256.slice(0, 12)}… ≠ ${dataSha256.slice(0, 12)}…); validate, train and evaluate again.`);
  if (ctx.loaded.config.split.time_column !== undefined) {
    const { dataset, split } = await loadSplitDataset(ctx, options);
    if (dataset.sha256 !== dataSha256) throw changed(dataset.file, dataset.sha256);
    const counts = { train: split.train.length, validation: split.validation.length, test: split.test.length };
    return {
      async forEach(onRow) {
        for (const name of ['train', 'validation', 'test'] as const) for (const i of split[name]) onRow(dataset.rows[i]!, name);
        return { file: dataset.file, rowKey: dataset.rowKey, absentColumns: dataset.absentColumns, counts };
      },
    };
  }
  const settings = ctx.loaded.config.split;
  return {
    async forEach(onRow) {
      const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
      const pass = await loadDataset({
        config: ctx.loaded,
        logger: ctx.logger,
        extraColumns: options.extraColumns,
        onRow: (row) => {
          const split = assignSplit(row.key, settings);
          counts[split]++;
          onRow(row, split);
        },
      });
      if (pass.sha256 !== dataSha256) throw changed(pass.file, pass.sha256);
      if (counts.train === 0 || counts.test === 0) {
        throw new DataError(
          `The split left ${counts.train} training and ${counts.test} test rows out of ${counts.train + counts.validation + counts.test}; add rows or change split.test_fraction.`,
        );
      }
      return { file: pass.file, rowKey: pass.rowKey, absentColumns: pass.absentColumns, counts };
    },
  };
}
