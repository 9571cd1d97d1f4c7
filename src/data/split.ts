import { fnv1a32 } from '../core/hash.js';

/** Which part of the data a row belongs to. */
export type SplitName = 'train' | 'validation' | 'test';

export interface SplitSettings {
  test_fraction: number;
  validation_fraction: number;
  seed: number;
}

/** Row indices of each split, each in ascending order of the rows' keys (not of file position). */
export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

const uint32Range = 4294967296;

/**
 * Assigns a row to a split from a seeded hash of its content key alone. The same row lands in
 * the same split whatever the file's row or column order, and identical rows always share a
 * split, so duplicates cannot leak from training into the test set.
 */
export function assignSplit(key: string, settings: SplitSettings): SplitName {
  if (fnv1a32(key, settings.seed) / uint32Range < settings.test_fraction) return 'test';
  if (fnv1a32(key, settings.seed ^ 0x5bd1e995) / uint32Range < settings.validation_fraction) return 'validation';
  return 'train';
}

/**
 * Splits rows by their content keys. Within each split rows are ordered by key, so that
 * training sees the same sequence (before its seeded shuffle) however the file was ordered.
 */
export function splitByKey(rows: readonly { key: string }[], settings: SplitSettings): SplitIndices {
  const order = rows.map((row, index) => ({ key: row.key, index }));
  order.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  const split: SplitIndices = { train: [], validation: [], test: [] };
  for (const { key, index } of order) split[assignSplit(key, settings)].push(index);
  return split;
}

/** Where an out-of-time split cuts: rows from `validationFrom` (epoch ms) are validation, from `testFrom` test. */
export interface TimeCuts {
  validationFrom: number;
  testFrom: number;
}

/**
 * The cut points of an out-of-time split (`split.time_column`): the test split is the latest
 * `test_fraction` of the rows, the validation split the latest `validation_fraction` of the rows
 * before it, and training everything earlier. Rows that share a time stay together, on the later
 * side of a cut, so a split may hold a few more rows than its fraction. `times` (epoch ms, one per
 * row, any order) is sorted in place: a loader that streams rows keeps only this array.
 */
export function timeSplitCuts(times: Float64Array, settings: Pick<SplitSettings, 'test_fraction' | 'validation_fraction'>): TimeCuts {
  times.sort();
  const n = times.length;
  const testCount = Math.round(n * settings.test_fraction);
  const testFrom = testCount === 0 ? Infinity : times[n - testCount]!;
  let before = 0;
  while (before < n && times[before]! < testFrom) before++;
  const validationCount = Math.round(before * settings.validation_fraction);
  const validationFrom = validationCount === 0 ? testFrom : times[before - validationCount]!;
  return { validationFrom, testFrom };
}

/** The split of a row at `time` (epoch ms) under an out-of-time split's cut points. */
export function assignTimeSplit(time: number, cuts: TimeCuts): SplitName {
  if (time >= cuts.testFrom) return 'test';
  return time >= cuts.validationFrom ? 'validation' : 'train';
}

/**
 * Splits rows by their time (see {@link timeSplitCuts}); within each split rows are ordered by
 * key, as {@link splitByKey} orders them, so training sees the same sequence however the file
 * was ordered.
 */
export function splitByTime(rows: readonly { key: string; time: number }[], settings: SplitSettings): SplitIndices & { cuts: TimeCuts } {
  const cuts = timeSplitCuts(Float64Array.from(rows, (row) => row.time), settings);
  const order = rows.map((row, index) => ({ key: row.key, index }));
  order.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  const split: SplitIndices & { cuts: TimeCuts } = { train: [], validation: [], test: [], cuts };
  for (const { index } of order) split[assignTimeSplit(rows[index]!.time, cuts)].push(index);
  return split;
}
