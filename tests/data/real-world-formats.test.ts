import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readCsv } from '../../src/data/csv-source.js';
import { compileDateTimeParser } from '../../src/data/datetime-format.js';
import { compileNumberParser, delimiterConflict, type NumberFormat } from '../../src/data/number-cell.js';
import { parseNumber } from '../../src/data/row-schema.js';
import { fixturesDir, telcoPath } from '../fixtures/data/telco-config.js';
import { scanColumns } from './scan-columns.js';

const realWorld = join(fixturesDir, '../real-world');
let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mlops-formats-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Column → cells of a file, in row order, with the line of each row. */
async function columns(path: string, delimiter: string): Promise<{ cells: Map<string, string[]>; lines: number[] }> {
  let header: string[] = [];
  const cells = new Map<string, string[]>();
  const lines: number[] = [];
  await readCsv(path, {
    delimiter,
    onHeader: (names) => {
      header = [...names];
      for (const name of header) cells.set(name, []);
    },
    onRow: (row, line) => {
      lines.push(line);
      row.forEach((cell, i) => cells.get(header[i]!)!.push(cell));
    },
    onIssue: (issue) => {
      throw new Error(issue.message);
    },
  });
  return { cells, lines };
}

const telco = columns(telcoPath, ',');

describe('a ;-separated export with decimal commas, euro amounts and day-first dates', () => {
  const path = join(realWorld, 'semicolon-decimal-comma.csv');

  test('detects the file decimal mark, each column format and the date order', async () => {
    const scan = await scanColumns(path, ';');
    expect(scan.decimal).toEqual({ decimal: ',', reason: '2 columns write fractions with "," ("monthly_charges", "total_charges")', conflicts: [] });
    expect(scan.numbers.get('monthly_charges')!.format).toEqual({ decimal: ',', group: '', percent: false, currency: null, parentheses: false });
    expect(scan.numbers.get('total_charges')!.format).toEqual({ decimal: ',', group: '.', percent: false, currency: { symbol: '€', position: 'after' }, parentheses: false });
    expect(scan.numbers.get('total_charges')!.note).toBe('decimal comma, "." between thousands, "€" after the number: all 400 values fit');
    expect(scan.numbers.get('signup_date')!.format).toBeNull();
    expect(scan.dates.get('signup_date')!).toMatchObject({ format: { layout: 'dmy', separator: '.', time: false }, ambiguous: false, conforming: 400 });
    expect(scan.dates.get('signup_date')!.note).toMatch(/^day\.month\.year \(31\.12\.2024\): all 400 values fit, from 2018-12-\d\dT00:00:00\.000Z to 2024-12-\d\dT00:00:00\.000Z; day-first: "\d\d\.\d\d\.\d{4}" has a day above 12 in the first position$/);
    expect(scan.numbers.get('contract')!.format).toBeNull();
  });

  test('reads every amount as the original file has it', async () => {
    const scan = await scanColumns(path, ';');
    const { cells } = await columns(path, ';');
    const original = (await telco).cells;
    for (const name of ['monthly_charges', 'total_charges']) {
      const parse = compileNumberParser(scan.numbers.get(name)!.format!);
      const values = cells.get(name)!.map(parse);
      expect(values).toEqual(original.get(name)!.slice(0, 400).map((cell) => parseNumber(cell)));
    }
  });

  test('a cell that breaks its column format is found with its line, column and what was expected', async () => {
    const text = await readFile(path, 'utf8');
    const lines = text.split('\n');
    lines[9] = lines[9]!.replace(/;(\d+),(\d+);/, ';$1.$2;');
    const broken = join(workDir, 'broken.csv');
    await writeFile(broken, lines.join('\n'));
    const scan = await scanColumns(broken, ';');
    const detection = scan.numbers.get('monthly_charges')!;
    expect(detection.format?.decimal).toBe(',');
    expect(detection.conforming).toBe(399);
    const { cells, lines: rowLines } = await columns(broken, ';');
    const parse = compileNumberParser(detection.format!);
    const problems = cells.get('monthly_charges')!.flatMap((cell, i) => {
      const value = parse(cell);
      return typeof value === 'string' ? [`line ${rowLines[i]}, column "monthly_charges": ${JSON.stringify(cell)} ${value}`] : [];
    });
    expect(problems).toEqual([`line 10, column "monthly_charges": "${detection.mismatch}" has separators that do not fit the column's format: expected a number like "1234,50" (decimal comma)`]);
  });

  test('a decimal comma needs a delimiter other than the comma', async () => {
    const scan = await scanColumns(path, ';');
    const format = scan.numbers.get('monthly_charges')!.format as NumberFormat;
    expect(delimiterConflict(format, ';')).toBeNull();
    expect(delimiterConflict(format, ',')).toMatch(/^the decimal mark "," is also the field delimiter/);
  });
});

