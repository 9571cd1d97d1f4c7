import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { freshWorkspaceDir, openStepContext } from '../../src/pipeline/step-context.js';
import { telcoConfigInput } from '../fixtures/data/telco-config.js';

/** A project with its config in `sub/`, and a working directory beside it. */
function project(): { root: string; cwd: string } {
  const root = mkdtempSync(join(tmpdir(), 'mlops-ctx-'));
  mkdirSync(join(root, 'sub'));
  mkdirSync(join(root, 'elsewhere'));
  writeFileSync(join(root, 'sub', 'mlops.config.yaml'), stringify(telcoConfigInput('data.csv')));
  writeFileSync(join(root, 'mlops.config.yaml'), stringify(telcoConfigInput('data.csv')));
  return { root, cwd: join(root, 'elsewhere') };
}

const open = (options: Partial<Parameters<typeof openStepContext>[0]> & { cwd: string }) =>
  openStepContext({ env: {}, logger: silentLogger, ...options });

describe('openStepContext', () => {
  test('resolves the config and the work dir against the same cwd', async () => {
    const { root, cwd } = project();
    const ctx = await open({ cwd, configPath: '../sub/mlops.config.yaml', workDir: 'w' });
    expect(ctx.loaded.path).toBe(join(root, 'sub', 'mlops.config.yaml'));
    expect(ctx.workspace.dir).toBe(join(cwd, 'w'));
  });

  test('defaults: mlops.config.yaml in cwd, the workspace .mlops/work beside the config', async () => {
    const { root } = project();
    const ctx = await open({ cwd: root });
    expect(ctx.loaded.path).toBe(join(root, 'mlops.config.yaml'));
    expect(ctx.workspace.dir).toBe(join(root, '.mlops', 'work'));
    const nested = await open({ cwd: root, configPath: 'sub/mlops.config.yaml' });
    expect(nested.workspace.dir).toBe(join(root, 'sub', '.mlops', 'work'));
  });

  test('a whole pipeline run gets a fresh workspace under .mlops/runs unless a work dir is named', async () => {
    const { root } = project();
    const ctx = await open({ cwd: root, freshWorkspace: true });
    expect(ctx.workspace.dir).toMatch(new RegExp(`^${join(root, '.mlops', 'runs')}/\\d{8}T\\d{6}Z-\\d+$`));
    expect(freshWorkspaceDir('/p', new Date('2024-05-01T12:00:00Z'), 42)).toBe('/p/.mlops/runs/20240501T120000Z-42');
    expect((await open({ cwd: root, freshWorkspace: true, workDir: 'w' })).workspace.dir).toBe(join(root, 'w'));
  });

  test("a run's overrides are applied; later steps apply the ones its workspace records", async () => {
    const { root } = project();
    const plain = await open({ cwd: root, workDir: 'w' });
    const started = await open({ cwd: root, workDir: 'w', overrides: { values: { 'model.learning_rate': 0.001 }, source: "input 'config-overrides'" } });
    expect(started.loaded.config.model.learning_rate).toBe(0.001);
    expect(started.loaded.hash).not.toBe(plain.loaded.hash);
    await started.workspace.ensure();
    await started.workspace.recordOverrides(started.overrides ?? {});
    const later = await open({ cwd: root, workDir: 'w' });
    expect(later.loaded.hash).toBe(started.loaded.hash);
    expect(later.overrides).toEqual({ 'model.learning_rate': 0.001 });
  });

  test('an override the config refuses names where it came from', async () => {
    const { root } = project();
    await expect(open({ cwd: root, overrides: { values: { 'model.learning_rate': -1 }, source: "input 'config-overrides'" } })).rejects.toThrow(
      /input 'config-overrides' makes the config invalid:[\s\S]*model\.learning_rate/,
    );
  });

  test('a missing config is a ConfigError naming the path as given', async () => {
    const { cwd } = project();
    await expect(open({ cwd })).rejects.toThrow(ConfigError);
    await expect(open({ cwd, configPath: '../missing.yaml' })).rejects.toThrow(/^Config file not found: \.\.\/missing\.yaml\./);
  });
});
