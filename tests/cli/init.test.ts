import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { describe, expect, test } from 'vitest';
import { predictRows } from '../../src/model/predict.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { loadServedModel } from '../../src/serving/served-model.js';
import { createProject, readJson, runMlops, stackTraceLine } from '../helpers/project.js';

describe('mlops init then mlops pipeline on CSVs of other shapes', () => {
  test.each([
    ['a multiclass table with odd column names and missing cells', 'penguins-odd-names.csv', 'Species', 'multiclass', 'accuracy'],
    ['a regression table', 'house-prices.csv', 'price', 'regression', 'r2'],
  ])('%s works without editing the config', async (_name, file, target, task, metric) => {
    const project = createProject({ [`data/${file}`]: { copy: `tests/fixtures/data/infer/${file}` } }, { git: true });
    const init = await runMlops(['init', '--data', `data/${file}`, '--target', target], { cwd: project });
    expect(init.code, init.stderr).toBe(0);
    const config = parse(readFileSync(join(project, 'mlops.config.yaml'), 'utf8'));
    expect(config.task.type).toBe(task);
    expect(config.data.path).toBe(`data/${file}`);

    const pipeline = await runMlops(['pipeline'], { cwd: project });
    expect(pipeline.code, pipeline.stderr).toBe(0);
    const card = readJson<any>(join(project, 'model-cards/1.0.0.json'));
    const overall = card.quantitative_analysis.performance_metrics.find((m: { type: string; slice?: string }) => m.type === metric && !m.slice);
    expect(Number.isFinite(Number(overall?.value))).toBe(true);
  });

  test('the penguin config keeps the awkward names exactly, ignores the identifier and the year that names the species', async () => {
    const project = createProject({ 'data/p.csv': { copy: 'tests/fixtures/data/infer/penguins-odd-names.csv' } });
    const init = await runMlops(['init', '--data', 'data/p.csv', '--target', 'Species'], { cwd: project });
    expect(init.code, init.stderr).toBe(0);
    const config = parse(readFileSync(join(project, 'mlops.config.yaml'), 'utf8'));
    const names = config.features.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(['Body Mass (g)', 'Bill Length (mm)']));
    // In this generated fixture each species has its own year: the leakage check leaves "Année" out and says why.
    expect(config.data.ignore_columns).toEqual(['Individual ID', 'Study Name', 'Année']);
    expect(init.stderr).toContain('"Année" was left out as suspected target leakage');
    expect(config.task.classes).toEqual(expect.arrayContaining(['Adelie', 'Gentoo', 'Chinstrap']));
  });

  test('refuses to overwrite a config without --force, and names the columns for a wrong target', async () => {
    const project = createProject({ 'data/h.csv': { copy: 'tests/fixtures/data/infer/house-prices.csv' }, 'mlops.config.yaml': 'keep me\n' });
    const again = await runMlops(['init', '--data', 'data/h.csv', '--target', 'price'], { cwd: project });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; pass --force/);
    expect(readFileSync(join(project, 'mlops.config.yaml'), 'utf8')).toBe('keep me\n');

    const wrong = await runMlops(['init', '--data', 'data/h.csv', '--target', 'prize', '--force'], { cwd: project });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).not.toMatch(stackTraceLine);
    expect(wrong.stderr).toMatch(/prize/);
    expect(wrong.stderr).toMatch(/sqft/);
  });
});

describe('a European spreadsheet export with a date column, end to end', () => {
  test('init reads decimal commas and the day-first date; the pipeline splits by time, the card says so, and serving takes the date as a string', async () => {
    const project = createProject({ 'data/export.csv': { copy: 'tests/fixtures/real-world/semicolon-decimal-comma.csv' } }, { git: true });
    const init = await runMlops(['init', '--data', 'data/export.csv', '--target', 'churn'], { cwd: project });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe('wrote mlops.config.yaml: 6 features, task binary\n');
    const configPath = join(project, 'mlops.config.yaml');
    const document = parseDocument(readFileSync(configPath, 'utf8'));
    expect(document.getIn(['data', 'decimal'])).toBe(',');
    expect(document.getIn(['split', 'time_column'])).toBe('signup_date');
    // The fixture's signup dates are derived from tenure, so the latest signups (the out-of-time test
    // split) are all new customers and the default floor of AUC 0.70 is out of reach: lower it.
    document.setIn(['gate', 'overall', 'auc', 'min'], 0.6);
    writeFileSync(configPath, document.toString({ lineWidth: 0 }));

    const pipeline = await runMlops(['pipeline'], { cwd: project });
    expect(pipeline.code, pipeline.stderr).toBe(0);
    expect(pipeline.stderr).toMatch(/Split 400 rows: 288 train, 32 validation, 80 test \(by time: train 2018-12-04…2024-02-11, validation 2024-02-21…2024-07-10, test 2024-07-11…2024-12-01\)/);
    const card = readFileSync(join(project, 'model-cards/1.0.0.md'), 'utf8');
    expect(card).toContain('rows are split by time (column signup_date; the test split is the latest rows, validation the rows just before): 288 train, 32 validation, 80 test; train 2018-12-04T00:00:00.000Z to 2024-02-11T00:00:00.000Z');
    expect(card).toMatch(/\| Training rows \| 320 distinct training and validation row keys over every column but the ignored ones \(7 columns\), in training-keys\.mlks/);

    const registry = await ModelRegistry.open(join(project, '.mlops/registry'));
    const served = await loadServedModel(registry, '1.0.0', { maxInstances: 10, maxStringLength: 100 });
    try {
      expect(served.features.find((f) => f.name === 'signup_date')).toEqual({ name: 'signup_date', type: 'datetime', nullable: false, date_format: { layout: 'dmy', separator: '.', time: false } });
      // Dates always move past the training range: drift monitoring leaves them out.
      expect(served.baseline.features.map((f) => f.name)).toEqual(['tenure', 'contract', 'payment_method', 'monthly_charges', 'total_charges']);
      const instance = { tenure: 3, contract: 'Month-to-month', payment_method: 'Electronic check', monthly_charges: 70.35, total_charges: 211.05, signup_date: '26.09.2024' };
      const rows = served.parseBody(Buffer.from(JSON.stringify({ instances: [instance, { ...instance, signup_date: '2024-09-26' }] })));
      const [fromText, fromIso] = predictRows(served.network, served.spec, rows);
      expect(fromText).toBeGreaterThan(0);
      expect(fromText).toBeLessThan(1);
      expect(fromIso).toBe(fromText);
      expect(() => served.parseBody(Buffer.from(JSON.stringify({ ...instance, signup_date: '09/26/2024' })))).toThrow(/instances\[0\]\.signup_date: the string "09\/26\/2024" is not a date: expected a date like day\.month\.year/);
    } finally {
      served.network.dispose();
    }
  });
});