describe('a US accounting export', () => {
  const path = join(realWorld, 'accounting-usd.csv');

  test('dollars before the amount, refunds in parentheses, quoted thousands, percentages', async () => {
    const scan = await scanColumns(path, ',');
    expect(scan.numbers.get('last_payment')!.format).toEqual({ decimal: '.', group: '', percent: false, currency: { symbol: '$', position: 'before' }, parentheses: true });
    expect(scan.numbers.get('total_charges')!.format).toEqual({ decimal: '.', group: ',', percent: false, currency: { symbol: '$', position: 'before' }, parentheses: false });
    expect(scan.numbers.get('discount')!.format).toMatchObject({ percent: true });
    const { cells } = await columns(path, ',');
    const original = (await telco).cells;
    const payments = cells.get('last_payment')!.map(compileNumberParser(scan.numbers.get('last_payment')!.format!));
    const expected = original.get('monthly_charges')!.slice(0, 200).map((cell, i) => (i % 9 === 4 ? -1 : 1) * Number(cell));
    expect(payments).toEqual(expected);
    expect(cells.get('total_charges')!.map(compileNumberParser(scan.numbers.get('total_charges')!.format!))).toEqual(original.get('total_charges')!.slice(0, 200).map(Number));
  });
});

describe('time columns', () => {
  const path = join(realWorld, 'iso-datetime.csv');

  test('ISO datetimes with and without zones, ISO dates, proven month-first and ambiguous slash dates', async () => {
    const scan = await scanColumns(path, ',');
    const date = (name: string) => scan.dates.get(name)!;
    expect(date('signup_at')).toMatchObject({ format: { layout: 'iso', time: true }, ambiguous: false });
    expect(date('last_seen').note).toContain('every value carries its time zone');
    expect(date('signup_date')).toMatchObject({ format: { layout: 'iso', time: false } });
    expect(date('renewal_date')).toMatchObject({ format: { layout: 'mdy', separator: '/' }, ambiguous: false });
    expect(date('billing_date')).toMatchObject({ format: { layout: 'mdy', separator: '/' }, ambiguous: true });
    expect(date('billing_date').note).toContain('read month-first because slashes in a ","-separated file are most often US month-first');
    for (const name of ['tenure', 'contract', 'churn']) expect(date(name).format).toBeNull();
    for (const name of ['signup_at', 'last_seen', 'signup_date']) expect(scan.numbers.get(name)!.format).toBeNull();
  });

  test('the same day written three ways parses to the same instant', async () => {
    const scan = await scanColumns(path, ',');
    const { cells } = await columns(path, ',');
    const parsed = (name: string) => cells.get(name)!.map(compileDateTimeParser(scan.dates.get(name)!.format!));
    const signupAt = parsed('signup_at') as number[];
    const day = signupAt.map((ms) => ms - (ms % 86_400_000));
    expect(parsed('signup_date')).toEqual(day);
    expect(parsed('renewal_date')).toEqual(day);
    // last_seen is written with +02:00: its instant equals the UTC reading of the same wall clock minus 2 hours.
    const lastSeen = cells.get('last_seen')!;
    expect(parsed('last_seen')).toEqual(lastSeen.map((text) => Date.parse(text.replace(' ', 'T'))));
  });
});
