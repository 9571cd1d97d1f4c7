import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { WorkspaceError } from '../../src/pipeline/step-errors.js';
import { RunWorkspace, compactTimestamp, newRunId, runManifestSchema } from '../../src/pipeline/workspace.js';

const freshWorkspace = () => new RunWorkspace(join(mkdtempSync(join(tmpdir(), 'mlops-ws-')), 'work'));

const manifest = {
  run_id: 'run-a',
  started_at: '2024-05-01T12:00:00.000Z',
  config_path: '/p/mlops.config.yaml',
  config_sha256: 'c'.repeat(64),
  data_path: '/p/data.csv',
  data_sha256: 'd'.repeat(64),
};

describe('RunWorkspace', () => {
  test('writes JSON atomically and reads it back through the schema', async () => {
    const workspace = freshWorkspace();
    await workspace.ensure();
    await workspace.write('run', manifest);
    expect(JSON.parse(readFileSync(join(workspace.dir, 'run.json'), 'utf8'))).toEqual(manifest);
    expect(await workspace.read('run', runManifestSchema, 'validate')).toEqual(manifest);
    expect(await workspace.exists('run')).toBe(true);
    await workspace.remove('run');
    expect(await workspace.exists('run')).toBe(false);
  });

  test.each<[string, string | null, RegExp, 'first' | 'again', string | undefined]>([
    ['a missing file', null, /run\.json is missing$/, 'first', 'work-dir'],
    ['a file that is not JSON', '{"run_id": ', /run\.json is not valid JSON \(/, 'again', undefined],
    ['a file of the wrong shape', JSON.stringify({ ...manifest, data_sha256: 42 }), /run\.json does not have the expected shape \(data_sha256: /, 'again', undefined],
  ])('%s is a WorkspaceError naming the file and the step that writes it', async (_case, text, problem, when, keep) => {
    const workspace = freshWorkspace();
    await workspace.ensure();
    if (text !== null) writeFileSync(workspace.path('run'), text);
    const error = await workspace.read('run', runManifestSchema, 'validate').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkspaceError);
    const failure = error as WorkspaceError;
    expect(failure.problem).toMatch(problem);
    expect(failure.file).toBe(workspace.path('run'));
    expect(failure.rerun).toEqual({ step: 'validate', when, ...(keep ? { keep } : {}) });
    expect(failure.exitCode).toBe(5);
  });

  test('records config overrides for the steps after validate, and clears them for a run without', async () => {
    const workspace = freshWorkspace();
    await workspace.ensure();
    expect(await workspace.readOverrides()).toEqual({});
    await workspace.recordOverrides({ 'model.learning_rate': 0.001 });
    expect(JSON.parse(readFileSync(join(workspace.dir, 'config-overrides.json'), 'utf8'))).toEqual({ 'model.learning_rate': 0.001 });
    expect(await workspace.readOverrides()).toEqual({ 'model.learning_rate': 0.001 });
    await workspace.recordOverrides({});
    expect(existsSync(join(workspace.dir, 'config-overrides.json'))).toBe(false);
  });

  test('a recorded override outside model.* is refused when read back', async () => {
    const workspace = freshWorkspace();
    mkdirSync(workspace.dir, { recursive: true });
    writeFileSync(workspace.path('overrides'), JSON.stringify({ 'data.path': 'other.csv' }));
    await expect(workspace.readOverrides()).rejects.toThrow(/config-overrides\.json does not have the expected shape \(data\.path: 'data\.path': only keys under model\./);
  });
});

describe('run ids', () => {
  const now = new Date('2024-05-01T12:34:56.789Z');

  test('sort by time and carry the GitHub run and attempt when there is one', () => {
    expect(compactTimestamp(now)).toBe('20240501T123456Z');
    expect(newRunId(now, {})).toMatch(/^run-20240501T123456Z-[0-9a-f]{6}$/);
    expect(newRunId(now, { GITHUB_RUN_ID: '987', GITHUB_RUN_ATTEMPT: '2' })).toMatch(/^run-20240501T123456Z-gh987\.2-[0-9a-f]{6}$/);
  });

  test('two runs started in the same second get different ids', () => {
    expect(newRunId(now, {})).not.toBe(newRunId(now, {}));
  });
});
