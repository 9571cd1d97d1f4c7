import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { canonicalJson, sha256 } from '../../src/core/hash.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { featureValuesSchema } from '../../src/data/row-schema.js';
import { fixturesDir, loadedConfigFor, telcoConfig } from '../fixtures/data/telco-config.js';

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mlops-load-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const load = (file: string, changes = {}) => loadDataset({ config: telcoConfig(file, changes), logger: silentLogger });

describe('loadDataset', () => {
  test('holds the valid rows with typed features, labels and slices', async () => {
    const dataset = await load('valid/telco-excerpt.csv');
    expect(dataset.rows).toHaveLength(121);
    expect(dataset.columns).toHaveLength(20);
    expect(dataset.report.passed).toBe(true);
    expect(dataset.sha256).toBe(dataset.report.sha256);
    const first = dataset.rows[0]!;
    expect(first).toMatchObject({
      line: 2,
      target: 'No',
      slices: { contract: 'Month-to-month' },
      features: { female: 1, tenure: 1, contract: 'Month-to-month', monthly_charges: 29.85, total_charges: 29.85, payment_method: 'Electronic check' },
    });
    expect(Object.keys(first.features)).toHaveLength(19);
    const schema = featureValuesSchema(telcoConfig('valid/telco-excerpt.csv').config.features);
    for (const row of dataset.rows) expect(schema.safeParse(row.features).success).toBe(true);
    // The excerpt's last row is a real customer with a blank total_charges.
    expect(dataset.rows.at(-1)).toMatchObject({ line: 122, features: { tenure: 0, total_charges: null } });
  });

  test('the key is the sha256 of the canonical JSON of the row as read', async () => {
    const dataset = await load('valid/telco-excerpt.csv');
    const [header, , third] = (await readFile(join(fixturesDir, 'valid/telco-excerpt.csv'), 'utf8')).split('\n');
    const unquote = (line: string) => line.split(',').map((cell) => cell.replace(/^"|"$/g, ''));
    const names = unquote(header!);
    const cells = unquote(third!);
    const content = Object.fromEntries(names.map((name, i) => [name, cells[i]]));
    expect(dataset.rows[1]!.key).toBe(sha256(canonicalJson(content)));
  });

  test.each(['valid/reordered-columns.csv', 'valid/shuffled-rows.csv', 'valid/crlf.csv', 'valid/bom.csv', 'valid/blank-lines.csv'])(
    'keys do not depend on column order, row order or line endings: %s',
    async (file) => {
      const base = await load('valid/telco-excerpt.csv');
      const variant = await load(file);
      expect(variant.rows.map((r) => r.key).sort()).toEqual(base.rows.map((r) => r.key).sort());
      const byKey = new Map(base.rows.map((r) => [r.key, r]));
      for (const row of variant.rows) {
        expect(row.features).toEqual(byKey.get(row.key)!.features);
        expect(row.target).toBe(byKey.get(row.key)!.target);
      }
    },
  );

  test('identical rows share a key; any changed cell changes it', async () => {
    const text = await readFile(join(fixturesDir, 'valid/telco-excerpt.csv'), 'utf8');
    const lines = text.trimEnd().split('\n');
    const path = join(workDir, 'duplicates.csv');
    await writeFile(path, [...lines, lines[1], lines[1]!.replace(',29.85,29.85', ',29.85,29.86')].join('\n'));
    const dataset = await loadDataset({ config: telcoConfig(path), logger: silentLogger });
    const keys = dataset.rows.map((r) => r.key);
    expect(keys.at(-2)).toBe(keys[0]);
    expect(keys.at(-1)).not.toBe(keys[0]);
    expect(new Set(keys).size).toBe(keys.length - 1);
  });

  test('slices may come from an ignored column; missing slice values are null', async () => {
    const dataset = await load('valid/quoted-fields.csv', { slices: ['note', 'contract'] });
    expect(dataset.rows[0]!.slices).toEqual({ note: 'plain note 0', contract: 'Month-to-month' });
    const lines = (await readFile(join(fixturesDir, 'valid/telco-excerpt.csv'), 'utf8')).trimEnd().split('\n');
    const path = join(workDir, 'regions.csv');
    await writeFile(path, lines.map((line, i) => `${line},${i === 0 ? 'region' : ['north', ' NA ', '', 'south'][i % 4]}`).join('\n'));
    const regions = await loadDataset({ config: telcoConfig(path, { slices: ['region'], data: { path, target: 'churn', ignore_columns: ['region'] } }), logger: silentLogger });
    expect(regions.rows.slice(0, 4).map((r) => r.slices['region'])).toEqual([null, null, 'south', 'north']); // ' NA ' trims to a missing value
  });

  test('a regression target is a number', async () => {
    const config = loadedConfigFor({
      data: { path: 'infer/house-prices.csv', target: 'price' },
      task: { type: 'regression' },
      features: [
        { name: 'sqft', type: 'numeric' },
        { name: 'bedrooms', type: 'numeric' },
        { name: 'neighborhood', type: 'categorical', vocabulary: ['North Hill', 'Riverside', 'Old Town', 'Lakeview', 'Eastgate'] },
        { name: 'year_built', type: 'numeric' },
        { name: 'garage', type: 'categorical', vocabulary: ['yes', 'no'] },
      ],
      slices: ['neighborhood'],
    });
    const dataset = await loadDataset({ config, logger: silentLogger });
    expect(dataset.rows).toHaveLength(200);
    expect(typeof dataset.rows[0]!.target).toBe('number');
    expect(dataset.rows[0]).toMatchObject({ target: 410521, features: { sqft: 1886, neighborhood: 'Lakeview', garage: 'yes' }, slices: { neighborhood: 'Lakeview' } });
  });

  test.each([
    { file: 'damaged/text-in-numeric.csv', message: /failed validation with 2 errors.*\n {2}- line 42, column "tenure": "abc" is not a number/ },
    { file: 'damaged/binary-png.csv', message: /looks like a binary file, not CSV text/ },
    { file: 'damaged/missing-target-column.csv', message: /the target column "churn" is not a column of the file/ },
  ])('data with errors is a DataError with every issue: $file', async ({ file, message }) => {
    const failure = load(file);
    await expect(failure).rejects.toBeInstanceOf(DataError);
    await expect(failure).rejects.toThrow(message);
    const error = (await failure.catch((e: unknown) => e)) as DataError;
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.file).toBe(file);
  });
});
