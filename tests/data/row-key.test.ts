import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { canonicalJson, sha256 } from '../../src/core/hash.js';
import { silentLogger } from '../../src/core/logger.js';
import { readCsv } from '../../src/data/csv-source.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { bindRowKey, duplicateKeyIssue, DuplicateKeyFinder, missingKeyIssue } from '../../src/data/row-key.js';
import { missingValuesOf } from '../../src/data/row-schema.js';
import { assignSplit } from '../../src/data/split.js';
import { fixturesDir, telcoConfig } from '../fixtures/data/telco-config.js';

const realWorld = join(fixturesDir, '../real-world');
const settings = { test_fraction: 0.2, validation_fraction: 0.1, seed: 42 };

async function readRows(path: string): Promise<{ header: string[]; rows: string[][] }> {
  let header: string[] = [];
  const rows: string[][] = [];
  await readCsv(path, { onHeader: (cells) => (header = [...cells]), onRow: (cells) => rows.push([...cells]), onIssue: () => {} });
  return { header, rows };
}

/** The file with one column added (random region names) and one removed, as a warehouse change does. */
function reshaped(header: string[], rows: string[][], drop: string): { header: string[]; rows: string[][] } {
  const at = header.indexOf(drop);
  const regions = ['North', 'South', 'East', 'West'];
  return {
    header: ['region', ...header.filter((_, i) => i !== at)],
    rows: rows.map((cells, r) => [regions[(r * 7) % 4]!, ...cells.filter((_, i) => i !== at)]),
  };
}

describe('bindRowKey', () => {
  test('without key columns, the key is the content hash that loadDataset gives each row today', async () => {
    const path = join(fixturesDir, 'valid/telco-excerpt.csv');
    const dataset = await loadDataset({ config: telcoConfig('valid/telco-excerpt.csv'), logger: silentLogger });
    const { header, rows } = await readRows(path);
    const { binding } = bindRowKey(header, undefined);
    expect(binding!.wholeRow).toBe(true);
    expect(rows.map((cells) => binding!.key(cells))).toEqual(dataset.rows.map((row) => row.key));
  });

  test('with key columns, adding and removing other columns moves no row between splits', async () => {
    const original = await readRows(join(realWorld, 'with-id.csv'));
    const changed = reshaped(original.header, original.rows, 'comment');
    const keysOf = (file: { header: string[]; rows: string[][] }, keyColumns?: string[]) => {
      const { binding } = bindRowKey(file.header, keyColumns);
      return file.rows.map((cells) => binding!.key(cells));
    };
    const before = keysOf(original, ['customerID']);
    expect(keysOf(changed, ['customerID'])).toEqual(before);
    expect(before.map((key) => assignSplit(key, settings))).toEqual(keysOf(changed, ['customerID']).map((key) => assignSplit(key, settings)));
    // The whole-row key moves rows: about 30% of them change split (the bias issue 14 measured).
    const wholeBefore = keysOf(original).map((key) => assignSplit(key, settings));
    const wholeAfter = keysOf(changed).map((key) => assignSplit(key, settings));
    const moved = wholeBefore.filter((split, i) => split !== wholeAfter[i]).length;
    expect(moved / wholeBefore.length).toBeGreaterThan(0.2);
  });

  test('without key columns, a column added and listed in data.ignore_columns moves no row', async () => {
    const original = await readRows(join(realWorld, 'with-id.csv'));
    const added = { header: ['region', ...original.header], rows: original.rows.map((cells, r) => [['North', 'South'][r % 2]!, ...cells]) };
    const before = bindRowKey(original.header, undefined).binding!;
    const after = bindRowKey(added.header, undefined, 1, ['region']).binding!;
    expect(after.wholeRow).toBe(true);
    expect(added.rows.map((cells) => after.key(cells))).toEqual(original.rows.map((cells) => before.key(cells)));
    // The same key as naming the other columns explicitly: how a later gate recomputes a champion's keys.
    const explicit = bindRowKey(added.header, original.header).binding!;
    expect(added.rows.map((cells) => explicit.key(cells))).toEqual(original.rows.map((cells) => before.key(cells)));
  });

  test.each([
    [['id', 'x', 'date']],
    [['10', '9', 'b', 'a', '2024', '-1', '01', 'é', 'Z']],
    [['only']],
  ])('the key is sha256 of the canonical JSON of {name → cell}, whatever the names (%j)', (header) => {
    const cells = header.map((name, i) => `${name}"\\ ${i} ü\n`);
    const expected = sha256(canonicalJson(Object.fromEntries(header.map((name, i) => [name, cells[i]!]))));
    expect(bindRowKey(header, undefined).binding!.key(cells)).toBe(expected);
    expect(bindRowKey(header, [...header].reverse()).binding!.key(cells)).toBe(expected);
  });

  test('key columns are matched by name: column order in the file or the config does not matter', () => {
    const a = bindRowKey(['id', 'x', 'date'], ['date', 'id']).binding!;
    const b = bindRowKey(['date', 'id', 'y'], ['id', 'date']).binding!;
    expect(a.key(['7', 'foo', '2024-01-01'])).toBe(b.key(['2024-01-01', '7', 'bar']));
    expect(a.key(['7', 'foo', '2024-01-01'])).not.toBe(a.key(['8', 'foo', '2024-01-01']));
    expect(a.columns.map((c) => c.name)).toEqual(['date', 'id']);
  });

  test.each([
    [['id', 'x'], ['customer_id'], 'missing-key-column', 'line 1: the key column "customer_id" (split.key_columns) is not a column of the file; columns are "id", "x"'],
    [['id', 'x'], ['id', 'id'], 'duplicate-key-column', 'split.key_columns lists "id" twice'],
  ])('header %j with key columns %j: %s', (header, keyColumns, code, message) => {
    const { binding, issues } = bindRowKey(header, keyColumns);
    expect(binding).toBeNull();
    expect(issues).toEqual([expect.objectContaining({ code, severity: 'error', message })]);
  });
});

describe('missing and repeated keys', () => {
  const missing = missingValuesOf(['', 'NA']);
  const binding = bindRowKey(['id', 'shop', 'amount'], ['id', 'shop']).binding!;

  test('a missing key cell is an error on its line and column', () => {
    expect(missingKeyIssue(binding, ['7', 'NA', '3'], 12, missing)).toEqual({
      code: 'missing-key',
      severity: 'error',
      line: 12,
      column: 'shop',
      message: 'line 12: the key column "shop" is missing; every row needs its key (split.key_columns) to be split and traced',
    });
    expect(missingKeyIssue(binding, ['7', 'A', ''], 12, missing)).toBeNull();
    expect(missingKeyIssue(bindRowKey(['a'], null).binding!, [''], 3, missing)).toBeNull();
  });

  test('a repeated key names the earlier line and the key values', () => {
    const finder = new DuplicateKeyFinder();
    const rows = [['7', 'A', '1'], ['8', 'A', '2'], ['7', 'A', '3']];
    const firstLines = rows.map((cells, i) => finder.add(binding.key(cells), i + 2));
    expect(firstLines).toEqual([-1, -1, 2]);
    expect(finder.keys).toBe(2);
    expect(duplicateKeyIssue(binding, rows[2]!, 4, 2).message).toBe('line 4: the row has the same key as line 2 (id "7", shop "A"); rows with one key share a split and count once in lineage');
  });
});
