import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { createProject, defaultConfigText, readJson, repoRoot, runMlops, stackTraceLine, type CliRun } from '../helpers/project.js';

/** The default config with some keys changed. */
function configWith(change: (config: Record<string, any>) => void): string {
  const config = parse(defaultConfigText()) as Record<string, any>;
  change(config);
  return stringify(config);
}

/** The first `rows` data rows of the default dataset. */
function telcoHead(rows: number): string {
  return readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n').slice(0, rows + 1).join('\n') + '\n';
}

describe('mlops sweep', () => {
  test('--list --json prints the job matrix the retrain workflow trains: the default candidates', async () => {
    const project = createProject({ 'mlops.config.yaml': defaultConfigText(), 'data/telco-churn.csv': { copy: 'data/telco-churn.csv' } });
    const run = await runMlops(['sweep', '--list', '--json'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      { id: 'default', overrides: '' },
      { id: 'wider', overrides: '{"model.hidden_units":[64,32]}' },
      { id: 'linear', overrides: '{"model.kind":"linear"}' },
    ]);
  });

  test.each([
    ['an override outside model.', [{ id: 'a', overrides: { 'split.seed': 3 } }], /sweep\.candidates\[0\]\.overrides\.split\.seed: 'split\.seed': only keys under model\. may be overridden/],
    ['a repeated id', [{ id: 'a' }, { id: 'a' }], /sweep\.candidates: the id 'a' is used twice/],
    ['an override the model section refuses', [{ id: 'fast', overrides: { 'model.kind': 'forest' } }], /sweep\.candidates 'fast' makes the config invalid:\n.*model\.kind/],
  ])('refuses %s before training anything (exit 2)', async (_name, candidates, message) => {
    const project = createProject({
      'mlops.config.yaml': configWith((config) => (config.sweep = { candidates })),
      'data/telco-churn.csv': { copy: 'data/telco-churn.csv' },
    });
    const run = await runMlops(['sweep'], { cwd: project });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(stackTraceLine);
  });

  describe('three candidates on 1,500 rows, two workers at a time', () => {
    let project: string;
    let run: CliRun;
    beforeAll(async () => {
      project = createProject(
        {
          'mlops.config.yaml': configWith((config) => {
            config.model = { ...config.model, hidden_units: [8], max_epochs: 6, backend: 'cpu' };
            // Six epochs on 1,500 rows: the candidates may trail the in-run logistic baseline by up to 0.1 AUC.
            config.gate = { primary_metric: 'auc', overall: { auc: { min: 0.75 } }, baseline: { enabled: true, max_regression: 0.1 } };
            config.sweep = {
              candidates: [
                { id: 'as-is' },
                { id: 'linear', overrides: { 'model.kind': 'linear' } },
                // A learning rate this small learns nothing in 6 epochs: the floor rejects it.
                { id: 'frozen', overrides: { 'model.learning_rate': 1e-7, 'model.kind': 'linear' } },
              ],
            };
          }),
          'data/telco-churn.csv': telcoHead(1500),
          '.gitignore': '.mlops/\n',
        },
        { git: true },
      );
      run = await runMlops(['sweep', '--parallel', '2'], { cwd: project, timeoutMs: 240_000 });
    }, 300_000);

    test('registers the best candidate that passed and prints every candidate side by side', () => {
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines[0]).toMatch(/^candidate\s+overrides\s+status\s+test metric\s+epochs\s+training$/);
      const row = (id: string) => lines.find((line) => line.startsWith(`${id} `)) ?? '';
      expect(row('frozen')).toMatch(/\brejected\b/);
      const passed = ['as-is', 'linear'].map((id) => ({ id, auc: Number(/auc (\d\.\d+)/.exec(row(id))?.[1]) }));
      const best = passed.sort((a, b) => b.auc - a.auc)[0]!;
      expect(row(best.id)).toMatch(/registered 1\.0\.0/);
      expect(row(passed[1]!.id)).toMatch(/\bpassed\b/);
      // Every worker's log lines carry its candidate id.
      for (const id of ['as-is', 'linear', 'frozen']) expect(run.stderr).toContain(`[${id}] Validated data/telco-churn.csv`);
    });

    test('records every candidate in the experiment log with its sweep and status', async () => {
      const experiments = await runMlops(['experiments', '--json'], { cwd: project });
      const records = JSON.parse(experiments.stdout) as { status: string; sweep?: { sweep_id: string; candidate: string }; params: { kind: string } }[];
      expect(records.map((r) => r.sweep?.candidate).sort()).toEqual(['as-is', 'frozen', 'linear']);
      expect(new Set(records.map((r) => r.sweep?.sweep_id)).size).toBe(1);
      expect(records.map((r) => r.status).sort()).toEqual(['passed', 'promoted', 'rejected']);
      expect(records.find((r) => r.sweep?.candidate === 'frozen')?.params.kind).toBe('linear');
      const sweeps = readdirSync(join(project, '.mlops/sweeps'));
      expect(sweeps).toHaveLength(1);
      const gate = readJson<{ passed: boolean }>(join(project, '.mlops/sweeps', sweeps[0]!, 'frozen', 'gate.json'));
      expect(gate.passed).toBe(false);
    });
  });
});
