import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { diffExperiments, experimentDiffTables, findExperiment, flattenParams, renderExperimentDiffMarkdown } from '../../src/reports/experiment-diff.js';
import { createProject, defaultConfigText, runMlops, stackTraceLine } from '../helpers/project.js';
import { experimentRecord } from './report-fixtures.js';

const runs = [
  experimentRecord('run-20240503-0003', '2024-05-03T10:00:00.000Z', 'promoted', {
    version: '1.1.0',
    metrics: { auc: 0.86, accuracy: 0.8, log_loss: 0.4, brier: 0.14 },
    primary_value: 0.86,
    params: { hidden_units: [64], learning_rate: 0.003, early_stopping: { patience: 8, min_delta: 0.0001 }, seed: 42, dropout: 0.1 },
    data_sha256: 'c'.repeat(64),
  }),
  experimentRecord('run-20240502-0002', '2024-05-02T10:00:00.000Z', 'rejected'),
  experimentRecord('run-20240501-0001', '2024-05-01T10:00:00.000Z', 'promoted', { version: '1.0.0', metrics: { auc: 0.84, accuracy: 0.8, log_loss: 0.42, f1: 0.6 } }),
];

describe('findExperiment', () => {
  test.each([
    ['1.1.0', 'run-20240503-0003'],
    ['run-20240502-0002', 'run-20240502-0002'],
    ['run-20240501', 'run-20240501-0001'],
  ])('%s → %s', (ref, runId) => {
    expect(findExperiment(runs, ref).run_id).toBe(runId);
  });

  test.each([
    ['2.0.0', /No recorded run produced version 2\.0\.0; versions with runs: 1\.1\.0, 1\.0\.0/],
    ['run-2024', /'run-2024' matches 3 runs .*give more of the run id/],
    ['nope', /No run or version 'nope'.*newest runs are: run-20240503-0003, run-20240502-0002, run-20240501-0001/],
  ])('%s is a ConfigError that says what exists', (ref, message) => {
    expect(() => findExperiment(runs, ref)).toThrow(ConfigError);
    expect(() => findExperiment(runs, ref)).toThrow(message);
  });
});

test('flattenParams: nested objects become dotted paths, arrays and scalars JSON', () => {
  expect([...flattenParams({ a: 1, b: { c: [1, 2], d: { e: 'x' } }, f: null })]).toEqual([
    ['a', '1'],
    ['b.c', '[1,2]'],
    ['b.d.e', '"x"'],
    ['f', 'null'],
  ]);
});

describe('diffExperiments', () => {
  const diff = diffExperiments(runs[2]!, runs[0]!);

  test.each([
    ['auc', 0.84, 0.86, 'better'],
    ['accuracy', 0.8, 0.8, 'same'],
    ['log_loss', 0.42, 0.4, 'better'],
    ['f1', 0.6, null, 'n/a'],
    ['brier', null, 0.14, 'n/a'],
  ])('metric %s: %s → %s is %s', (name, a, b, direction) => {
    const metric = diff.metrics.find((m) => m.name === name)!;
    expect(metric).toMatchObject({ a, b, direction });
    if (a !== null && b !== null) expect(metric.change).toBeCloseTo(b - a, 12);
  });

  test('a worse metric, where lower is better', () => {
    const worse = diffExperiments(runs[0]!, runs[2]!).metrics.find((m) => m.name === 'log_loss')!;
    expect(worse.direction).toBe('worse');
  });

  test('changed parameters, added ones, and the fields that describe the runs', () => {
    expect(diff.params.filter((p) => p.changed).map((p) => [p.name, p.a, p.b])).toEqual([
      ['dropout', null, '0.1'],
      ['early_stopping.patience', '6', '8'],
      ['hidden_units', '[32,16]', '[64]'],
    ]);
    const fields = Object.fromEntries(diff.fields.map((f) => [f.name, f]));
    expect(fields['version']).toMatchObject({ a: '1.0.0', b: '1.1.0', changed: true });
    expect(fields['data']).toMatchObject({ a: `data/telco-churn.csv ${'a'.repeat(12)}`, b: `data/telco-churn.csv ${'c'.repeat(12)}`, changed: true });
    expect(fields['commit']).toMatchObject({ changed: false });
    expect(fields['started']!.changed).toBe(false);
  });

  test('tables list changed parameters only, unless asked for all', () => {
    expect(experimentDiffTables(diff).params).toHaveLength(3);
    expect(experimentDiffTables(diff).unchangedParams).toBe(3);
    expect(experimentDiffTables(diff, { allParams: true }).params).toHaveLength(6);
  });

  test('Markdown like `dvc metrics diff --md`: tables separated by blank lines, text escaped', () => {
    const markdown = renderExperimentDiffMarkdown(diff);
    expect(markdown).toContain('### Runs compared: `run-20240501-0001` → `run-20240503-0003`');
    expect(markdown).toContain('| Metric | run-20240501-0001 | run-20240503-0003 | Change |\n| --- | --- | --- | --- |');
    expect(markdown).toContain('| auc | 0.8400 | 0.8600 | +0.0200 ▲ |');
    expect(markdown).toContain('| log_loss | 0.4200 | 0.4000 | −0.0200 ▲ |');
    expect(markdown).toContain('| hidden_units | \\[32,16\\] | \\[64\\] | ≠ |');
    expect(markdown).toContain('_3 parameters unchanged._');
    // Every table starts after a blank line, so GitHub renders each one.
    for (const match of markdown.matchAll(/^\| (Metric|Parameter|Run) \|/gm)) expect(markdown[match.index! - 2]).toBe('\n');
  });
});

