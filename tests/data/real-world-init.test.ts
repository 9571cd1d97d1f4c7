import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderConfigYaml } from '../../src/config/config-yaml.js';
import { loadConfig } from '../../src/config/load.js';
import type { CategoricalFeatureSpec, DateTimeFeatureSpec, FeatureSpec, NumericFeatureSpec } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { inferConfig, type InferredConfig } from '../../src/data/infer-config.js';
import { validateDataset, type ValidationReport } from '../../src/data/validate.js';
import { fixturesDir } from '../fixtures/data/telco-config.js';

/**
 * `mlops init` on CSV files shaped like the ones people have (tests/fixtures/real-world, see its
 * README), then `mlops validate` with the config it wrote, unedited: each case of issue 14.
 */

const realWorld = join(fixturesDir, '../real-world');
let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mlops-real-world-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface Inferred {
  inferred: InferredConfig;
  yaml: string;
  report: ValidationReport;
  feature: <T extends FeatureSpec['type']>(name: string, type: T) => Extract<FeatureSpec, { type: T }>;
}

/** Infers a config from a fixture, writes it, loads it back and validates the fixture with it. */
async function initAndValidate(file: string, target = 'churn'): Promise<Inferred> {
  const configPath = join(workDir, file, 'mlops.config.yaml');
  await mkdir(join(workDir, file), { recursive: true });
  const inferred = await inferConfig({ dataPath: join(realWorld, file), configPath, target, logger: silentLogger });
  const yaml = renderConfigYaml(inferred.config, inferred.notes);
  await writeFile(configPath, yaml);
  const loaded = await loadConfig(configPath);
  const report = await validateDataset({ config: loaded, logger: silentLogger });
  const feature = <T extends FeatureSpec['type']>(name: string, type: T) => {
    const found = loaded.config.features.find((f) => f.name === name);
    expect(found?.type).toBe(type);
    return found as Extract<FeatureSpec, { type: T }>;
  };
  return { inferred, yaml, report, feature };
}

