import { existsSync, readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { createProject, defaultConfigText, headCommit, readJson, repoRoot, runMlops, stackTraceLine, type CliRun } from '../helpers/project.js';

const telcoSha256 = 'a55b84ce116b3d67bdf35b57033da03f95c3295ddec4ae32a0e7ce3e187187d7';

/** The default config with some keys changed. */
function configWith(change: (config: Record<string, any>) => void): string {
  const config = parse(defaultConfigText()) as Record<string, any>;
  change(config);
  return stringify(config);
}

/** The first `rows` data rows of the default dataset. */
function telcoHead(rows: number): string {
  return readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n').slice(0, rows + 1).join('\n') + '\n';
}

function workspaces(project: string): string[] {
  const runs = join(project, '.mlops/runs');
  return readdirSync(runs).sort().map((name) => join(runs, name));
}

function expectCleanFailure(run: CliRun, code: number): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr).not.toMatch(stackTraceLine);
}

describe('mlops pipeline on the default dataset', () => {
  let project: string;
  let first: CliRun;
  let second: CliRun;

  beforeAll(async () => {
    project = createProject({ 'mlops.config.yaml': defaultConfigText(), 'data/telco-churn.csv': { copy: 'data/telco-churn.csv' }, '.gitignore': '.mlops/\n' }, { git: true });
    first = await runMlops(['pipeline'], { cwd: project });
    second = await runMlops(['pipeline'], { cwd: project });
  });

  test('registers 1.0.0 with a model card showing AUC ≥ 0.80, every contract slice, the data sha256 and the commit', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/version\s+1\.0\.0 \(champion\)/);
    const card = readJson<any>(join(project, 'model-cards/1.0.0.json'));
    const metrics: { type: string; value: string; slice?: string }[] = card.quantitative_analysis.performance_metrics;
    const overallAuc = metrics.find((m) => m.type === 'auc' && !m.slice);
    expect(Number(overallAuc?.value)).toBeGreaterThanOrEqual(0.8);
    for (const contract of ['Month-to-month', 'One year', 'Two year']) {
      expect(metrics.some((m) => m.type === 'auc' && m.slice === `contract=${contract}`)).toBe(true);
    }
    const markdown = readFileSync(join(project, 'model-cards/1.0.0.md'), 'utf8');
    expect(markdown).toContain(telcoSha256);
    expect(markdown).toContain(headCommit(project));
    expect(markdown).toMatch(/contract=Two year/);
  });

  test('writes a card that the Model Card Toolkit v0.0.2 schema accepts', () => {
    const schema = readJson<object>(join(repoRoot, 'src/cards/model-card.schema.v0.0.2.json'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const valid = validate(readJson(join(project, 'model-cards/1.0.0.json')));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('logs the backend, the rows read and every epoch', () => {
    expect(first.stderr).toMatch(/backend: (tensorflow|wasm|cpu)/);
    expect(first.stderr).toMatch(/Validated data\/telco-churn\.csv: 7043 of 7043 rows valid/);
    // The primary metric (auc) beside the loss: early stopping watches it.
    expect(first.stderr).toMatch(/^epoch 1\/\d+ loss \d\.\d{4} val_loss \d\.\d{4} val_auc \d\.\d{4}$/m);
  });

  test('a second clean run gives identical metrics and registers nothing new', () => {
    expect(second.code, second.stderr).toBe(0);
    const [a, b] = workspaces(project);
    expect(readJson(join(b!, 'metrics.json'))).toEqual(readJson(join(a!, 'metrics.json')));
    expect(readFileSync(join(b!, 'model/weights.bin'))).toEqual(readFileSync(join(a!, 'model/weights.bin')));
    expect(second.stdout).toMatch(/unchanged: same data, config, commit and weights as the champion/);
    expect(existsSync(join(project, 'model-cards/1.0.1.json'))).toBe(false);
  });

  test('records both runs as experiments and lists the version', async () => {
    const experiments = await runMlops(['experiments', '--json'], { cwd: project });
    const records = JSON.parse(experiments.stdout) as { status: string; data_sha256: string; commit: string; metrics: Record<string, number> }[];
    expect(records.map((r) => r.status)).toEqual(['unchanged', 'promoted']);
    expect(records[0]!.metrics).toEqual(records[1]!.metrics);
    expect(records.every((r) => r.data_sha256 === telcoSha256 && r.commit === headCommit(project))).toBe(true);
    const versions = await runMlops(['versions'], { cwd: project });
    expect(versions.stdout).toMatch(/1\.0\.0\s+champion/);
  });
});

describe('the steps one by one', () => {
  const smallConfig = configWith((c) => {
    c.model.max_epochs = 3;
    c.model.batch_size = 16;
    c.gate.overall.auc.min = 0.5;
  });

  test('validate, train, evaluate and register share a workspace and refuse stale inputs', async () => {
    const project = createProject({ 'mlops.config.yaml': smallConfig, 'data/telco-churn.csv': telcoHead(1500) });
    const work = ['--work-dir', 'work'];
    for (const step of ['validate', 'train', 'evaluate']) {
      const run = await runMlops([step, ...work], { cwd: project });
      expect(run.code, `${step}: ${run.stderr}`).toBe(0);
    }
    expect(readFileSync(join(project, 'work/gate.md'), 'utf8')).toMatch(/✅/);
    const register = await runMlops(['register', ...work], { cwd: project });
    expect(register.code, register.stderr).toBe(0);
    expect(register.stdout).toBe('registered: 1.0.0 (champion)\n');

    // The data changes after validation: training on it must be refused, not silently done.
    appendFileSync(join(project, 'data/telco-churn.csv'), telcoHead(1501).split('\n')[1501] + '\n');
    const stale = await runMlops(['train', ...work], { cwd: project });
    expectCleanFailure(stale, 5);
    expect(stale.stderr).toMatch(/changed since it was validated/);
  });

  test('train before validate says which command to run', async () => {
    const project = createProject({ 'mlops.config.yaml': smallConfig, 'data/telco-churn.csv': telcoHead(300) });
    const run = await runMlops(['train'], { cwd: project });
    expectCleanFailure(run, 5);
    expect(run.stderr).toMatch(/run `mlops validate` first/);
  });
});

describe('failures a user can fix', () => {
  test('a rejected candidate exits 4, explains itself and is recorded', async () => {
    const config = configWith((c) => {
      c.model.max_epochs = 2;
      c.model.batch_size = 16;
      c.gate.overall.auc.min = 0.99;
    });
    const project = createProject({ 'mlops.config.yaml': config, 'data/telco-churn.csv': telcoHead(1500) });
    const run = await runMlops(['pipeline'], { cwd: project });
    expectCleanFailure(run, 4);
    expect(run.stderr).toMatch(/Rejected: 1 of \d+ checks? failed — auc .* < min 0\.99/);
    const [workspace] = workspaces(project);
    expect(readFileSync(join(workspace!, 'gate.md'), 'utf8')).toMatch(/❌/);
    expect(readJson<{ passed: boolean }>(join(workspace!, 'gate.json')).passed).toBe(false);
    const experiments = JSON.parse((await runMlops(['experiments', '--json'], { cwd: project })).stdout) as { status: string }[];
    expect(experiments.map((e) => e.status)).toEqual(['rejected']);
    expect(existsSync(join(project, '.mlops/registry/versions'))).toBe(false);
  });

  test.each([
    ['text in a numeric column', 'damaged/text-in-numeric.csv', /line 42, column "tenure"/],
    ['an unclosed quote', 'damaged/unclosed-quote.csv', /line 80/],
    ['a binary file', 'damaged/binary-png.csv', /binary file/],
    ['a missing target column', 'damaged/missing-target-column.csv', /column "churn"/],
    ['an unseen label', 'damaged/unseen-label.csv', /line 77, column "churn".*Maybe/],
  ])('%s is refused with exit 3, its location and no stack trace', async (_name, fixture, location) => {
    const config = configWith((c) => {
      c.data.path = 'data.csv';
      c.data.ignore_columns = ['note'];
      c.validation.min_rows = 20;
    });
    const project = createProject({ 'mlops.config.yaml': config, 'data.csv': { copy: `tests/fixtures/data/${fixture}` } });
    const run = await runMlops(['validate'], { cwd: project });
    expectCleanFailure(run, 3);
    expect(run.stderr).toMatch(location);
  });

  test('--data checks another file against the configured schema', async () => {
    const project = createProject({ 'mlops.config.yaml': defaultConfigText(), 'data/telco-churn.csv': telcoHead(200), 'new.csv': { copy: 'tests/fixtures/data/damaged/nan.csv' } });
    writeFileSync(join(project, 'mlops.config.yaml'), configWith((c) => (c.data.ignore_columns = ['note'])));
    const run = await runMlops(['validate', '--data', 'new.csv'], { cwd: project });
    expectCleanFailure(run, 3);
    expect(run.stderr).toMatch(/new\.csv: line 10, column "monthly_charges"/);
  });

  test.each([
    ['an unknown key', (c: Record<string, any>) => (c.modle = {}), /unknown key 'modle'/],
    ['a wrong type', (c: Record<string, any>) => (c.split.test_fraction = 'a fifth'), /split\.test_fraction/],
    ['a slice that is not a column', (c: Record<string, any>) => (c.slices = ['region']), /slices\[0\]: 'region'/],
    ['a metric of another task', (c: Record<string, any>) => (c.gate.overall.rmse = { max: 1 }), /gate\.overall\.rmse: not a binary metric/],
  ])('a config with %s exits 2 and names the key', async (_name, change, message) => {
    const project = createProject({ 'mlops.config.yaml': configWith(change), 'data/telco-churn.csv': telcoHead(100) });
    const run = await runMlops(['validate'], { cwd: project });
    expectCleanFailure(run, 2);
    expect(run.stderr).toMatch(message);
  });

  test.each([
    [['pipelin'], /unknown command 'pipelin'/],
    [['validate', '--dta', 'x.csv'], /Unknown option '--dta'/],
    [['versions'], /Config file not found: mlops\.config\.yaml/],
  ])('mlops %j exits 2 with a usage message', async (args, message) => {
    const run = await runMlops(args, { cwd: createProject({}) });
    expectCleanFailure(run, 2);
    expect(run.stderr).toMatch(message);
  });
});
