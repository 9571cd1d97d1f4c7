import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { openStepContext, type StepContext } from '../../src/pipeline/step-context.js';
import { trainStep } from '../../src/pipeline/train-step.js';
import { shouldStream, trainingMode } from '../../src/pipeline/training-data.js';
import { validateStep } from '../../src/pipeline/validate-step.js';
import { evaluateStep } from '../../src/pipeline/evaluate-step.js';
import { registerStep } from '../../src/pipeline/register-step.js';
import { gateVerdictSchema, evaluationReportSchema } from '../../src/evaluation/report-schema.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { splitByKey } from '../../src/data/split.js';
import { inferConfig } from '../../src/data/infer-config.js';
import { renderConfigYaml } from '../../src/config/config-yaml.js';
import { RowKeySet } from '../../src/data/row-key-set.js';
import type { TrainingRecord } from '../../src/pipeline/workspace.js';
import { createProject, defaultConfigText, repoRoot } from '../helpers/project.js';

/**
 * Training from encoded files on disk (`training.streaming`), on 1,200 real rows so that the
 * streamed and the in-memory path can be compared on the same split.
 */

const telcoHead = (rows: number) => readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n').slice(0, rows + 1).join('\n') + '\n';

function configText(change: (config: Record<string, any>) => void = () => {}): string {
  const config = parse(defaultConfigText()) as Record<string, any>;
  config.model = { ...config.model, max_epochs: 3, backend: 'cpu' };
  // Three epochs test the streaming mechanics, not quality: the in-run baseline is reported, not gated.
  config.gate = { primary_metric: 'auc', overall: { auc: { min: 0.5 } }, bootstrap: { resamples: 10 }, baseline: { enabled: false } };
  change(config);
  return stringify(config);
}

/** validate then train in a workspace of its own, under a config of its own. */
async function trained(streaming: 'always' | 'never', change: (config: Record<string, any>) => void = () => {}): Promise<{ ctx: StepContext; record: TrainingRecord }> {
  const project = createProject({
    'mlops.config.yaml': configText((config) => {
      config.training = { streaming };
      change(config);
    }),
    'data/telco-churn.csv': telcoHead(1200),
  });
  const ctx = await openStepContext({ cwd: project, workDir: 'work', env: {}, logger: silentLogger });
  await validateStep(ctx);
  return { ctx, record: await trainStep(ctx) };
}

const weightsOf = (ctx: StepContext) => readFileSync(join(ctx.workspace.path('modelDir'), 'weights.bin'));
const specOf = (ctx: StepContext) => JSON.parse(readFileSync(join(ctx.workspace.path('modelDir'), 'preprocessing.json'), 'utf8'));