/** The comments of a YAML text as one line of prose (they wrap). */
const comments = (yaml: string) => yaml.replace(/\n *# ?/g, ' ');

describe('a semicolon-separated export with decimal commas, euro amounts and a day-first date', () => {
  let result: Inferred;
  beforeAll(async () => {
    result = await initAndValidate('semicolon-decimal-comma.csv');
  });

  test('the file reads with a decimal comma, and monthly_charges is a number again', () => {
    const config = result.inferred.config;
    expect(config.data).toMatchObject({ delimiter: ';', decimal: ',' });
    expect(result.inferred.notes.decimal).toBe('2 columns write fractions with "," ("monthly_charges", "total_charges")');
    expect(result.feature('monthly_charges', 'numeric')).toEqual<NumericFeatureSpec>({ name: 'monthly_charges', type: 'numeric', min: 18.95, max: 115.1, integer: false, missing_fraction: 0 });
    expect(config.data.ignore_columns).toEqual([]);
  });

  test('total_charges keeps its thousands dots and euro sign in its format', () => {
    const total = result.feature('total_charges', 'numeric');
    expect(total.format).toEqual({ group: '.', percent: false, parentheses: false, currency: { symbol: '€', position: 'after' } });
    expect(total).toMatchObject({ min: 19.15, max: 8129.3 });
    expect(comments(result.yaml)).toContain('total_charges: decimal comma, "." between thousands, "€" after the number: all 400 values fit.');
  });

  test('signup_date is a day-first datetime, proven by a day above 12, and splits the data by time', () => {
    const date = result.feature('signup_date', 'datetime');
    expect(date).toMatchObject<Partial<DateTimeFeatureSpec>>({ format: { layout: 'dmy', separator: '.', time: false }, parts: ['year', 'month', 'day_of_week', 'day_of_month'], min: '2018-12-04', max: '2024-12-01' });
    expect(comments(result.yaml)).toContain('day-first: "26.11.2024" has a day above 12 in the first position');
    expect(result.inferred.config.split).toMatchObject({ time_column: 'signup_date' });
    expect(result.inferred.config.split).not.toHaveProperty('key_columns');
  });

  test('the written config validates the file without a single issue', () => {
    expect(result.report).toMatchObject({ passed: true, valid_rows: 400, issues: [] });
  });
});

describe('an id column among look-alikes', () => {
  let result: Inferred;
  beforeAll(async () => {
    result = await initAndValidate('with-id.csv');
  });

  test('customerID identifies the rows: proposed as split.key_columns and not a feature', () => {
    const { config, notes } = result.inferred;
    expect(config.split).toMatchObject({ key_columns: ['customerID'], time_column: 'signup_at' });
    expect(notes.ignored['customerID']).toBe('identifier: its name says it is an identifier and all 400 values are present and distinct');
    expect(notes.keyColumns).toMatch(/^"customerID" identifies the rows: .* As split\.key_columns it keeps each row in its split when other columns are added, removed or edited$/);
  });

  test('the look-alikes are what they are: a count, a region code, a timestamp, free text', () => {
    expect(result.feature('order_number', 'numeric')).toMatchObject({ integer: true });
    expect(result.feature('region_id', 'categorical').vocabulary).toHaveLength(12);
    expect(result.feature('signup_at', 'datetime')).toMatchObject({ format: { layout: 'iso', separator: '-', time: true }, parts: ['year', 'month', 'day_of_week', 'day_of_month', 'hour'] });
    expect(result.inferred.notes.ignored['comment']).toMatch(/^high-cardinality: no value occurs in 10 rows or more \(400 distinct values in 400 rows\)/);
  });

  test('validates clean', () => {
    expect(result.report).toMatchObject({ passed: true, issues: [] });
  });
});

describe('a high-cardinality zip code column', () => {
  let result: Inferred;
  beforeAll(async () => {
    result = await initAndValidate('zip-codes.csv');
  });

  test('is kept with its frequent values instead of dropped: top_k, min_count and why', () => {
    const zip = result.feature('zip_code', 'categorical');
    expect(zip).toMatchObject<Partial<CategoricalFeatureSpec>>({ top_k: 1000, min_count: 10 });
    expect(zip.vocabulary).toHaveLength(40);
    expect(zip.vocabulary.every((code) => /^\d{5}$/.test(code))).toBe(true);
    expect(result.inferred.config.data.ignore_columns).toEqual([]);
    const text = comments(result.yaml);
    expect(text).toContain('codes, not quantities: 2,563 values have leading zeros (e.g. "02016"); read as text');
    expect(text).toContain('keeps the 40 seen in at least 10 rows each, of 1,633 distinct values in 4,000 rows: they cover 36.3% of the rows');
  });

  test('the other 1,593 codes are expected, not 2,500 domain warnings', () => {
    expect(result.report).toMatchObject({ passed: true, issues: [] });
  });
});

describe('a file of dates in five forms', () => {
  let result: Inferred;
  beforeAll(async () => {
    result = await initAndValidate('iso-datetime.csv');
  });

  test.each([
    ['signup_at', { layout: 'iso', separator: '-', time: true }],
    ['last_seen', { layout: 'iso', separator: '-', time: true }],
    ['signup_date', { layout: 'iso', separator: '-', time: false }],
    ['renewal_date', { layout: 'mdy', separator: '/', time: false }],
    ['billing_date', { layout: 'mdy', separator: '/', time: false }],
  ])('%s is a datetime feature written %j, never a one-hot of dates', (name, format) => {
    expect(result.feature(name, 'datetime').format).toEqual(format);
  });

  test('the ambiguous day/month column says which it assumed and how to change it', () => {
    expect(result.inferred.notes.features!['billing_date']).toMatch(/ambiguous: no value has a number above 12 in either position, .* read month-first because slashes in a ","-separated file are most often US month-first\. If that is wrong, set the column's format$/);
    expect(result.inferred.notes.features!['renewal_date']).toContain('month-first: "11/26/2024" has a day above 12 in the second position');
  });

  test('the time column is the one with the most distinct values, and the file validates', () => {
    expect(result.inferred.config.split).toMatchObject({ time_column: 'signup_at' });
    expect(result.inferred.notes.timeColumn).toMatch(/^"signup_at" makes the split out-of-time \(of "signup_at", "last_seen", "signup_date", "renewal_date", "billing_date": the one with the most distinct values/);
    expect(result.report).toMatchObject({ passed: true, issues: [] });
  });
});

describe('a US accounting export', () => {
  test('dollars, refunds in parentheses, comma thousands and percentages are numbers with their formats', async () => {
    const result = await initAndValidate('accounting-usd.csv');
    expect(result.feature('last_payment', 'numeric')).toMatchObject({ format: { currency: { symbol: '$', position: 'before' }, parentheses: true, group: '' }, min: -109.7, max: 113.25 });
    expect(result.feature('total_charges', 'numeric')).toMatchObject({ format: { group: ',', currency: { symbol: '$', position: 'before' } }, min: 19.45, max: 8129.3 });
    expect(result.feature('discount', 'numeric')).toMatchObject({ format: { percent: true }, min: 0, max: 29, integer: true });
    expect(result.inferred.config.data.decimal).toBe('.');
    expect(result.report).toMatchObject({ passed: true, issues: [] });
  });
});

describe('a column that leaks the target', () => {
  test('filled only for churners and blank otherwise: ignored as mostly missing', async () => {
    const result = await initAndValidate('cancel-reason.csv');
    expect(result.inferred.notes.ignored['cancel_reason']).toBe('mostly missing (75.3% of rows; validation.max_missing_fraction is 0.5)');
    expect(result.inferred.config.split).toMatchObject({ key_columns: ['customer_id'] });
  });

  test('with a placeholder instead of blanks: left out as suspected leakage, with its evidence, and a warning', async () => {
    const result = await initAndValidate('cancel-reason-placeholder.csv');
    const { notes, config } = result.inferred;
    expect(config.data.ignore_columns).toEqual(['customer_id', 'cancel_reason']);
    expect(notes.ignored['cancel_reason']).toBe(
      'suspected target leakage: single-feature AUC 1.000 ≥ 0.98; the rule "each value predicts its most frequent class (leave-one-out)" is 100.0% accurate where always predicting "No" is 75.0% (it removes 100.0% of the errors)',
    );
    expect(notes.warnings).toEqual([expect.stringMatching(/^"cancel_reason" was left out as suspected target leakage .* Move it back to features only if it is known when a prediction is made\.$/)]);
    expect(result.yaml).toMatch(/^# WARNING: "cancel_reason" was left out as suspected target leakage/m);
    expect(config.features.map((f) => f.name)).not.toContain('cancel_reason');
    expect(result.report).toMatchObject({ passed: true, issues: [] });
  });
});

describe('the commented YAML keeps every column it read', () => {
  test('all seven files: every header column is the target, a feature or an ignored column', async () => {
    for (const file of ['semicolon-decimal-comma.csv', 'with-id.csv', 'zip-codes.csv', 'iso-datetime.csv', 'accounting-usd.csv', 'cancel-reason.csv', 'cancel-reason-placeholder.csv']) {
      const header = (await readFile(join(realWorld, file), 'utf8')).split('\n')[0]!.split(/[;,]/);
      const { inferred } = await initAndValidate(file);
      const named = [inferred.config.data.target, ...inferred.config.features.map((f) => f.name), ...(inferred.config.data.ignore_columns ?? [])];
      expect(named.sort()).toEqual([...header].sort());
    }
  });
});
