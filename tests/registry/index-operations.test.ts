import { describe, expect, test } from 'vitest';
import {
  addVersion,
  championOf,
  emptyIndex,
  findVersion,
  moveChampion,
  parentOf,
  primaryMetricHistory,
  registeredEntry,
  registrationReason,
  sortedVersions,
  takenVersions,
} from '../../src/registry/index-operations.js';
import { registryIndexSchema, type RegisteredVersion, type RegistryIndex } from '../../src/registry/registry-schema.js';
import { buildRunInputs } from './fixtures/model-inputs.js';

/** One index entry; only the fields a test cares about differ. */
function entry(version: string, status: RegisteredVersion['status'] = 'archived', extra: Partial<RegisteredVersion> = {}): RegisteredVersion {
  return {
    version,
    created_at: '2024-05-01T10:00:00.000Z',
    status,
    run_id: `run-${version}`,
    data_sha256: 'a'.repeat(64),
    commit: null,
    primary_metric: 'auc',
    primary_value: 0.8,
    gate_passed: true,
    parent_version: null,
    ...extra,
  };
}

/** An index listing `versions` in the given order, with `champion` (if any) marked as such. */
function index(versions: string[], champion: string | null = null, extra: Partial<RegisteredVersion>[] = []): RegistryIndex {
  return registryIndexSchema.parse({
    ...emptyIndex(),
    champion,
    versions: versions.map((version, i) => entry(version, version === champion ? 'champion' : 'archived', extra[i])),
  });
}

describe('parentOf', () => {
  test.each([
    ['an empty registry has no parent', index([]), null],
    ['the champion, even when newer versions exist', index(['1.0.0', '1.1.0', '2.0.0'], '1.1.0'), '1.1.0'],
    ['without a champion, the newest version by semver (not by listing order)', index(['1.10.0', '1.9.0', '1.2.0']), '1.10.0'],
    ['a lone champion', index(['1.0.0'], '1.0.0'), '1.0.0'],
  ])('%s', (_name, given, expected) => {
    expect(parentOf(given)?.version ?? null).toBe(expected);
  });
});

describe('moveChampion', () => {
  test.each([
    { name: 'first promotion', from: index(['1.0.0']), to: '1.0.0', statuses: [['1.0.0', 'champion']], previous: null },
    {
      name: 'promotion archives the previous champion',
      from: index(['1.0.0', '1.1.0'], '1.0.0'),
      to: '1.1.0',
      statuses: [['1.0.0', 'archived'], ['1.1.0', 'champion']],
      previous: '1.0.0',
    },
    {
      name: 'rollback leaves other versions alone',
      from: index(['1.0.0', '1.1.0', '2.0.0'], '2.0.0', [{ status: 'candidate' } as Partial<RegisteredVersion>]),
      to: '1.1.0',
      statuses: [['1.0.0', 'candidate'], ['1.1.0', 'champion'], ['2.0.0', 'archived']],
      previous: '2.0.0',
    },
  ])('$name', ({ from, to, statuses, previous }) => {
    const at = '2024-06-01T00:00:00.000Z';
    const moved = moveChampion(from, to, 'because', at);
    expect(registryIndexSchema.safeParse(moved).success).toBe(true);
    expect(moved.champion).toBe(to);
    expect(moved.versions.map((v) => [v.version, v.status])).toEqual(statuses);
    expect(moved.alias_history.at(-1)).toEqual({ alias: 'champion', from: previous, to, reason: 'because', at });
    expect(moved.alias_history).toHaveLength(from.alias_history.length + 1);
    expect(moved.updated_at).toBe(at);
  });

  test('does not change the index it was given', () => {
    const before = index(['1.0.0', '1.1.0'], '1.0.0');
    const copy = structuredClone(before);
    moveChampion(before, '1.1.0', 'promote', '2024-06-01T00:00:00.000Z');
    expect(before).toEqual(copy);
  });
});

describe('reading the index', () => {
  const given = index(['1.10.0', '1.2.0', '1.9.0'], '1.9.0');

  test.each([
    ['1.9.0', '1.9.0'],
    ['1.2.0', '1.2.0'],
    ['3.0.0', null],
  ])('findVersion(%s)', (version, expected) => {
    expect(findVersion(given, version)?.version ?? null).toBe(expected);
  });

  test('sortedVersions orders by semantic version, championOf follows the alias', () => {
    expect(sortedVersions(given).map((v) => v.version)).toEqual(['1.2.0', '1.9.0', '1.10.0']);
    expect(championOf(given)?.version).toBe('1.9.0');
    expect(championOf(index(['1.0.0']))).toBeNull();
  });

  test.each([
    ['listed versions only', ['1.0.0', '1.1.0'], [], ['1.0.0', '1.1.0']],
    ['an orphaned folder of a crash is taken too', ['1.0.0'], ['1.0.0', '1.1.0'], ['1.0.0', '1.1.0']],
    ['nothing anywhere', [], [], []],
  ])('takenVersions: %s', (_name, listed, folders, expected) => {
    expect(takenVersions(index(listed), folders).sort()).toEqual(expected);
  });

  test.each([
    ['oldest first, by semver', ['1.10.0', '1.2.0'], [{ primary_value: 0.9 }, { primary_value: 0.7 }], 'auc', [['1.2.0', 0.7], ['1.10.0', 0.9]]],
    ['another metric and undefined values are left out', ['1.0.0', '1.1.0', '1.2.0'], [{ primary_metric: 'f1' }, { primary_value: null }, { primary_value: 0.85 }], 'auc', [['1.2.0', 0.85]]],
    ['no versions', [], [], 'auc', []],
  ])('primaryMetricHistory: %s', (_name, versions, extra, metric, expected) => {
    const history = primaryMetricHistory(index(versions, null, extra as Partial<RegisteredVersion>[]), metric);
    expect(history.map((point) => [point.version, point.value])).toEqual(expected);
  });
});

describe('registering', () => {
  test('registeredEntry lists a candidate with the facts of its run', () => {
    const { lineage, evaluation, gate } = buildRunInputs({ runId: 'run-x' });
    const at = '2024-06-02T00:00:00.000Z';
    const listed = registeredEntry({ version: '1.2.0', lineage: { ...lineage, parent_version: '1.1.0' }, evaluation, gate, at });
    expect(listed).toEqual({
      version: '1.2.0',
      created_at: at,
      status: 'candidate',
      run_id: 'run-x',
      data_sha256: lineage.dataset.sha256,
      commit: lineage.code.commit,
      primary_metric: gate.primary_metric,
      primary_value: evaluation.overall.metrics[gate.primary_metric],
      gate_passed: gate.passed,
      parent_version: '1.1.0',
    });
  });

  test('addVersion appends without promoting', () => {
    const at = '2024-06-02T00:00:00.000Z';
    const next = addVersion(index(['1.0.0'], '1.0.0'), entry('1.1.0', 'candidate'), at);
    expect(next.versions.map((v) => [v.version, v.status])).toEqual([['1.0.0', 'champion'], ['1.1.0', 'candidate']]);
    expect(next.champion).toBe('1.0.0');
    expect(next.alias_history).toEqual([]);
    expect(next.updated_at).toBe(at);
  });

  test.each([
    [true, 'registered run run-7 and promoted'],
    [false, 'registered run run-7 with --force and promoted'],
  ])('registrationReason(gate passed: %s)', (passed, expected) => {
    expect(registrationReason('run-7', passed)).toBe(expected);
  });
});
