import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MlopsConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { validateDataset, type ValidationReport } from '../../src/data/validate.js';
import { fixturesDir, loadedConfigFor } from '../fixtures/data/telco-config.js';

/**
 * `mlops validate` on the real-world fixtures (tests/fixtures/real-world) with hand-written
 * configs, and on copies with one cell broken: number and date formats checked cell by cell with
 * line and column, row identity (`split.key_columns`), the time column, and the leakage check.
 */

const realWorld = join(fixturesDir, '../real-world');
let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mlops-validate-real-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A copy of a fixture with `edit` applied to its lines (index 0 is the header, line N of the file is index N − 1). */
async function editedCopy(file: string, edit: (lines: string[]) => void): Promise<string> {
  const lines = (await readFile(join(realWorld, file), 'utf8')).split('\n');
  edit(lines);
  const path = join(workDir, `${Math.random().toString(36).slice(2)}-${file}`);
  await writeFile(path, lines.join('\n'));
  return path;
}

/** Replaces one cell (by column name) on a line of a delimited file. */
function setCell(lines: string[], line: number, column: string, value: string, delimiter = ','): void {
  const index = lines[0]!.split(delimiter).indexOf(column);
  const cells = lines[line - 1]!.split(delimiter);
  cells[index] = value;
  lines[line - 1] = cells.join(delimiter);
}

async function validate(input: MlopsConfigInput): Promise<ValidationReport> {
  return validateDataset({ config: loadedConfigFor(input, workDir), logger: silentLogger });
}

const binary = { type: 'binary', positive_label: 'Yes', negative_label: 'No' } as const;

/** The semicolon file as init describes it. */
function semicolonConfig(path: string): MlopsConfigInput {
  return {
    data: { path, target: 'churn', delimiter: ';', decimal: ',' },
    task: binary,
    features: [
      { name: 'tenure', type: 'numeric' },
      { name: 'contract', type: 'categorical', vocabulary: ['Month-to-month', 'One year', 'Two year'] },
      { name: 'payment_method', type: 'categorical', vocabulary: ['Electronic check', 'Mailed check', 'Bank transfer (automatic)', 'Credit card (automatic)'] },
      { name: 'monthly_charges', type: 'numeric' },
      { name: 'total_charges', type: 'numeric', format: { group: '.', currency: { symbol: '€', position: 'after' } } },
      { name: 'signup_date', type: 'datetime', format: { layout: 'dmy', separator: '.' } },
    ],
    split: { time_column: 'signup_date' },
  };
}

describe('cells that break their column’s format are errors with line and column', () => {
  test.each([
    ['monthly_charges', '29.85', 'line 5, column "monthly_charges": "29.85" has separators that do not fit the column\'s format: expected a number like "1234,50" (decimal comma)', 'non-numeric'],
    ['total_charges', '$1,889.50', 'line 5, column "total_charges": "$1,889.50" is in "$", not in the column\'s currency: expected a number like "1.234,50 €"', 'non-numeric'],
    ['signup_date', '31.02.2024', 'line 5, column "signup_date": "31.02.2024" is not a calendar date (month 2, day 31): expected a date like day.month.year (31.12.2024)', 'invalid-date'],
    ['signup_date', '2024-02-03', 'line 5, column "signup_date": "2024-02-03" is not a date in the column\'s format: expected a date like day.month.year (31.12.2024)', 'invalid-date'],
  ])('%s = %j', async (column, value, message, code) => {
    const path = await editedCopy('semicolon-decimal-comma.csv', (lines) => setCell(lines, 5, column, value, ';'));
    const report = await validate(semicolonConfig(path));
    expect(report.passed).toBe(false);
    expect(report.issues).toEqual([expect.objectContaining({ code, severity: 'error', line: 5, column, message: expect.stringContaining(message) })]);
  });

  test('the unbroken file reads every value, dates as epoch ms and amounts in euros', async () => {
    const dataset = await loadDataset({ config: loadedConfigFor(semicolonConfig(join(realWorld, 'semicolon-decimal-comma.csv')), workDir), logger: silentLogger });
    const second = dataset.rows[1]!;
    // "No;34;One year;Mailed check;56,95;1.889,50 €;20.02.2022"
    expect(second.features).toMatchObject({ monthly_charges: 56.95, total_charges: 1889.5, signup_date: Date.UTC(2022, 1, 20) });
    expect(second.time).toBe(Date.UTC(2022, 1, 20));
    expect(dataset.report.profile!.features['signup_date']).toEqual({ type: 'datetime', count: 400, missing: 0, min: '2018-12-04T00:00:00.000Z', max: '2024-12-01T00:00:00.000Z' });
  });

  test('a row without a time cannot be split by time: an error on its line', async () => {
    const path = await editedCopy('semicolon-decimal-comma.csv', (lines) => setCell(lines, 7, 'signup_date', '', ';'));
    const report = await validate(semicolonConfig(path));
    expect(report.issues).toEqual([
      expect.objectContaining({ code: 'missing-time', severity: 'error', line: 7, column: 'signup_date', message: 'line 7, column "signup_date": the time is missing; every row needs one to be split by time (split.time_column)' }),
    ]);
  });
});

