import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { GateRejectedError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { gateVerdictSchema } from '../../src/evaluation/report-schema.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { evaluateStep } from '../../src/pipeline/evaluate-step.js';
import { registerStep } from '../../src/pipeline/register-step.js';
import { openStepContext, type StepContext } from '../../src/pipeline/step-context.js';
import { WorkspaceError } from '../../src/pipeline/step-errors.js';
import { trainStep } from '../../src/pipeline/train-step.js';
import { validateStep } from '../../src/pipeline/validate-step.js';
import { createProject, defaultConfigText, repoRoot } from '../helpers/project.js';

/**
 * The four steps called directly, in one process, on real files: 1,000 rows of the default
 * dataset, two epochs, a real registry. Then a champion the next config cannot score (a feature
 * dropped), judged under both `gate.on_unscorable_champion` policies.
 */

const telcoHead = (rows: number) => readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n').slice(0, rows + 1).join('\n') + '\n';

function configText(change: (config: Record<string, any>) => void = () => {}): string {
  const config = parse(defaultConfigText()) as Record<string, any>;
  config.model.max_epochs = 2;
  // Two epochs of 1,000 rows: small batches give the network enough steps to beat the in-run baseline.
  config.model.batch_size = 16;
  config.gate.overall = { auc: { min: 0.5, max_regression: 0.05 } };
  config.gate.per_slice = {};
  config.gate.bootstrap = { resamples: 20 };
  change(config);
  return stringify(config);
}

/** The config without the `female` feature (the column stays in the CSV, ignored): the champion that uses it reads it raw. */
const withoutFemale = (policy: 'fail' | 'floors_only') =>
  configText((c) => {
    c.features = c.features.filter((f: { name: string }) => f.name !== 'female');
    c.data.ignore_columns = ['female'];
    c.gate.on_unscorable_champion = policy;
  });

let project: string;
const logger = createRecordingLogger();
const open = (workDir: string): Promise<StepContext> => openStepContext({ cwd: project, workDir, env: {}, logger });

beforeAll(() => {
  project = createProject({ 'mlops.config.yaml': configText(), 'data/telco-churn.csv': telcoHead(1000) });
});

describe('the steps, one by one', () => {
  let ctx: StepContext;

  beforeAll(async () => {
    ctx = await open('first');
  });

  test('validate writes the report, the profile and the run', async () => {
    const report = await validateStep(ctx);
    expect(report.passed).toBe(true);
    expect(report.valid_rows).toBe(1000);
    for (const name of ['validation', 'profile', 'run'] as const) expect(await ctx.workspace.exists(name)).toBe(true);
    expect(await ctx.workspace.exists('overrides')).toBe(false);
  });

  test('train saves the model and records how, with a hash of every model file', async () => {
    const record = await trainStep(ctx);
    expect(record.epochs_run).toBeLessThanOrEqual(2);
    expect(record.split.train + record.split.validation + record.split.test).toBe(1000);
    expect(Object.keys(record.model_files).sort()).toEqual(['model.json', 'preprocessing.json', 'training-keys.mlks', 'weights.bin']);
    expect(existsSync(join(ctx.workspace.path('modelDir'), 'weights.bin'))).toBe(true);
    // The rows it trained on: training and validation, each key once. The excerpt repeats one row
    // (lines 648 and 966 of data/telco-churn.csv are identical); both copies share a key, so a split,
    // and here it is a training or validation row: one key fewer than rows.
    expect(record.training_keys).toMatchObject({ file: 'training-keys.mlks', count: record.split.train + record.split.validation - 1, whole_row: true });
    expect(record.training_keys.key_columns).toHaveLength(20);
    expect(record.training_keys.false_positive_rate).toBeLessThan(2e-6);
    expect(record.time_split).toBeUndefined();
  });

  test('evaluate scores the candidate, finds no champion and passes it on the bounds', async () => {
    const verdict = await evaluateStep(ctx);
    expect(verdict.passed).toBe(true);
    expect(verdict.champion_version).toBeNull();
    expect(await ctx.workspace.exists('championMetrics')).toBe(false);
    expect(readFileSync(ctx.workspace.path('gateMarkdown'), 'utf8')).toMatch(/✅/);
  });

  test('register makes 1.0.0 the champion, writes its card and records the experiment', async () => {
    const outcome = await registerStep(ctx);
    expect(outcome.created).toBe(true);
    expect(outcome.version.version).toBe('1.0.0');
    expect(existsSync(join(project, 'model-cards/1.0.0.md'))).toBe(true);
    const registry = await ModelRegistry.open(join(project, '.mlops/registry'));
    expect((await registry.champion())?.version).toBe('1.0.0');
    expect((await registry.lineage('1.0.0')).parent_version).toBeNull();
    expect((await registry.experiments()).map((e) => e.status)).toEqual(['promoted']);
  });

  test('a model file changed after training is refused before it is scored', async () => {
    const weights = join(ctx.workspace.path('modelDir'), 'weights.bin');
    const original = readFileSync(weights);
    writeFileSync(weights, Buffer.concat([original, Buffer.from([0])]));
    try {
      const error = await evaluateStep(ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkspaceError);
      expect((error as WorkspaceError).problem).toMatch(/weights\.bin is missing or changed since training/);
      expect((error as WorkspaceError).rerun).toEqual({ step: 'train', when: 'again' });
    } finally {
      writeFileSync(weights, original);
    }
  });
});

describe('a champion whose features the new config no longer lists', () => {
  /** validate → train → evaluate in a workspace of its own, with the config (and data) written first. */
  async function evaluateWith(name: string, config: string, data?: string) {
    writeFileSync(join(project, 'mlops.config.yaml'), config);
    if (data !== undefined) writeFileSync(join(project, 'data/telco-churn.csv'), data);
    const ctx = await open(name);
    await validateStep(ctx);
    await trainStep(ctx);
    const outcome = await evaluateStep(ctx).catch((error: unknown) => error);
    return { ctx, outcome, verdict: await ctx.workspace.read('gate', gateVerdictSchema, 'evaluate') };
  }

  test('is scored from the raw column through its own preprocessing: the candidate is judged like any other, and the version bump is major', async () => {
    const { ctx, verdict } = await evaluateWith('without-female-scored', withoutFemale('fail'));
    expect(verdict.champion_version).toBe('1.0.0');
    expect(verdict.champion_note).toBeUndefined();
    expect(await ctx.workspace.exists('championMetrics')).toBe(true);
    const regression = verdict.checks.filter((c) => c.rule === 'max_regression' && c.scope === 'overall');
    expect(regression.length).toBeGreaterThan(0);
    for (const check of regression) expect(check.evidence).toMatchObject({ against: 'champion', test: 'delong' });
    expect(verdict.passed).toBe(true);
    const registered = await registerStep(ctx);
    expect(registered.version.version).toBe('2.0.0');
  });

  /** The CSV without a column at all (the champion, 2.0.0 by now, still uses `partner`). */
  const withoutColumn = (name: string) => {
    const [header, ...rows] = telcoHead(1000).trimEnd().split('\n');
    const drop = header!.split(',').findIndex((cell) => cell.replace(/"/g, '') === name);
    const cut = (line: string) => line.split(',').filter((_, i) => i !== drop).join(',');
    return `${[header!, ...rows].map(cut).join('\n')}\n`;
  };
  const withoutPartnerAtAll = (policy: 'fail' | 'floors_only') =>
    configText((c) => {
      c.features = c.features.filter((f: { name: string }) => f.name !== 'partner');
      c.gate.on_unscorable_champion = policy;
    });

  test("cannot be scored when the data lacks a column it needs: 'fail' rejects, naming the column, and records the rejection", async () => {
    const champion = (await (await ModelRegistry.open(join(project, '.mlops/registry'))).champion())!.version;
    const { outcome, verdict } = await evaluateWith('no-partner-column-fail', withoutPartnerAtAll('fail'), withoutColumn('partner'));
    expect(outcome).toBeInstanceOf(GateRejectedError);
    expect(verdict.passed).toBe(false);
    expect(verdict.champion_version).toBe(champion);
    expect(verdict.summary).toBe(
      `Rejected: Champion ${champion} cannot be scored on this data: it needs the column "partner", which data/telco-churn.csv does not have. ` +
        "(gate.on_unscorable_champion is 'fail'; set it to 'floors_only' to accept the candidate on absolute bounds and the baseline alone).",
    );
    expect(logger.lines.some((line) => line.level === 'warn' && /cannot be scored on this data: it needs the column "partner"/.test(line.message))).toBe(true);
    const registry = await ModelRegistry.open(join(project, '.mlops/registry'));
    expect((await registry.experiments())[0]).toMatchObject({ status: 'rejected', champion_version: champion });
  });

  test("'floors_only' passes such a candidate on the absolute bounds and the baseline, says so, and registers it after the champion", async () => {
    const { ctx, outcome, verdict } = await evaluateWith('no-partner-column-floors', withoutPartnerAtAll('floors_only'));
    expect(outcome).toMatchObject({ passed: true });
    expect(verdict.champion_note).toMatch(/cannot be scored on this data: it needs the column "partner"/);
    expect(verdict.checks.filter((c) => c.rule === 'max_regression').every((c) => c.outcome === 'skipped')).toBe(true);
    expect(verdict.checks.some((c) => c.rule === 'baseline')).toBe(true);
    expect(await ctx.workspace.exists('championMetrics')).toBe(false);
    const before = (await (await ModelRegistry.open(join(project, '.mlops/registry'))).champion())!.version;
    const registered = await registerStep(ctx);
    expect(registered.version.version).not.toBe(before);
    const registry = await ModelRegistry.open(join(project, '.mlops/registry'));
    expect((await registry.champion())?.version).toBe(registered.version.version);
  });
});
