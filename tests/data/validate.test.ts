import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { createRecordingLogger, silentLogger } from '../../src/core/logger.js';
import { sha256File } from '../../src/core/hash.js';
import { dataProfileSchema } from '../../src/data/profile-schema.js';
import { validateDataset, validationError, validationReportSchema, type ValidationReport } from '../../src/data/validate.js';
import { fixturesDir, telcoConfig, telcoPath } from '../fixtures/data/telco-config.js';

const validate = (file: string, changes = {}) => validateDataset({ config: telcoConfig(file, changes), logger: silentLogger });

/** The physical line (1-based) where `needle` first occurs in a fixture. */
function lineOf(file: string, needle: string): number {
  const text = readFileSync(join(fixturesDir, file), 'utf8');
  return text.slice(0, text.indexOf(needle)).split(/\r\n|\n|\r/).length;
}

describe('validateDataset on damaged files', () => {
  test.each([
    { file: 'damaged/empty.csv', code: 'empty-file', line: undefined, column: undefined, mentions: 'is empty' },
    { file: 'damaged/header-only.csv', code: 'no-data-rows', line: 1, column: undefined, mentions: 'no data rows' },
    { file: 'damaged/missing-target-column.csv', code: 'missing-target-column', line: 1, column: 'churn', mentions: '"churn" is not a column' },
    { file: 'damaged/missing-feature-column.csv', code: 'missing-feature-column', line: 1, column: 'tenure', mentions: '"tenure" is not a column' },
    { file: 'damaged/duplicate-column.csv', code: 'duplicate-column', line: 1, column: 'contract', mentions: 'columns 16, 21' },
    { file: 'damaged/unknown-column.csv', code: 'unknown-column', line: 1, column: 'customer_id', mentions: 'column "customer_id"' },
    { file: 'damaged/text-in-numeric.csv', code: 'non-numeric', line: 42, column: 'tenure', mentions: 'line 42, column "tenure": "abc" is not a number' },
    { file: 'damaged/nan.csv', code: 'non-finite', line: 10, column: 'monthly_charges', mentions: '"NaN" is not a finite number' },
    { file: 'damaged/infinity.csv', code: 'non-finite', line: 11, column: 'total_charges', mentions: '"Infinity"' },
    { file: 'damaged/overflow.csv', code: 'non-finite', line: 13, column: 'total_charges', mentions: '"1e999"' },
    { file: 'damaged/unseen-label.csv', code: 'unseen-label', line: 77, column: 'churn', mentions: '"Maybe" is not a label' },
    { file: 'damaged/missing-target.csv', code: 'missing-target', line: 33, column: 'churn', mentions: 'line 33' },
    { file: 'damaged/ragged-short.csv', code: 'ragged-row', line: 20, column: 'total_charges', mentions: 'line 20: 19 cells but the header has 20' },
    { file: 'damaged/ragged-long.csv', code: 'ragged-row', line: 21, column: undefined, mentions: 'line 21: 21 cells' },
    { file: 'damaged/unclosed-quote.csv', code: 'unclosed-quote', line: 80, column: undefined, mentions: 'line 80' },
    { file: 'damaged/truncated-in-quote.csv', code: 'unclosed-quote', line: 122, column: undefined, mentions: 'never closed' },
    { file: 'damaged/invalid-quote.csv', code: 'invalid-quote', line: 50, column: 'payment_method', mentions: 'line 50, column "payment_method"' },
    { file: 'damaged/binary-gzip.csv', code: 'binary-file', line: undefined, column: undefined, mentions: 'looks like a binary file, not CSV text (gzip' },
    { file: 'damaged/binary-png.csv', code: 'binary-file', line: undefined, column: undefined, mentions: 'looks like a binary file, not CSV text (a PNG image' },
    { file: 'damaged/not-utf8.csv', code: 'not-utf8', line: 30, column: undefined, mentions: 'line 30 has an invalid byte' },
    { file: 'damaged/too-few-rows.csv', code: 'too-few-rows', line: undefined, column: undefined, mentions: 'only 30 valid rows' },
    { file: 'damaged/single-class.csv', code: 'single-class', line: undefined, column: 'churn', mentions: 'every valid row has the label "No"' },
    { file: 'damaged/mostly-missing.csv', code: 'mostly-missing', line: undefined, column: 'total_charges', mentions: 'column "total_charges": 80.2%' },
  ])('$file fails with $code', async ({ file, code, line, column, mentions }) => {
    const report = await validate(file);
    expect(report.passed).toBe(false);
    expect(validationReportSchema.parse(report)).toEqual(report);
    const issue = report.issues.find((i) => i.code === code);
    expect(issue, `issues were ${JSON.stringify(report.issues.map((i) => i.code))}`).toBeDefined();
    expect(issue!.severity).toBe('error');
    expect(issue!.line).toBe(line);
    expect(issue!.column).toBe(column);
    expect(issue!.message).toContain(mentions);
    expect(report.sha256).toBe(await sha256File(join(fixturesDir, file)));
  });

  test('reports every problem, not only the first', async () => {
    const report = await validate('damaged/text-in-numeric.csv');
    expect(report.issue_counts['non-numeric']).toBe(2);
    expect(report.issues.map((i) => [i.line, i.column])).toEqual([
      [42, 'tenure'],
      [60, 'monthly_charges'],
    ]);
    expect(report.issues[1]!.message).toContain('"12abc" is not a number');
    expect(report.valid_rows).toBe(report.rows - 2);
    // The profile describes the valid rows only.
    expect(report.profile!.features['tenure']!.count).toBe(report.valid_rows);
  });

  test('the line of a record after multi-line quoted cells is its physical line', async () => {
    const report = await validate('damaged/multiline-then-text.csv');
    const issue = report.issues.find((i) => i.code === 'non-numeric')!;
    expect(issue.line).toBe(lineOf('damaged/multiline-then-text.csv', ',abc,'));
    expect(issue.line).toBeGreaterThan(52); // row 51 of the data, pushed down by line breaks in notes
  });

  test('too few rows also checks the expected test split', async () => {
    const report = await validate('damaged/too-few-rows.csv');
    expect(report.issue_counts).toMatchObject({ 'too-few-rows': 1, 'too-few-test-rows': 1 });
  });

  test('a file that does not exist is a DataError naming it', async () => {
    const failure = validate('damaged/no-such-file.csv');
    await expect(failure).rejects.toBeInstanceOf(DataError);
    await expect(failure).rejects.toMatchObject({ message: 'Data file not found: damaged/no-such-file.csv', file: 'damaged/no-such-file.csv', exitCode: 3 });
  });

  test('the issue list is capped but the counts are complete', async () => {
    const report = await validate('valid/telco-excerpt.csv', {
      features: [{ name: 'contract', type: 'categorical', vocabulary: ['Weekly'] }],
      data: { path: 'valid/telco-excerpt.csv', target: 'churn', ignore_columns: ['female', 'senior_citizen', 'partner', 'dependents', 'tenure', 'phone_service', 'multiple_lines', 'internet_service', 'online_security', 'online_backup', 'device_protection', 'tech_support', 'streaming_tv', 'streaming_movies', 'paperless_billing', 'payment_method', 'monthly_charges', 'total_charges'] },
      validation: { max_reported_issues: 5 },
    });
    expect(report.issue_counts['unseen-category']).toBe(121);
    expect(report.warning_count).toBe(121);
    expect(report.issues).toHaveLength(5);
    // Unseen categories are warnings by default: the data still passes.
    expect(report.passed).toBe(true);
  });

  test('domain violations can be made errors', async () => {
    const report = await validate('valid/telco-excerpt.csv', {
      features: [{ name: 'tenure', type: 'numeric', min: 0, max: 24 }],
      data: { path: 'valid/telco-excerpt.csv', target: 'churn', ignore_columns: ['female', 'senior_citizen', 'partner', 'dependents', 'phone_service', 'multiple_lines', 'internet_service', 'online_security', 'online_backup', 'device_protection', 'tech_support', 'streaming_tv', 'streaming_movies', 'contract', 'paperless_billing', 'payment_method', 'monthly_charges', 'total_charges'] },
      validation: { domain_violations: 'error', min_rows: 10 },
    });
    expect(report.passed).toBe(false);
    const issue = report.issues.find((i) => i.code === 'out-of-range')!;
    expect(issue.severity).toBe('error');
    expect(issue.message).toMatch(/^line \d+, column "tenure": \d+ is above the configured max 24$/);
  });

  test('validationError carries the issues and lists the first errors', async () => {
    const report = await validate('damaged/text-in-numeric.csv');
    const error = validationError(report);
    expect(error).toBeInstanceOf(DataError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('failed validation with 2 errors and 0 warnings');
    expect(error.message).toContain('line 60, column "monthly_charges"');
    expect(error.issues).toEqual(report.issues);
  });

  test('progress is reported every N rows; issues are left to the report', async () => {
    const logger = createRecordingLogger();
    const report = await validateDataset({ config: telcoConfig('damaged/nan.csv'), logger, progressEvery: 50 });
    expect(logger.lines.filter((l) => l.level === 'progress').map((l) => l.message)).toEqual(['validated 50 rows', 'validated 100 rows']);
    expect(logger.lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(report.issues).toEqual([expect.objectContaining({ code: 'non-finite', line: 10, column: 'monthly_charges' })]);
  });
});

/** The parts of a report that do not depend on the file's bytes. */
function contentStats(report: ValidationReport) {
  const profile = report.profile!;
  return {
    rows: report.rows,
    valid_rows: report.valid_rows,
    features: profile.features,
    target: profile.target,
    columns: [...profile.columns].sort(),
  };
}

describe('validateDataset on valid variants', () => {
  test.each([
    { file: 'valid/bom.csv', blankLines: 0 },
    { file: 'valid/crlf.csv', blankLines: 0 },
    { file: 'valid/reordered-columns.csv', blankLines: 0 },
    { file: 'valid/shuffled-rows.csv', blankLines: 0 },
    { file: 'valid/quoted-fields.csv', blankLines: 0 },
    { file: 'valid/blank-lines.csv', blankLines: 3 },
  ])('$file passes with the same statistics as the excerpt', async ({ file, blankLines }) => {
    const base = await validate('valid/telco-excerpt.csv');
    const report = await validate(file);
    expect(report.issues).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.blank_lines).toBe(blankLines);
    const stats = contentStats(report);
    const expected = contentStats(base);
    expected.columns = file === 'valid/quoted-fields.csv' ? [...expected.columns, 'note'].sort() : expected.columns;
    // Means and deviations may differ in the last bits when rows come in another order.
    for (const [name, profile] of Object.entries(stats.features)) {
      const other = expected.features[name]!;
      if (profile.type === 'numeric' && other.type === 'numeric') {
        expect(profile.mean).toBeCloseTo(other.mean!, 9);
        expect(profile.std).toBeCloseTo(other.std!, 9);
        stats.features[name] = { ...profile, mean: other.mean, std: other.std };
      }
    }
    expect(stats).toEqual(expected);
    expect(report.sha256).not.toBe(base.sha256);
  });

  test('the excerpt: 121 rows, one real missing total_charges, a profile that parses', async () => {
    const report = await validate('valid/telco-excerpt.csv');
    expect(report).toMatchObject({ rows: 121, valid_rows: 121, passed: true, error_count: 0, warning_count: 0, blank_lines: 0 });
    const profile = dataProfileSchema.parse(report.profile);
    expect(profile.features['total_charges']).toMatchObject({ type: 'numeric', count: 120, missing: 1 });
    expect(profile.file).toBe('valid/telco-excerpt.csv');
  });
});

describe('validateDataset on the full telco dataset', () => {
  test('7,043 rows, 11 missing total_charges, 1,869 churners, and it passes', async () => {
    const config = telcoConfig(telcoPath);
    const report = await validateDataset({ config, logger: silentLogger });
    expect(report.passed).toBe(true);
    expect(report.issues).toEqual([]);
    expect(report.rows).toBe(7043);
    expect(report.valid_rows).toBe(7043);
    expect(report.sha256).toBe('a55b84ce116b3d67bdf35b57033da03f95c3295ddec4ae32a0e7ce3e187187d7');
    const profile = dataProfileSchema.parse(report.profile);
    expect(Object.keys(profile.features)).toHaveLength(19);
    expect(profile.features['total_charges']).toMatchObject({ count: 7032, missing: 11 });
    expect(profile.target).toMatchObject({ type: 'categorical', count: 7043, missing: 0, distinct: 2, frequencies: { Yes: 1869, No: 5174 } });
    expect(profile.features['contract']).toMatchObject({ frequencies: { 'Month-to-month': 3875, 'One year': 1473, 'Two year': 1695 }, out_of_vocabulary: 0 });
    const tenure = profile.features['tenure']!;
    expect(tenure.type === 'numeric' && tenure.histogram.counts.reduce((a, b) => a + b, 0)).toBe(7043);
  });

  test('--data resolves against the working directory, data.path against the config folder', async () => {
    const config = telcoConfig('valid/telco-excerpt.csv');
    const fromConfig = await validateDataset({ config, logger: silentLogger });
    const fromCwd = await validateDataset({ config, dataPath: 'data/telco-churn.csv', logger: silentLogger });
    expect(fromConfig.file).toBe('valid/telco-excerpt.csv');
    expect(fromCwd.file).toBe('data/telco-churn.csv');
    expect(fromCwd.rows).toBe(7043);
  });
});