describe('row identity from split.key_columns', () => {
  const withId = (path: string): MlopsConfigInput => ({
    data: { path, target: 'churn', ignore_columns: ['customerID', 'order_number', 'region_id', 'signup_at', 'comment', 'contract'] },
    task: binary,
    features: [
      { name: 'tenure', type: 'numeric' },
      { name: 'monthly_charges', type: 'numeric' },
    ],
    split: { key_columns: ['customerID'] },
  });

  test('a missing key is an error; a repeated key a warning naming both lines and the key', async () => {
    const path = await editedCopy('with-id.csv', (lines) => {
      setCell(lines, 4, 'customerID', '');
      setCell(lines, 9, 'customerID', lines[2]!.split(',')[0]!);
    });
    const report = await validate(withId(path));
    expect(report.issues).toEqual([
      expect.objectContaining({ code: 'missing-key', severity: 'error', line: 4, column: 'customerID', message: 'line 4: the key column "customerID" is missing; every row needs its key (split.key_columns) to be split and traced' }),
      expect.objectContaining({ code: 'duplicate-key', severity: 'warning', line: 9, message: `line 9: the row has the same key as line 3 (customerID "${(await readFile(path, 'utf8')).split('\n')[2]!.split(',')[0]}"); rows with one key share a split and count once in lineage` }),
    ]);
  });

  test('a key column the file lacks is an error on the header', async () => {
    const report = await validate({ ...withId(join(realWorld, 'with-id.csv')), split: { key_columns: ['customer_id'] } });
    expect(report.issues).toEqual([expect.objectContaining({ code: 'missing-key-column', line: 1, column: 'customer_id' })]);
    expect(report.passed).toBe(false);
  });

  test('with key columns, keys ignore every other column', async () => {
    const original = await loadDataset({ config: loadedConfigFor(withId(join(realWorld, 'with-id.csv')), workDir), logger: silentLogger });
    const edited = await editedCopy('with-id.csv', (lines) => lines.forEach((_, i) => i > 0 && lines[i] && setCell(lines, i + 1, 'comment', 'edited')));
    const changed = await loadDataset({ config: loadedConfigFor(withId(edited), workDir), logger: silentLogger });
    expect(changed.rows.map((r) => r.key)).toEqual(original.rows.map((r) => r.key));
    expect(changed.rowKey).toEqual({ columns: ['customerID'], wholeRow: false });
  });
});

describe('the leakage check on the training split (validation.leakage)', () => {
  const placeholder = (leakage: 'off' | 'warning' | 'error'): MlopsConfigInput => ({
    data: { path: join(realWorld, 'cancel-reason-placeholder.csv'), target: 'churn', ignore_columns: ['customer_id', 'internet_service', 'payment_method', 'total_charges'] },
    task: binary,
    features: [
      { name: 'tenure', type: 'numeric' },
      { name: 'contract', type: 'categorical', vocabulary: ['Month-to-month', 'One year', 'Two year'] },
      { name: 'monthly_charges', type: 'numeric' },
      { name: 'cancel_reason', type: 'categorical', vocabulary: ['none', 'Price', 'Competitor', 'Service', 'Moved', 'Other'] },
    ],
    split: { key_columns: ['customer_id'] },
    validation: { leakage },
  });

  test.each([
    ['warning', true],
    ['error', false],
  ] as const)('%s: the placeholder column is suspected, with its evidence; passed: %s', async (leakage, passed) => {
    const report = await validate(placeholder(leakage));
    expect(report.passed).toBe(passed);
    expect(report.issues).toEqual([
      expect.objectContaining({
        code: 'suspected-leakage',
        severity: leakage,
        column: 'cancel_reason',
        message: expect.stringMatching(
          new RegExp(`^"cancel_reason" is suspected target leakage: single-feature AUC 1\\.000 ≥ 0\\.98; .* \\(measured on the \\d+ rows of the training split; validation\\.leakage is '${leakage}'\\)$`),
        ),
      }),
    ]);
  });

  test('off: not checked', async () => {
    expect((await validate(placeholder('off'))).issues).toEqual([]);
  });

  test('honest features of the same file are not suspected', async () => {
    const config = placeholder('error');
    config.features = config.features.filter((f) => f.name !== 'cancel_reason');
    config.data.ignore_columns = [...config.data.ignore_columns!, 'cancel_reason'];
    expect(await validate(config)).toMatchObject({ passed: true, issues: [] });
  });
});
