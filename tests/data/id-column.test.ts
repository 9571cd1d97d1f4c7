import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCsv } from '../../src/data/csv-source.js';
import { IdColumnTracker, nameSaysIdentifier, proposeIdColumn, valueShape } from '../../src/data/id-column.js';
import { fixturesDir, telcoPath } from '../fixtures/data/telco-config.js';
import { scanColumns } from './scan-columns.js';

const realWorld = join(fixturesDir, '../real-world');

function track(name: string, cells: readonly string[]) {
  const tracker = new IdColumnTracker(name);
  for (const cell of cells) tracker.add(cell, cell === '');
  return tracker.verdict();
}

describe('id column rules', () => {
  test.each([
    ['customerID', true],
    ['Individual ID', true],
    ['order_key', true],
    ['UUID', true],
    ['pk', true],
    ['idle_minutes', false],
    ['keyboard', false],
    ['zip_code', false],
  ])('the name %j says identifier: %s', (name, expected) => {
    expect(nameSaysIdentifier(name)).toBe(expected);
  });

  test.each([
    ['7590-VHVEG', '9-A'],
    ['C-00123', 'A-9'],
    ['N12A2', 'A9A9'],
  ])('shape of %j is %j', (value, shape) => {
    expect(valueShape(value)).toBe(shape);
  });

  test.each([
    ['a named integer id', 'user_id', ['1', '2', '3', '10'], true, 'named', 'its name says it is an identifier and all 4 values are present and distinct'],
    ['UUIDs without an id name', 'token', ['0b7e7dee-87ac-4a35-9a2b-0c1c2c6a1f00', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'], true, 'uuid', 'every value is a UUID'],
    ['codes without an id name', 'account', ['7590-VHVEG', '5575-GNVDE', '3668-QPYBK'], true, 'code', 'every value is a code of letters and digits (shape "9-A")'],
    ['unique integers without an id name', 'order_number', ['100002', '100009', '100014'], false, null, 'unique integers, but the name does not say id'],
    ['unique words', 'surname', ['Smith', 'Jones', 'Brown'], false, null, 'the values are not codes: high-cardinality text'],
    ['a named id with a repeat', 'region_id', ['R1', 'R2', 'R1'], false, null, 'repeats values ("R1" on row 3 and an earlier row)'],
    ['a named id with a missing value', 'customer_id', ['C1', '', 'C3'], false, null, 'has missing values (first on row 2)'],
    ['free text', 'comment_id', ['called twice', 'ok'], false, null, 'has values with spaces ("called twice"): text, not an id'],
    ['fractional numbers', 'reading_id', ['1.5', '2.25'], false, null, 'has fractional numbers ("1.5"): a measurement, not an id'],
    ['timestamps', 'event_key', ['2024-01-01T10:00:00Z', '2024-01-01T10:00:01Z'], false, null, 'holds dates ("2024-01-01T10:00:00Z"), not ids'],
    ['long values', 'doc_id', ['x'.repeat(65)], false, null, 'has values longer than 64 characters'],
  ] as const)('%s', (_, name, cells, id, kind, reason) => {
    const verdict = track(name, cells);
    expect(verdict.id).toBe(id);
    expect(verdict.kind).toBe(kind);
    expect(verdict.reason).toContain(reason);
  });
});

describe('proposeIdColumn on real files', () => {
  test('with-id.csv: customerID, and why each look-alike is not one', async () => {
    const scan = await scanColumns(join(realWorld, 'with-id.csv'), ',');
    const proposal = proposeIdColumn(scan.ids);
    expect(proposal.column).toBe('customerID');
    expect(proposal.reason).toBe(
      '"customerID" identifies the rows: its name says it is an identifier and all 400 values are present and distinct. As split.key_columns it keeps each row in its split when other columns are added, removed or edited',
    );
    const why = Object.fromEntries(proposal.verdicts.map((v) => [v.name, v.reason]));
    expect(why.order_number).toMatch(/^unique integers, but the name does not say id/);
    expect(why.region_id).toMatch(/^repeats values/);
    expect(why.signup_at).toMatch(/^holds dates/);
    expect(why.comment).toMatch(/^has values with spaces/);
  });

  test('the same codes under a name that does not say id still qualify, by their shape', async () => {
    const renamed = new IdColumnTracker('customer');
    await readCsv(join(realWorld, 'with-id.csv'), { onRow: (cells) => renamed.add(cells[0]!, false), onIssue: () => {} });
    expect(renamed.verdict()).toMatchObject({ id: true, kind: 'code' });
  });

  test('the telco data has no id column (its customer ids were removed): the whole row stays the key', async () => {
    const proposal = proposeIdColumn((await scanColumns(telcoPath, ',')).ids);
    expect(proposal.column).toBeNull();
    expect(proposal.reason).toMatch(/^no column identifies the rows/);
  });

  test('a high-cardinality zip code column is not an id', async () => {
    const scan = await scanColumns(join(realWorld, 'zip-codes.csv'), ',');
    expect(proposeIdColumn(scan.ids).column).toBeNull();
    expect(scan.ids.find((t) => t.name === 'zip_code')!.verdict().reason).toMatch(/^repeats values/);
  });
});
