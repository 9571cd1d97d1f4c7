import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { combineCsvFiles, type CombineOptions } from '../../src/data/combine-csv.js';
import { readCsv } from '../../src/data/csv-source.js';
import { csvCellOf, formatCsvCell, formatCsvRow } from '../../src/data/csv-write.js';

/** Combining fetched CSV files: columns by name, quoting that reads back, windows by rows and days. */

const dir = mkdtempSync(join(tmpdir(), 'mlops-combine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): { path: string; name: string } {
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, name };
}

async function readBack(path: string): Promise<{ header: string[]; rows: string[][] }> {
  let header: string[] = [];
  const rows: string[][] = [];
  await readCsv(path, { trim: false, onHeader: (cells) => (header = [...cells]), onRow: (cells) => rows.push([...cells]), onIssue: (issue) => rows.push([`ISSUE ${issue.message}`]) });
  return { header, rows };
}

const options: CombineOptions = { delimiter: ',', trim: true, missingValues: ['', 'NA'] };

describe('formatCsvCell', () => {
  test.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    [' padded ', '" padded "'],
    ['29.85', '29.85'],
  ])('%j → %j', (cell, written) => {
    expect(formatCsvCell(cell)).toBe(written);
  });

  test('values as cells: numbers as JavaScript writes them, missing as empty', () => {
    expect([csvCellOf(29.85), csvCellOf(1e21), csvCellOf(null), csvCellOf('No'), csvCellOf(true)]).toEqual(['29.85', '1e+21', '', 'No', 'true']);
    expect(formatCsvRow(['a;b', 'c'], ';')).toBe('"a;b";c');
  });
});

describe('combineCsvFiles', () => {
  test('rows in order, columns matched by name, a column a file lacks left empty; tricky cells read back', async () => {
    const base = file('base.csv', 'id,tenure,contract,churn\n1,2,"Month-to-month",No\n2,30,"Two, year ""plan""",Yes\n');
    const extra = file('new.csv', 'churn,contract,tenure\r\nYes,"multi\nline",5\n');
    const out = join(dir, 'out.csv');
    const result = await combineCsvFiles([base, extra], out, options);
    expect(result).toMatchObject({ rows: [2, 1], outputRows: 3, droppedRows: 0, header: ['id', 'tenure', 'contract', 'churn'] });
    expect(await readBack(out)).toEqual({
      header: ['id', 'tenure', 'contract', 'churn'],
      rows: [
        ['1', '2', 'Month-to-month', 'No'],
        ['2', '30', 'Two, year "plan"', 'Yes'],
        ['', '5', 'multi\nline', 'Yes'],
      ],
    });
    expect(result.bytes).toBe(readFileSync(out).length);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a window of the last rows counts across files', async () => {
    const a = file('a.csv', 'x\n1\n2\n3\n');
    const b = file('b.csv', 'x\n4\n5\n');
    const out = join(dir, 'rows.csv');
    const result = await combineCsvFiles([a, b], out, { ...options, window: { rows: 3 } });
    expect(result).toMatchObject({ outputRows: 3, droppedRows: 2 });
    expect((await readBack(out)).rows).toEqual([['3'], ['4'], ['5']]);
  });

  test('a window of days keeps the rows within that many days of the newest; rows without a time go', async () => {
    const a = file('days-a.csv', 'at,x\n2024-01-01,old\n2024-03-01T12:00:00Z,edge\n2024-03-05,kept\n,missing\n');
    const b = file('days-b.csv', 'x,at\nnew,2024-03-31\n');
    const out = join(dir, 'days.csv');
    const result = await combineCsvFiles([a, b], out, { ...options, window: { days: 30, timeColumn: 'at' } });
    // 2024-03-31 minus 30 days is 2024-03-01T00:00Z: the row at noon that day is in.
    expect((await readBack(out)).rows).toEqual([
      ['2024-03-01T12:00:00Z', 'edge'],
      ['2024-03-05', 'kept'],
      ['2024-03-31', 'new'],
    ]);
    expect(result).toMatchObject({ outputRows: 3, droppedRows: 2, timeRange: { from: '2024-03-01T00:00:00.000Z', to: '2024-03-31T00:00:00.000Z' } });
    const notDates = file('days-c.csv', 'x,at\nnew,2024-03-31\nbad,not a date\n');
    await expect(combineCsvFiles([notDates], join(dir, 'days-c-out.csv'), { ...options, window: { days: 30, timeColumn: 'at' } })).rejects.toThrow(
      /data\.window\.time_column "at" does not hold dates: not dates: only 1 of 2 values/,
    );
  });

  test('problems of a source stop the combination, naming the file; the output is not written', async () => {
    const good = file('good.csv', 'x,y\n1,2\n');
    const ragged = file('ragged.csv', 'x,y\n1,2\n3\n');
    const out = join(dir, 'never.csv');
    const error = await combineCsvFiles([good, ragged], out, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/ragged\.csv/);
    expect(() => readFileSync(out)).toThrow();
    const noTime = await combineCsvFiles([good], out, { ...options, window: { days: 1, timeColumn: 'when' } }).catch((e: unknown) => e);
    expect((noTime as DataError).message).toMatch(/good\.csv: no column "when" \(data\.window\.time_column\)/);
  });
});
