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
