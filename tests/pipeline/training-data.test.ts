import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { openStepContext, type StepContext } from '../../src/pipeline/step-context.js';
import { trainStep } from '../../src/pipeline/train-step.js';
import { shouldStream } from '../../src/pipeline/training-data.js';
import { validateStep } from '../../src/pipeline/validate-step.js';
import { evaluateStep } from '../../src/pipeline/evaluate-step.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { splitByKey } from '../../src/data/split.js';
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
  config.gate = { primary_metric: 'auc', overall: { auc: { min: 0.5 } }, bootstrap: { resamples: 10 } };
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
