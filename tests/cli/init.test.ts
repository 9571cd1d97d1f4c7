import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
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

  test('the penguin config keeps the awkward names exactly and ignores the identifier', async () => {
    const project = createProject({ 'data/p.csv': { copy: 'tests/fixtures/data/infer/penguins-odd-names.csv' } });
    const init = await runMlops(['init', '--data', 'data/p.csv', '--target', 'Species'], { cwd: project });
    expect(init.code, init.stderr).toBe(0);
    const config = parse(readFileSync(join(project, 'mlops.config.yaml'), 'utf8'));
    const names = config.features.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(['Body Mass (g)', 'Bill Length (mm)', 'Année']));
    expect(config.data.ignore_columns).toContain('Individual ID');
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
