/**
 * Fair comparisons: the gate scores a candidate and the champion only on test rows that neither
 * trained on. The candidate never saw its own test split; the champion may have, when the data or
 * its columns changed since it was trained (a row's split follows its key, and a key can change).
 * Its lineage records the keys of the rows it trained on (row-key-set.ts), so each test row's key
 * is computed with the champion's key columns and looked up: a row found there is left out. The
 * set has no false negatives, so no row the champion trained on stays in; a false positive (about
 * one lookup in a million) only leaves out one more row.
 */

/** Membership in the rows a model trained on. */
export interface TrainedOn {
  has(key: string): boolean;
}

/** The test rows both models can be scored on, and how many were left out. */
export interface ComparableRows<T> {
  rows: T[];
  /** Test rows the champion trained on (left out). */
  excluded: number;
}

/** Keeps the rows whose key (`keyOf`, with the champion's key columns) the champion did not train on. */
export function comparableRows<T>(rows: readonly T[], trainedOn: TrainedOn, keyOf: (row: T, index: number) => string): ComparableRows<T> {
  const kept: T[] = [];
  rows.forEach((row, index) => {
    if (!trainedOn.has(keyOf(row, index))) kept.push(row);
  });
  return { rows: kept, excluded: rows.length - kept.length };
}

/** Whether two key column lists (each sorted by name, as row-key.ts binds them) are the same. */
export function sameKeyColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