describe('streamed training', () => {
  let streamed: { ctx: StepContext; record: TrainingRecord };
  let inMemory: { ctx: StepContext; record: TrainingRecord };

  beforeAll(async () => {
    streamed = await trained('always');
    inMemory = await trained('never');
  });

  test('splits the rows exactly as the in-memory path does, and says it streamed', () => {
    expect(streamed.record.streamed).toBe(true);
    expect(inMemory.record.streamed).toBe(false);
    expect(streamed.record.split).toEqual(inMemory.record.split);
  });

  test('fits the same preprocessing as the in-memory path when the training rows fit the sample', () => {
    const a = specOf(streamed.ctx);
    const b = specOf(inMemory.ctx);
    expect(a.input_width).toBe(b.input_width);
    for (const [index, transform] of a.features.entries()) {
      const other = b.features[index];
      if (transform.type === 'categorical') expect(transform.vocabulary).toEqual(other.vocabulary);
      else {
        expect(transform.impute).toBe(other.impute);
        expect(transform.mean).toBeCloseTo(other.mean, 9);
        expect(transform.std).toBeCloseTo(other.std, 9);
      }
    }
  });

  test('records the same training key set as the in-memory path: the training and validation rows', () => {
    expect(streamed.record.training_keys).toEqual(inMemory.record.training_keys);
    const bytes = readFileSync(join(streamed.ctx.workspace.path('modelDir'), streamed.record.training_keys.file));
    const set = RowKeySet.decode(bytes);
    expect(set.size).toBe(streamed.record.training_keys.count);
    // A few repeated rows share a key, so the set holds at most one key per training and validation row.
    expect(set.size).toBeLessThanOrEqual(streamed.record.split.train + streamed.record.split.validation);
    expect(set.size).toBeGreaterThan(0.99 * (streamed.record.split.train + streamed.record.split.validation));
  });

  test('deletes the encoded files when training ends', () => {
    expect(existsSync(streamed.ctx.workspace.path('encoded'))).toBe(false);
  });

  test('is reproducible bit for bit: the same data, config and seed give the same weights', async () => {
    const again = await trained('always');
    expect(weightsOf(again.ctx).equals(weightsOf(streamed.ctx))).toBe(true);
  });

  test('gives a model that evaluate scores and the gate passes', async () => {
    const verdict = await evaluateStep(streamed.ctx);
    expect(verdict.passed).toBe(true);
  });

  test('refuses an encoded matrix over training.max_encoded_mb before writing it, and leaves no model behind', async () => {
    const project = createProject({
      'mlops.config.yaml': configText((config) => (config.training = { streaming: 'always', max_encoded_mb: 0.01 })),
      'data/telco-churn.csv': telcoHead(1200),
    });
    const ctx = await openStepContext({ cwd: project, workDir: 'work', env: {}, logger: silentLogger });
    await validateStep(ctx);
    const error = await trainStep(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^The encoded training matrix would take \d+ MB \(\d+ training and validation rows × \d+ inputs and the target × 4 bytes\), more than training\.max_encoded_mb \(0\.01 MB\); raise it if the disk has room, or train on fewer rows\.$/,
    );
    expect(existsSync(ctx.workspace.path('encoded'))).toBe(false);
    expect(await ctx.workspace.exists('training')).toBe(false);
  });

  test('a target with one value in the training split is a DataError before anything is encoded', async () => {
    // Churners only where the split puts them in the test set: the data has two classes, its training split one.
    const text = telcoHead(1200);
    const lines = text.split('\n');
    const source = createProject({ 'mlops.config.yaml': configText(), 'data/telco-churn.csv': text });
    const dataset = await loadDataset({ config: (await openStepContext({ cwd: source, env: {}, logger: silentLogger })).loaded, logger: silentLogger });
    const split = splitByKey(dataset.rows, parse(configText()).split);
    const test = new Set(split.test);
    const kept = dataset.rows.filter((row, index) => row.target === 'No' || test.has(index)).map((row) => lines[row.line - 1]);
    for (const streaming of ['always', 'never'] as const) {
      const project = createProject({ 'mlops.config.yaml': configText((config) => (config.training = { streaming })), 'data/telco-churn.csv': `${[lines[0], ...kept].join('\n')}\n` });
      const ctx = await openStepContext({ cwd: project, workDir: 'work', env: {}, logger: silentLogger });
      await validateStep(ctx);
      const error = await trainStep(ctx).catch((e: unknown) => e);
      expect(error, streaming).toBeInstanceOf(DataError);
      expect((error as Error).message).toMatch(/^The target "churn" is "No" in all \d+ rows of the training split: there is nothing to learn\./);
    }
  });
});

describe('trainingMode', () => {
  const config = (streaming: 'auto' | 'always' | 'never', time_column?: string) => ({ training: { streaming, max_encoded_mb: 8192 }, split: { test_fraction: 0.2, validation_fraction: 0.1, seed: 42, time_column } });

  test('auto streams a large file split by hash', () => {
    expect(trainingMode(config('auto'), 2_000_000)).toEqual({ streamed: true, note: null });
  });

  test('auto trains a large file split by time in memory, and says why', () => {
    const mode = trainingMode(config('auto', 'signup_at'), 2_000_000);
    expect(mode.streamed).toBe(false);
    expect(mode.note).toBe(
      "Training in memory although 2,000,000 rows would stream (training.streaming: auto): split.time_column 'signup_at' splits by time, which needs every row's time before a split is assigned.",
    );
  });

  test('a small file split by time trains in memory without a note', () => {
    expect(trainingMode(config('auto', 'signup_at'), 1_000)).toEqual({ streamed: false, note: null });
  });
});

describe('shouldStream', () => {
  test.each([
    ['auto', 100_000, false],
    ['auto', 100_001, true],
    ['always', 10, true],
    ['never', 10_000_000, false],
  ] as const)('%s with %d valid rows → %s', (setting, rows, expected) => {
    expect(shouldStream(setting, rows)).toBe(expected);
  });
});

