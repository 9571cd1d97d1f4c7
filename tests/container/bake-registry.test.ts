import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, RegistryError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { bakeRegistry, singleVersionIndex } from '../../src/container/bake-registry.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { readJson, repoRoot } from '../helpers/project.js';
import { projectWithTwoVersions } from './support.js';

/** A real registry from two pipeline runs: 1.0.0 (archived) and 1.1.0 (champion). */
let project: string;
let source: string;
let scratch: string;

beforeAll(async () => {
  project = await projectWithTwoVersions({ buildInputs: false });
  source = join(project, '.mlops', 'registry');
  scratch = join(project, 'scratch');
  mkdirSync(scratch);
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function target(name: string): string {
  return join(scratch, name);
}

describe('bakeRegistry', () => {
  test('copies one version, byte for byte, into a registry where it is the only version and the champion', async () => {
    const logger = createRecordingLogger();
    const baked = await bakeRegistry(source, '1.0.0', target('a'), logger);
    const sourceDir = join(source, 'versions', '1.0.0');
    expect(baked.files).toEqual(readdirSync(sourceDir).sort());
    for (const file of baked.files) {
      expect(readFileSync(join(target('a'), 'versions', '1.0.0', file))).toEqual(readFileSync(join(sourceDir, file)));
    }
    expect(readdirSync(join(target('a'), 'versions'))).toEqual(['1.0.0']);

    const registry = await ModelRegistry.open(target('a'));
    expect((await registry.champion())?.version).toBe('1.0.0');
    expect((await registry.versions()).map((v) => v.version)).toEqual(['1.0.0']);
    const original = (await (await ModelRegistry.open(source)).get('1.0.0'))!;
    expect(await registry.get('1.0.0')).toEqual({ ...original, status: 'champion' });
    expect(await registry.aliasHistory()).toEqual([
      { alias: 'champion', from: null, to: '1.0.0', reason: 'baked into a serving image (source registry champion: 1.1.0)', at: original.created_at },
    ]);
    expect((await registry.experiments()).map((e) => e.run_id)).toEqual([original.run_id]);
    expect(baked.experiment).toBe(true);
    expect(logger.lines.some((l) => l.level === 'info' && l.message.includes('Baked version 1.0.0'))).toBe(true);
  });

  test('baking the same version twice writes the same index', async () => {
    await bakeRegistry(source, '1.1.0', target('b1'), createRecordingLogger());
    await bakeRegistry(source, '1.1.0', target('b2'), createRecordingLogger());
    expect(readFileSync(join(target('b1'), 'registry.json'), 'utf8')).toBe(readFileSync(join(target('b2'), 'registry.json'), 'utf8'));
    expect(readJson<{ alias_history: { reason: string }[] }>(join(target('b1'), 'registry.json')).alias_history[0]!.reason).toBe(
      'baked into a serving image (champion of the source registry)',
    );
  });

  test('a version that is not registered is a RegistryError listing the registered ones, and writes nothing', async () => {
    const attempt = bakeRegistry(source, '2.0.0', target('c'), createRecordingLogger());
    await expect(attempt).rejects.toThrow(RegistryError);
    await expect(bakeRegistry(source, '2.0.0', target('c'), createRecordingLogger())).rejects.toThrow(
      /Version 2\.0\.0 is not in the registry at .*; registered versions: 1\.0\.0, 1\.1\.0\./,
    );
    expect(existsSync(target('c'))).toBe(false);
  });

  test.each(['1.0', 'v1.0.0', '../1.0.0', '1.0.0/../../x', '01.0.0'])('version %j is a ConfigError', async (version) => {
    await expect(bakeRegistry(source, version, target('d'), createRecordingLogger())).rejects.toThrow(ConfigError);
    expect(existsSync(target('d'))).toBe(false);
  });

  test('a folder that is not empty is refused', async () => {
    mkdirSync(target('e'));
    writeFileSync(join(target('e'), 'keep.txt'), 'mine');
    await expect(bakeRegistry(source, '1.0.0', target('e'), createRecordingLogger())).rejects.toThrow(/the folder is not empty/);
    expect(readdirSync(target('e'))).toEqual(['keep.txt']);
  });

  test('a version whose weights are truncated is refused before anything is written', async () => {
    const damaged = join(scratch, 'damaged-source');
    cpSync(source, damaged, { recursive: true });
    const weights = join(damaged, 'versions', '1.0.0', 'weights.bin');
    truncateSync(weights, 100);
    await expect(bakeRegistry(damaged, '1.0.0', target('f'), createRecordingLogger())).rejects.toThrow(/^Cannot bake version 1\.0\.0: .*weights\.bin has 100 bytes but model\.json describes/);
    expect(existsSync(target('f'))).toBe(false);
  });

  test('an empty or missing source registry says how to get a version', async () => {
    await expect(bakeRegistry(join(scratch, 'nothing'), '1.0.0', target('g'), createRecordingLogger())).rejects.toThrow(
      /registered versions: none \(run `mlops pipeline` first\)/,
    );
  });
});

describe('singleVersionIndex', () => {
  test('keeps the entry, makes it champion, dates the move with its registration', () => {
    const entry = {
      version: '3.1.4',
      created_at: '2026-01-02T03:04:05.000Z',
      status: 'archived' as const,
      run_id: 'run-1',
      data_sha256: 'ab'.repeat(32),
      commit: null,
      primary_metric: 'auc',
      primary_value: 0.8,
      gate_passed: true,
      parent_version: '3.1.3',
    };
    expect(singleVersionIndex(entry, null)).toEqual({
      format: 1,
      champion: '3.1.4',
      versions: [{ ...entry, status: 'champion' }],
      alias_history: [{ alias: 'champion', from: null, to: '3.1.4', reason: 'baked into a serving image (source registry champion: none)', at: entry.created_at }],
      updated_at: entry.created_at,
    });
  });
});

/** The compiled entry point the Dockerfile runs (`npm run test:container` builds dist/ first). */
function runBakeMain(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'container', 'bake-registry-main.js'), ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('bake-registry-main (the build stage command)', () => {
  test.each<[string, number, (t: string) => string[], RegExp]>([
    ['a registered version', 0, (t) => [source, '1.0.0', t], /Baked version 1\.0\.0/],
    ['no MODEL_VERSION build argument', 2, (t) => [source, '', t], /build with --build-arg MODEL_VERSION=/],
    ['a malformed version', 2, (t) => [source, '1.0.0;x', t], /Invalid version "1\.0\.0;x"/],
    ['an unregistered version', 5, (t) => [source, '9.9.9', t], /Version 9\.9\.9 is not in the registry at /],
    ['missing arguments', 2, () => [source, '1.0.0'], /expected three arguments/],
  ])('%s: exit code %i', async (what, code, args, message) => {
    const result = await runBakeMain(args(target(`main-${what.replace(/\W+/g, '-')}`)));
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