describe('mlops experiments --diff (the real CLI)', () => {
  let project: string;
  beforeAll(async () => {
    project = createProject({ 'mlops.config.yaml': defaultConfigText() });
    const registry = await ModelRegistry.open(join(project, '.mlops', 'registry'));
    for (const run of runs) await registry.recordExperiment(run);
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test('a table of metrics, changed parameters and run fields', async () => {
    const run = await runMlops(['experiments', '--diff', '1.0.0', '1.1.0'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Runs compared: run-20240501-0001 → run-20240503-0003');
    expect(run.stdout).toMatch(/^auc\s+0\.8400\s+0\.8600\s+\+0\.0200 ▲$/m);
    expect(run.stdout).toMatch(/^hidden_units\s+\[32,16\]\s+\[64\]\s+≠$/m);
    expect(run.stdout).toContain('3 parameter(s) unchanged (--all lists them).');
  });

  test('--md prints the Markdown; --json the diff', async () => {
    const md = await runMlops(['experiments', '--diff', 'run-20240502', '1.1.0', '--md'], { cwd: project });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout.startsWith('### Runs compared: `run-20240502-0002` → `run-20240503-0003`')).toBe(true);
    const json = await runMlops(['experiments', '--diff', '1.0.0', '1.1.0', '--json', '--all'], { cwd: project });
    expect(JSON.parse(json.stdout)).toMatchObject({ a: 'run-20240501-0001', b: 'run-20240503-0003', metrics: expect.any(Array), params: expect.any(Array) });
  });

  test('the run list as Markdown', async () => {
    const run = await runMlops(['experiments', '--md'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n').slice(0, 3)).toEqual([
      '| run | candidate | status | version | metric | duration | data sha256 | commit | backend |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      `| run-20240503-0003 | — | promoted | 1.1.0 | auc 0.8600 | 9.1 s | ${'c'.repeat(12)} | a456246c | cpu |`,
    ]);
  });

  test.each([
    [['experiments', '--diff', '1.0.0'], /--diff needs two runs/],
    [['experiments', '--diff', '1.0.0', '9.9.9'], /No recorded run produced version 9\.9\.9/],
    [['experiments', 'run-20240501-0001'], /to compare two runs use `mlops experiments --diff A B`/],
    [['experiments', '--diff', '1.0.0', '1.1.0', '--md', '--json'], /Choose one of --json and --md/],
    [['experiments', '--all'], /--all only applies with --diff/],
  ])('%j is a usage error without a stack trace', async (args, message) => {
    const run = await runMlops(args, { cwd: project });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(stackTraceLine);
  });
});
