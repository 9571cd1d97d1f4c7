import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { validateModelCard } from '../../src/cards/model-card.js';
import { ConfigError, RegistryError } from '../../src/core/errors.js';
import { lineageSchema } from '../../src/registry/lineage-schema.js';
import { ModelRegistry, registryIndexSchema, type ExperimentRecord, type RegisterInput } from '../../src/registry/registry.js';
import { startTsChild, waitForExit } from './fixtures/child-process.js';
import { buildRunInputs, writeTinyModel, type RunOptions } from './fixtures/model-inputs.js';

let dir: string;
let root: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-registry-'));
  root = join(dir, '.mlops', 'registry');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A RegisterInput for one run, with its own real model folder. */
async function runInput(options: RunOptions & { promote?: boolean; force?: boolean; weightCount?: number } = {}): Promise<RegisterInput> {
  const inputs = buildRunInputs(options);
  const modelDir = await writeTinyModel(join(dir, 'runs', inputs.lineage.run_id, 'model'), options.weightCount);
  return { modelDir, ...inputs, promote: options.promote ?? true, force: options.force };
}

async function readIndexFile(): Promise<string> {
  return readFile(join(root, 'registry.json'), 'utf8');
}

/** Polls for a file a child writes (a real process: no other way to know when it got there). */
async function waitForFile(path: string, child: { exitCode: number | null }): Promise<void> {
  for (;;) {
    if (await stat(path).then(() => true, () => false)) return;
    if (child.exitCode !== null) throw new Error(`the child exited with ${child.exitCode} before writing ${path}`);
    await sleep(20);
  }
}

