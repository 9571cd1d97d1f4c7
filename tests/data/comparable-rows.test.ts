import { describe, expect, test } from 'vitest';
import { comparableRows, sameKeyColumns } from '../../src/data/comparable-rows.js';
import { bindRowKey } from '../../src/data/row-key.js';
import { RowKeySet, RowKeySetBuilder } from '../../src/data/row-key-set.js';

/** Rows of a small file: an id, a value, and a column added later. */
const header = ['id', 'amount', 'region'];
const cells = Array.from({ length: 200 }, (_, i) => [`C${1000 + i}`, String((i * 37) % 101), ['North', 'South'][i % 2]!]);

/** The key set of the rows a model trained on, keyed over `columns`. */
function trainedOn(rows: string[][], columns: string[]): RowKeySet {
  const binding = bindRowKey(header, columns).binding!;
  const builder = new RowKeySetBuilder();
  for (const row of rows) builder.add(binding.key(row));
  return RowKeySet.decode(builder.finish());
}

describe('comparableRows', () => {
  test('leaves out exactly the rows the champion trained on, keyed with the champion’s columns', () => {
    // The champion keyed rows over id and amount (before region existed) and trained on the first 150.
    const set = trainedOn(cells.slice(0, 150), ['amount', 'id']);
    const championKey = bindRowKey(header, ['amount', 'id']).binding!;
    const test = cells.slice(100);
    const { rows, excluded } = comparableRows(test, set, (row) => championKey.key(row));
    expect(excluded).toBe(50);
    expect(rows).toEqual(cells.slice(150));
  });

  test('keys over other columns do not find the champion’s rows: the champion’s key columns are what counts', () => {
    const set = trainedOn(cells.slice(0, 150), ['amount', 'id']);
    const wholeRow = bindRowKey(header, undefined).binding!;
    expect(comparableRows(cells.slice(100), set, (row) => wholeRow.key(row)).excluded).toBe(0);
  });

  test.each([
    [['a', 'b'], ['a', 'b'], true],
    [['a', 'b'], ['b', 'a'], false],
    [['a'], ['a', 'b'], false],
  ])('sameKeyColumns(%j, %j) = %s', (a, b, same) => {
    expect(sameKeyColumns(a, b)).toBe(same);
  });
});