describe('streamed training on a file with a date column and a high-cardinality category', () => {
  /** with-id.csv (tests/fixtures/real-world) under the config `mlops init` writes for it, hash split, one epoch. */
  async function trainedOn(streaming: 'always' | 'never'): Promise<{ ctx: StepContext; record: TrainingRecord }> {
    const project = createProject({ 'data/with-id.csv': { copy: 'tests/fixtures/real-world/with-id.csv' } });
    const configPath = join(project, 'mlops.config.yaml');
    const inferred = await inferConfig({ dataPath: join(project, 'data/with-id.csv'), configPath, target: 'churn', logger: silentLogger });
    const config = inferred.config as Record<string, any>;
    delete config.split.time_column;
    config.training = { streaming };
    config.model = { ...config.model, max_epochs: 1, backend: 'cpu' };
    const region = config.features.find((f: { name: string }) => f.name === 'region_id');
    Object.assign(region, { top_k: 5, min_count: 2 });
    writeFileSync(configPath, renderConfigYaml(config as never, inferred.notes));
    const ctx = await openStepContext({ cwd: project, workDir: 'work', env: {}, logger: silentLogger });
    await validateStep(ctx);
    return { ctx, record: await trainStep(ctx) };
  }

  test('fits the dates and the top-K vocabulary from the streamed sample exactly as in memory', async () => {
    const streamed = await trainedOn('always');
    const inMemory = await trainedOn('never');
    expect(streamed.record.streamed).toBe(true);
    const spec = specOf(streamed.ctx);
    const date = spec.features.find((f: { name: string }) => f.name === 'signup_at');
    expect(date.type).toBe('datetime');
    const region = spec.features.find((f: { name: string }) => f.name === 'region_id');
    expect(region.type).toBe('categorical');
    expect(region.vocabulary.length).toBeGreaterThan(0);
    expect(region.vocabulary.length).toBeLessThanOrEqual(5);
    // The same statistics; the last bits may differ (the in-memory split lists the rows in another order).
    const rounded = (value: unknown) => JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)));
    expect(rounded(spec)).toEqual(rounded(specOf(inMemory.ctx)));
    expect(streamed.record.training_keys).toEqual(inMemory.record.training_keys);
  });
});

describe('after streamed training, evaluate against a champion whose key set was collected while streaming', () => {
  test('leaves out exactly the test rows the champion trained on, as the split says', async () => {
    const text = telcoHead(1200);
    const project = createProject({ 'mlops.config.yaml': configText((config) => (config.training = { streaming: 'always' })), 'data/telco-churn.csv': text });
    const open = (workDir: string) => openStepContext({ cwd: project, workDir, env: {}, logger: silentLogger });
    const first = await open('v1');
    await validateStep(first);
    await trainStep(first);
    await evaluateStep(first);
    await registerStep(first);

    // Another split seed: the same keys, so most of the new test rows are rows the champion trained on.
    writeFileSync(
      join(project, 'mlops.config.yaml'),
      configText((config) => {
        config.training = { streaming: 'always' };
        config.split = { ...config.split, seed: 7 };
      }),
    );
    const second = await open('v2');
    await validateStep(second);
    await trainStep(second);
    await evaluateStep(second).catch(() => undefined);
    const verdict = await second.workspace.read('gate', gateVerdictSchema, 'evaluate');
    const champion = await second.workspace.read('championMetrics', evaluationReportSchema, 'evaluate');

    // The expectation, computed in memory: new test rows whose key was in the old training or validation split.
    const dataset = await loadDataset({ config: second.loaded, logger: silentLogger });
    const before = splitByKey(dataset.rows, { ...second.loaded.config.split, seed: 42 });
    const trainedOn = new Set([...before.train, ...before.validation].map((i) => dataset.rows[i]!.key));
    const test = splitByKey(dataset.rows, second.loaded.config.split).test.map((i) => dataset.rows[i]!);
    const excluded = test.filter((row) => trainedOn.has(row.key)).length;
    expect(excluded / test.length).toBeGreaterThan(0.5);
    expect(verdict.comparison).toMatchObject({ basis: 'training_keys', test_rows: test.length, excluded_rows: excluded, comparable_rows: test.length - excluded });
    expect(verdict.comparison!.note).toContain('(same key columns;');
    expect(champion.overall.rows).toBe(test.length - excluded);
    expect(verdict.checks.find((check) => check.scope === 'overall')!.rows).toBe(test.length - excluded);
  });
});

describe('an out-of-time split', () => {
  test('trains in memory under training.streaming: auto, records the time ranges and scores the latest rows', async () => {
    const project = createProject({ 'data/with-id.csv': { copy: 'tests/fixtures/real-world/with-id.csv' } });
    const configPath = join(project, 'mlops.config.yaml');
    const inferred = await inferConfig({ dataPath: join(project, 'data/with-id.csv'), configPath, target: 'churn', logger: silentLogger });
    const config = inferred.config as Record<string, any>;
    expect(config.split.time_column).toBe('signup_at');
    config.model = { ...config.model, max_epochs: 1, backend: 'cpu' };
    config.gate = { ...config.gate, overall: {}, per_slice: {}, baseline: { enabled: false } };
    writeFileSync(configPath, renderConfigYaml(config as never, inferred.notes));
    const ctx = await openStepContext({ cwd: project, workDir: 'work', env: {}, logger: silentLogger });
    await validateStep(ctx);
    const record = await trainStep(ctx);
    expect(record.streamed).toBe(false);
    expect(record.time_split?.column).toBe('signup_at');
    const { train, test } = record.time_split!.ranges;
    expect(train!.to <= test!.from).toBe(true);
    const verdict = await evaluateStep(ctx);
    expect(verdict.comparison?.basis).toBe('no_champion');
    const metrics = await ctx.workspace.read('metrics', evaluationReportSchema, 'evaluate');
    expect(metrics.overall.rows).toBe(record.split.test);
  });
});
