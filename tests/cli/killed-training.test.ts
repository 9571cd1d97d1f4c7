import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { expect, test } from 'vitest';
import { createProject, defaultConfigText, mlopsBin, repoRoot, runMlops, stackTraceLine } from '../helpers/project.js';

/** The first `rows` data rows of the default dataset. */
const telcoHead = (rows: number) => readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n').slice(0, rows + 1).join('\n') + '\n';

test('a training run killed while it streams leaves a workspace that evaluate and register refuse, and the next train starts clean', async () => {
  const config = parse(defaultConfigText()) as Record<string, any>;
  config.model = { ...config.model, max_epochs: 12, backend: 'cpu', early_stopping: { monitor: 'loss', patience: 20, min_delta: 0 } };
  config.gate = { primary_metric: 'auc', overall: { auc: { min: 0.5 } }, bootstrap: { resamples: 10 } };
  config.training = { streaming: 'always' };
  const project = createProject({ 'mlops.config.yaml': stringify(config), 'data/telco-churn.csv': telcoHead(3000), '.gitignore': '.mlops/\n' }, { git: true });
  const work = ['--work-dir', 'work'];
  expect((await runMlops(['validate', ...work], { cwd: project })).code).toBe(0);
  // A first complete model, so the killed run has something stale it could leave behind.
  expect((await runMlops(['train', ...work], { cwd: project, timeoutMs: 200_000 })).code).toBe(0);

  const child = spawn(process.execPath, [mlopsBin, 'train', ...work], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Killed in the middle of training from the encoded files.
      if (/^epoch 2\//m.test(stderr) && child.exitCode === null) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('close', () => reject(new Error(`train ended before it could be killed:\n${stderr}`)));
  });
  await new Promise((resolve) => child.on('close', resolve));
  expect(existsSync(join(project, 'work/encoded/train.f32'))).toBe(true);
  expect(existsSync(join(project, 'work/training.json'))).toBe(false);

  for (const step of ['evaluate', 'register']) {
    const run = await runMlops([step, ...work], { cwd: project });
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/training\.json is missing/);
    expect(run.stderr).not.toMatch(stackTraceLine);
  }

  const again = await runMlops(['train', ...work], { cwd: project, timeoutMs: 200_000 });
  expect(again.code, again.stderr).toBe(0);
  expect(existsSync(join(project, 'work/encoded'))).toBe(false);
  expect((await runMlops(['evaluate', ...work], { cwd: project })).code).toBe(0);
}, 600_000);
