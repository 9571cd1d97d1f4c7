import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/hash.js';
import { inputSignature } from '../../src/registry/input-signature.js';
import type { Lineage } from '../../src/registry/lineage-schema.js';
import { compareVersions, parseReleaseTag, parseVersion } from '../../src/registry/semver.js';
import { nextVersion, versionChange } from '../../src/registry/version-bump.js';
import { buildRunInputs } from './fixtures/model-inputs.js';

describe('parseReleaseTag', () => {
  test.each([
    ['v1.2.3', '1.2.3'],
    ['1.2.3', '1.2.3'],
    ['v0.0.0', '0.0.0'],
    ['v10.20.30', '10.20.30'],
  ])('accepts %j as %s', (tag, version) => {
    expect(parseReleaseTag(tag)).toBe(version);
  });

  test.each([
    'v1.2',
    '1.2',
    '1.2.3; rm -rf /',
    '../1.2.3',
    'v01.2.3',
    '1.02.3',
    '1.2.03',
    'V1.2.3',
    'vv1.2.3',
    ' v1.2.3',
    'v1.2.3 ',
    'v1.2.3\n',
    'v1.2.3-rc.1',
    'v1.2.3+build',
    '1.2.3.4',
    '-1.2.3',
    '$(id).1.2',
    '',
    'v',
    '1234567890.0.0',
  ])('rejects %j with a ConfigError naming the tag', (tag) => {
    expect(() => parseReleaseTag(tag)).toThrow(ConfigError);
    expect(() => parseReleaseTag(tag)).toThrow(`Invalid release tag ${JSON.stringify(tag)}`);
  });
});

describe('parseVersion and compareVersions', () => {
  test.each([
    ['1.2.3', { major: 1, minor: 2, patch: 3 }],
    ['0.10.0', { major: 0, minor: 10, patch: 0 }],
  ])('parses %s', (text, parsed) => {
    expect(parseVersion(text)).toEqual(parsed);
  });

  test.each(['v1.2.3', '01.2.3', '1.2', '1.2.3-beta', ''])('rejects %j (the v prefix belongs to release tags only)', (text) => {
    expect(() => parseVersion(text)).toThrow(ConfigError);
  });

  test.each([
    ['1.0.0', '1.0.0', 0],
    ['1.0.0', '1.0.1', -1],
    ['1.10.0', '1.9.0', 1],
    ['2.0.0', '1.99.99', 1],
    ['0.0.9', '0.0.10', -1],
  ])('compares %s with %s as %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

describe('inputSignature', () => {
  const base = buildRunInputs().lineage;

  test('does not change when features are reordered or their domains change', () => {
    const reordered = [...base.features].reverse();
    const widened = base.features.map((f) => (f.type === 'categorical' ? { ...f, vocabulary: ['x', 'y'] } : { ...f, max: 1e6 }));
    expect(inputSignature(reordered, base.task)).toBe(inputSignature(base.features, base.task));
    expect(inputSignature(widened, base.task)).toBe(inputSignature(base.features, base.task));
  });

  test('does not change with the binary threshold', () => {
    const task = base.task.type === 'binary' ? { ...base.task, threshold: 0.3 } : base.task;
    expect(inputSignature(base.features, task)).toBe(inputSignature(base.features, base.task));
  });

  test.each([
    ['a feature added', (l: Lineage) => ({ ...l, features: [...l.features, { name: 'total_charges', type: 'numeric' as const }] })],
    ['a feature removed', (l: Lineage) => ({ ...l, features: l.features.slice(1) })],
    ['a feature retyped', (l: Lineage) => ({ ...l, features: l.features.map((f) => (f.name === 'tenure' ? { ...f, type: 'categorical' as const } : f)) })],
    ['a feature renamed', (l: Lineage) => ({ ...l, features: l.features.map((f) => (f.name === 'tenure' ? { ...f, name: 'tenure_months' } : f)) })],
    ['the positive label changed', (l: Lineage) => ({ ...l, task: { type: 'binary' as const, positive_label: 'Churned', negative_label: 'No', threshold: 0.5 } })],
    ['the task type changed', (l: Lineage) => ({ ...l, task: { type: 'regression' as const, target_transform: 'none' as const } })],
  ])('changes when %s', (_name, change) => {
    const changed = change(base);
    expect(inputSignature(changed.features, changed.task)).not.toBe(inputSignature(base.features, base.task));
  });
});

describe('nextVersion', () => {
  const parent = buildRunInputs().lineage;
  const same = buildRunInputs({ runId: 'run-2' }).lineage;
  const newData = buildRunInputs({ runId: 'run-2', dataVersion: 'telco-churn v2' }).lineage;
  const newConfig = buildRunInputs({ runId: 'run-2', learningRate: 0.01 }).lineage;
  const newCode = buildRunInputs({ runId: 'run-2', commit: 'b'.repeat(40) }).lineage;
  const newFeature = buildRunInputs({ runId: 'run-2', extraFeature: true, dataVersion: 'telco-churn v2' }).lineage;
  const multiclass = buildRunInputs({ runId: 'run-2', task: { type: 'multiclass', classes: ['low', 'mid', 'high'] } }).lineage;

  test('the first version is 1.0.0', () => {
    expect(nextVersion(null, parent)).toBe('1.0.0');
  });

  test.each([
    ['same data, config and code', same, '1.4.3', 'patch', '1.4.4'],
    ['code-only change', newCode, '1.4.3', 'patch', '1.4.4'],
    ['new data', newData, '1.4.3', 'minor', '1.5.0'],
    ['new config', newConfig, '1.4.3', 'minor', '1.5.0'],
    ['a feature added (even with new data)', newFeature, '1.4.3', 'major', '2.0.0'],
    ['task changed', multiclass, '1.4.3', 'major', '2.0.0'],
  ])('%s: %s → %s (%s)', (_name, candidate, from, level, expected) => {
    expect(versionChange(parent, candidate).level).toBe(level);
    expect(nextVersion({ version: from, lineage: parent }, candidate, [from])).toBe(expected);
  });

  test.each([
    // After a rollback from 1.1.0 to 1.0.0, a retrain must not reuse 1.1.0.
    ['minor after a rollback', newData, '1.0.0', ['1.0.0', '1.1.0'], '1.2.0'],
    ['minor skips every taken minor of the line', newData, '1.0.0', ['1.0.0', '1.1.0', '1.1.1', '1.3.0', '2.0.0'], '1.4.0'],
    ['patch after a rollback', newCode, '1.0.0', ['1.0.0', '1.0.1', '1.1.0'], '1.0.2'],
    ['major past every major', newFeature, '1.0.0', ['1.0.0', '2.0.0', '3.1.0'], '4.0.0'],
    ['no collision keeps the plain bump', newData, '1.0.0', ['1.0.0', '2.0.0'], '1.1.0'],
  ])('%s: from %s with %j gives %s', (_name, candidate, from, existing, expected) => {
    expect(nextVersion({ version: from, lineage: parent }, candidate, existing)).toBe(expected);
  });

  test('with no parent but existing versions, the next free major', () => {
    expect(nextVersion(null, parent, ['1.0.0', '1.2.0'])).toBe('2.0.0');
  });

  test('the reasons name what changed', () => {
    expect(versionChange(parent, newFeature).reasons).toEqual(['features added: total_charges']);
    expect(versionChange(parent, newData).reasons.join(' ')).toContain(sha256('telco-churn v2').slice(0, 12));
    expect(versionChange(parent, multiclass).reasons).toEqual(['task changed: binary → multiclass']);
  });
});