describe('ModelRegistry', () => {
  test('opening a missing registry is fine, empty, and creates nothing', async () => {
    const registry = await ModelRegistry.open(root);
    expect(await registry.versions()).toEqual([]);
    expect(await registry.champion()).toBeNull();
    expect(await registry.experiments()).toEqual([]);
    await expect(stat(root)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('the first registration is 1.0.0 and becomes champion with a complete version folder', async () => {
    const registry = await ModelRegistry.open(root);
    const input = await runInput({ runId: 'run-a' });
    const registered = await registry.register(input);
    expect(registered.entry).toMatchObject({
      version: '1.0.0',
      status: 'champion',
      run_id: 'run-a',
      data_sha256: input.lineage.dataset.sha256,
      commit: input.lineage.code.commit,
      primary_metric: 'auc',
      primary_value: input.evaluation.overall.metrics['auc'],
      gate_passed: true,
      parent_version: null,
    });
    expect((await registry.champion())?.version).toBe('1.0.0');

    const versionDir = registry.versionDir('1.0.0');
    expect((await readdir(versionDir)).sort()).toEqual(
      ['card.json', 'card.md', 'gate.json', 'lineage.json', 'metrics.json', 'model.json', 'preprocessing.json', 'profile.json', 'weights.bin'].sort(),
    );
    expect(await readFile(join(versionDir, 'weights.bin'))).toEqual(await readFile(join(input.modelDir, 'weights.bin')));
    const card = JSON.parse(await readFile(join(versionDir, 'card.json'), 'utf8')) as unknown;
    expect(validateModelCard(card)).toEqual({ valid: true, errors: [] });
    // register returns the card it wrote, so callers never read card.json back.
    expect(registered.card).toEqual(card);
    expect(registered.markdown).toBe(await readFile(join(versionDir, 'card.md'), 'utf8'));
    expect(registered.markdown).toContain(input.lineage.dataset.sha256);
    const lineage = lineageSchema.parse(JSON.parse(await readFile(join(versionDir, 'lineage.json'), 'utf8')));
    expect(lineage.parent_version).toBeNull();
    expect(registryIndexSchema.safeParse(JSON.parse(await readIndexFile())).success).toBe(true);
    expect(await registry.aliasHistory()).toMatchObject([{ alias: 'champion', from: null, to: '1.0.0' }]);
  });

  test('versions follow the lineage: new data → minor, new features → major, same inputs → patch; rollback moves the alias', async () => {
    const registry = await ModelRegistry.open(root);
    await registry.register(await runInput({ runId: 'run-a' }));
    const b = await registry.register(await runInput({ runId: 'run-b', dataVersion: 'telco-churn v2' }));
    expect(b.entry).toMatchObject({ version: '1.1.0', status: 'champion', parent_version: '1.0.0' });
    const c = await registry.register(await runInput({ runId: 'run-c', dataVersion: 'telco-churn v2', extraFeature: true }));
    expect(c.entry).toMatchObject({ version: '2.0.0', parent_version: '1.1.0' });
    expect((await registry.lineage('2.0.0')).parent_version).toBe('1.1.0');
    expect(await readFile(join(registry.versionDir('2.0.0'), 'card.md'), 'utf8')).toContain('features added: total_charges');

    expect(await registry.setChampion('1.0.0', 'rollback: 2.0.0 misbehaves')).toEqual({ previous: '2.0.0' });
    expect((await registry.versions()).map((v) => [v.version, v.status])).toEqual([
      ['1.0.0', 'champion'],
      ['1.1.0', 'archived'],
      ['2.0.0', 'archived'],
    ]);
    expect((await registry.aliasHistory()).map((move) => [move.from, move.to, move.reason])).toEqual([
      [null, '1.0.0', 'registered run run-a and promoted'],
      ['1.0.0', '1.1.0', 'registered run run-b and promoted'],
      ['1.1.0', '2.0.0', 'registered run run-c and promoted'],
      ['2.0.0', '1.0.0', 'rollback: 2.0.0 misbehaves'],
    ]);

    // Against champion 1.0.0 the same data and config with new code is a patch; 1.1.0 exists, so new data goes past it.
    const d = await registry.register(await runInput({ runId: 'run-d', commit: 'b'.repeat(40), promote: false }));
    expect(d.entry).toMatchObject({ version: '1.0.1', status: 'candidate', parent_version: '1.0.0' });
    const e = await registry.register(await runInput({ runId: 'run-e', dataVersion: 'telco-churn v3' }));
    expect(e.entry).toMatchObject({ version: '1.2.0', status: 'champion', parent_version: '1.0.0' });
    expect((await registry.versions()).map((v) => v.version)).toEqual(['1.0.0', '1.0.1', '1.1.0', '1.2.0', '2.0.0']);
  });

  test('setChampion refuses an unknown version and a malformed one', async () => {
    const registry = await ModelRegistry.open(root);
    await registry.register(await runInput({ runId: 'run-a' }));
    await expect(registry.setChampion('3.0.0', 'typo')).rejects.toThrow(RegistryError);
    await expect(registry.setChampion('3.0.0', 'typo')).rejects.toThrow('registered versions: 1.0.0');
    await expect(registry.setChampion('../1.0.0', 'traversal')).rejects.toThrow(ConfigError);
    expect(await registry.setChampion('1.0.0', 'again')).toEqual({ previous: '1.0.0' });
    expect(await registry.aliasHistory()).toHaveLength(1);
  });

  test('a candidate the gate rejected is refused unless forced', async () => {
    const registry = await ModelRegistry.open(root);
    const rejected = await runInput({ runId: 'run-bad', gatePassed: false });
    await expect(registry.register(rejected)).rejects.toThrow(RegistryError);
    await expect(registry.register(rejected)).rejects.toThrow(/Refusing to register run run-bad: the evaluation gate rejected it \(Rejected: auc on contract=Month-to-month/);
    expect(await registry.versions()).toEqual([]);
    await expect(stat(join(root, 'registry.json'))).rejects.toMatchObject({ code: 'ENOENT' });

    const forced = await registry.register({ ...rejected, force: true, promote: false });
    expect(forced.entry).toMatchObject({ version: '1.0.0', gate_passed: false, status: 'candidate' });
    expect(await readFile(join(registry.versionDir('1.0.0'), 'card.md'), 'utf8')).toContain('registered anyway (forced)');
  });

  test.each([
    ['weights.bin is missing', async (modelDir: string) => rm(join(modelDir, 'weights.bin')), /weights\.bin is missing but .*model\.json names it/],
    ['preprocessing.json is missing', async (modelDir: string) => rm(join(modelDir, 'preprocessing.json')), /preprocessing\.json is missing/],
    ['weights.bin is truncated', async (modelDir: string) => writeFile(join(modelDir, 'weights.bin'), Buffer.alloc(10)), /weights\.bin has 10 bytes but .*model\.json describes 64: the model files are corrupt or mismatched/],
    [
      'model.json names a weight file outside the folder',
      async (modelDir: string) => {
        const modelJson = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
        modelJson.weightsManifest[0]!.paths = ['../../secret.bin'];
        await writeFile(join(modelDir, 'model.json'), JSON.stringify(modelJson));
      },
      /names weight file '\.\.\/\.\.\/secret\.bin'/,
    ],
    ['model.json is not JSON', async (modelDir: string) => writeFile(join(modelDir, 'model.json'), '{"weightsManifest": ['), /model\.json is not valid JSON/],
  ])('refuses a model folder where %s', async (_name, breakModel, message) => {
    const registry = await ModelRegistry.open(root);
    const input = await runInput({ runId: 'run-a' });
    await breakModel(input.modelDir);
    await expect(registry.register(input)).rejects.toThrow(RegistryError);
    await expect(registry.register(input)).rejects.toThrow(message);
    expect(await registry.versions()).toEqual([]);
  });

  test('refuses artifacts of different runs or data', async () => {
    const registry = await ModelRegistry.open(root);
    const input = await runInput({ runId: 'run-a' });
    const otherGate = buildRunInputs({ runId: 'run-z' }).gate;
    await expect(registry.register({ ...input, gate: otherGate })).rejects.toThrow('the gate verdict judged run run-z');
    const otherProfile = buildRunInputs({ dataVersion: 'other data' }).profile;
    await expect(registry.register({ ...input, profile: otherProfile })).rejects.toThrow(/the profile describes data with sha256 [0-9a-f]{64}/);
  });

  test.each([
    ['invalid JSON', '{"format": 1, "champion": '],
    ['a champion that is not listed', JSON.stringify({ format: 1, champion: '1.0.0', versions: [], alias_history: [], updated_at: '2024-05-01T00:00:00Z' })],
    ['a wrong shape', JSON.stringify({ versions: 'none' })],
  ])('a registry.json with %s is a RegistryError that names the file, and it is never overwritten', async (_name, content) => {
    const registry = await ModelRegistry.open(root);
    const input = await runInput({ runId: 'run-a' });
    await registry.register(input);
    await writeFile(join(root, 'registry.json'), content);

    await expect(ModelRegistry.open(root)).rejects.toThrow(RegistryError);
    await expect(ModelRegistry.open(root)).rejects.toThrow(`${join(root, 'registry.json')} is corrupt`);
    await expect(registry.register(await runInput({ runId: 'run-b', dataVersion: 'v2' }))).rejects.toThrow(/is corrupt.*\n?.*Restore registry\.json/s);
    await expect(registry.setChampion('1.0.0', 'rollback')).rejects.toThrow(RegistryError);
    expect(await readIndexFile()).toBe(content);
  });

  test('two real processes registering at once both succeed with distinct versions', async () => {
    await ModelRegistry.open(root);
    const inputs = [await runInput({ runId: 'run-p1' }), await runInput({ runId: 'run-p2', dataVersion: 'telco-churn v2' })];
    const children = await Promise.all(
      inputs.map(async (input, i) => {
        const inputsPath = join(dir, `inputs-${i}.json`);
        await writeFile(inputsPath, JSON.stringify(input));
        // Each child holds the lock a moment after staging, so the other must wait for it.
        return waitForExit(startTsChild('./register-child.ts', [root, inputsPath, 'staged', '150', join(dir, `marker-${i}`)]));
      }),
    );
    for (const child of children) expect(child, child.stderr).toMatchObject({ code: 0 });
    const versions = children.map((child) => (JSON.parse(child.stdout) as { version: string }).version).sort();
    // Whichever came second saw the first as champion with other data: a minor bump.
    expect(versions).toEqual(['1.0.0', '1.1.0']);

    // The lock made the two writes one after the other: one left its staged pause before the other entered.
    const spans = await Promise.all(
      [0, 1].map(async (i) => ({
        entered: (JSON.parse(await readFile(join(dir, `marker-${i}`), 'utf8')) as { entered_at: number }).entered_at,
        left: (JSON.parse(await readFile(join(dir, `marker-${i}.left`), 'utf8')) as { left_at: number }).left_at,
      })),
    );
    spans.sort((a, b) => a.entered - b.entered);
    expect(spans[0]!.left).toBeLessThanOrEqual(spans[1]!.entered);

    const index = registryIndexSchema.parse(JSON.parse(await readIndexFile()));
    expect(index.versions.map((v) => v.version).sort()).toEqual(versions);
    expect(index.champion).toBe(versions[1]);
    await expect(stat(join(root, '.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test.each([
    ['after staging (the folder is not in versions/ yet)', 'staged', '1.1.0'],
    ['after the rename into versions/ (the index does not list it yet)', 'renamed', '1.2.0'],
  ])('a process killed %s leaves registry.json as before, and the next register works', async (_name, stage, nextExpected) => {
    const registry = await ModelRegistry.open(root);
    await registry.register(await runInput({ runId: 'run-a' }));
    const before = await readIndexFile();

    const input = await runInput({ runId: 'run-killed', dataVersion: 'telco-churn v2', weightCount: 1_000_000 });
    const inputsPath = join(dir, 'inputs.json');
    await writeFile(inputsPath, JSON.stringify(input));
    const marker = join(dir, 'paused');
    const child = startTsChild('./register-child.ts', [root, inputsPath, stage, '60000', marker]);
    const exited = waitForExit(child);
    await waitForFile(marker, child);
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    expect(await readIndexFile()).toBe(before);
    expect((await registry.versions()).map((v) => v.version)).toEqual(['1.0.0']);
    expect(JSON.parse(await readFile(join(root, '.lock'), 'utf8'))).toMatchObject({ pid: child.pid });
    const paused = JSON.parse(await readFile(marker, 'utf8')) as { dir: string };
    expect((await stat(join(paused.dir, 'weights.bin'))).size).toBe(4_000_000);

    // The dead process's lock is broken, its staging folder removed, and an orphaned folder's number skipped.
    const next = await registry.register(await runInput({ runId: 'run-next', dataVersion: 'telco-churn v2' }));
    expect(next.entry).toMatchObject({ version: nextExpected, status: 'champion', parent_version: '1.0.0' });
    expect((await registry.versions()).map((v) => v.version)).toEqual(['1.0.0', nextExpected]);
    expect(await readdir(join(root, '.staging')).catch(() => [])).toEqual([]);
    await expect(stat(join(root, '.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('experiments are one atomic file per run, listed newest first', async () => {
    const registry = await ModelRegistry.open(root);
    const record = (runId: string, startedAt: string, status: ExperimentRecord['status']): ExperimentRecord => ({
      run_id: runId,
      started_at: startedAt,
      finished_at: startedAt,
      duration_ms: 1200,
      status,
      version: status === 'promoted' ? '1.0.0' : null,
      champion_version: null,
      params: { learning_rate: 0.003, hidden_units: [32, 16] },
      metrics: status === 'failed' ? {} : { auc: 0.84, accuracy: 0.8 },
      primary_metric: 'auc',
      primary_value: status === 'failed' ? null : 0.84,
      data_sha256: 'a'.repeat(64),
      data_path: 'data/telco-churn.csv',
      commit: 'abc1234',
      dirty: false,
      config_sha256: 'b'.repeat(64),
      gate_summary: status === 'rejected' ? 'Rejected: auc fell' : null,
      error: status === 'failed' ? 'training diverged' : null,
      backend: 'cpu',
    });
    await registry.recordExperiment(record('run-1', '2024-05-01T10:00:00.000Z', 'promoted'));
    await registry.recordExperiment(record('run-3', '2024-05-03T10:00:00.000Z', 'failed'));
    await registry.recordExperiment(record('run-2', '2024-05-02T10:00:00.000Z', 'rejected'));
    expect((await registry.experiments()).map((e) => [e.run_id, e.status])).toEqual([
      ['run-3', 'failed'],
      ['run-2', 'rejected'],
      ['run-1', 'promoted'],
    ]);
    expect(JSON.parse(await readFile(join(root, 'experiments', 'run-2.json'), 'utf8'))).toEqual(record('run-2', '2024-05-02T10:00:00.000Z', 'rejected'));

    await expect(registry.recordExperiment(record('../escape', '2024-05-04T10:00:00.000Z', 'failed'))).rejects.toThrow(/run_id/);
    await writeFile(join(root, 'experiments', 'run-4.json'), '{"run_id":');
    await expect(registry.experiments()).rejects.toThrow(`${join(root, 'experiments', 'run-4.json')} is not valid JSON`);
  });
});
