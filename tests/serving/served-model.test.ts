import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryError } from '../../src/core/errors.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { loadServedModel, loadVersionBaseline } from '../../src/serving/served-model.js';
import { createServingProject, removeServingProject, type ServingProject } from './fixture.js';

let project: ServingProject;
const copies: string[] = [];
const limits = { maxInstances: 10, maxStringLength: 100 };

beforeAll(async () => {
  project = await createServingProject([42]);
});

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  removeServingProject(project);
});

/** A copy of the fixture registry with one file of version 1.0.0 damaged. */
function damagedRegistry(damage: (versionDir: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'mlops-damaged-registry-'));
  copies.push(root);
  cpSync(project.registry, root, { recursive: true });
  damage(join(root, 'versions/1.0.0'));
  return root;
}

const editJson = (path: string, edit: (value: any) => void) => {
  const value = JSON.parse(readFileSync(path, 'utf8'));
  edit(value);
  writeFileSync(path, JSON.stringify(value));
};

describe('loading a version for serving', () => {
  test('a sound version loads with its contract, baseline and documents', async () => {
    const registry = await ModelRegistry.open(project.registry);
    const model = await loadServedModel(registry, '1.0.0', limits);
    try {
      expect(model).toMatchObject({ name: 'telco-churn', version: '1.0.0' });
      expect(model.features.map((feature) => feature.name)).toEqual(model.spec.features.map((transform) => transform.name));
      expect(model.baseline.features).toHaveLength(19);
      expect(model.config?.serving.max_batch_size).toBe(1000);
      expect(model.gate.passed).toBe(true);
    } finally {
      model.network.dispose();
    }
    expect((await loadVersionBaseline(registry, '1.0.0')).features).toHaveLength(19);
  });

  test.each([
    {
      name: 'truncated weights',
      damage: (dir: string) => truncateSync(join(dir, 'weights.bin'), statSync(join(dir, 'weights.bin')).size - 8),
      message: /weights\.bin has \d+ bytes but model\.json describes \d+: the model files are corrupt or mismatched/,
    },
    { name: 'model.json that is not JSON', damage: (dir: string) => writeFileSync(join(dir, 'model.json'), '{"modelTopology": '), message: /cannot be served: .*JSON/ },
    {
      name: 'model.json without weights',
      damage: (dir: string) => editJson(join(dir, 'model.json'), (json) => delete json.weightsManifest),
      message: /is not a tfjs Layers model \(no modelTopology or weightsManifest\)/,
    },
    {
      name: 'weights that are NaN',
      damage: (dir: string) => writeFileSync(join(dir, 'weights.bin'), Buffer.from(new Float32Array(statSync(join(dir, 'weights.bin')).size / 4).fill(Number.NaN).buffer)),
      message: /answers a typical row with a non-finite output/,
    },
    {
      name: 'preprocessing of another feature set',
      damage: (dir: string) => editJson(join(dir, 'preprocessing.json'), (spec) => (spec.features.find((f: { name: string }) => f.name === 'tenure').name = 'tenure_months')),
      message: /preprocessing\.json encodes feature 'tenure_months', which lineage\.json does not list/,
    },
    {
      name: 'preprocessing of another input width',
      damage: (dir: string) => editJson(join(dir, 'preprocessing.json'), (spec) => (spec.input_width += 1)),
      message: /model\.json expects \d+ inputs but preprocessing\.json encodes \d+/,
    },
    {
      name: 'a profile without a feature',
      damage: (dir: string) => editJson(join(dir, 'profile.json'), (profile) => delete profile.features.contract),
      message: /profile\.json has no profile of feature 'contract'/,
    },
    { name: 'a profile that is not JSON', damage: (dir: string) => writeFileSync(join(dir, 'profile.json'), 'not json'), message: /cannot be served: .*JSON/ },
    {
      name: 'an invalid evaluation report',
      damage: (dir: string) => editJson(join(dir, 'metrics.json'), (report) => (report.overall = 'good')),
      message: /metrics\.json is invalid:\n {2}- overall/,
    },
    { name: 'a missing lineage', damage: (dir: string) => rmSync(join(dir, 'lineage.json')), message: /Cannot read the lineage of version 1\.0\.0/ },
  ])('refuses $name with the cause', async ({ damage, message }) => {
    const registry = await ModelRegistry.open(damagedRegistry(damage));
    const error = await loadServedModel(registry, '1.0.0', limits).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(/^Version 1\.0\.0 cannot be served: /);
    expect((error as Error).message).toMatch(message);
  });

  test('refuses a version that is not registered, listing the registered ones', async () => {
    const registry = await ModelRegistry.open(project.registry);
    await expect(loadServedModel(registry, '2.0.0', limits)).rejects.toThrow(/^Version 2\.0\.0 is not in the registry at .+; registered versions: 1\.0\.0\.$/);
  });
});
