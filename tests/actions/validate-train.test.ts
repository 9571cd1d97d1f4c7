import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { createProject, repoRoot, stackTraceLine } from '../helpers/project.js';
import { parseOutputFile, runActionEntry, telcoRows, testConfig, type ActionRun } from './harness.js';

/** validate and train, run as the runner runs them, on real data and on damaged data. */

/** `::error file=…,line=…::message` workflow commands in a log, with their properties. */
function errorAnnotations(log: string): Record<string, string>[] {
  return [...log.matchAll(/^::error ([^:]*)::(.*)$/gm)].map((match) => {
    const properties: Record<string, string> = { message: match[2]! };
    for (const pair of match[1]!.split(',')) properties[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
    return properties;
  });
}

describe('actions/validate and actions/train on good data', () => {
  let project: string;
  let validate: ActionRun;
  let train: ActionRun;
  beforeAll(async () => {
    project = createProject({ 'mlops.config.yaml': testConfig(), 'data/telco.csv': telcoRows(600) });
    validate = await runActionEntry('validate', { cwd: project, inputs: { 'work-dir': 'work' } });
    train = await runActionEntry('train', { cwd: project, inputs: { 'work-dir': 'work' } });
  });

  test('validate passes and sets its outputs from the real file', () => {
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const sha = createHash('sha256').update(readFileSync(join(project, 'data/telco.csv'))).digest('hex');
    expect(validate.outputs).toMatchObject({ passed: 'true', rows: '600', 'data-sha256': sha, 'profile-path': join(project, 'work/profile.json') });
    expect(existsSync(validate.outputs['profile-path']!)).toBe(true);
    expect(validate.summary).toContain('Data validation: passed');
    expect(validate.summary).toContain(sha);
  });

  test('train trains and reports backend, epochs and the model folder', () => {
    expect(train.code, train.stdout + train.stderr).toBe(0);
    expect(train.outputs.backend).toBe('cpu');
    expect(Number(train.outputs.epochs)).toBeGreaterThanOrEqual(1);
    expect(Number(train.outputs.epochs)).toBeLessThanOrEqual(12);
    for (const name of ['model.json', 'weights.bin', 'preprocessing.json']) expect(existsSync(join(train.outputs['model-dir']!, name))).toBe(true);
    expect(train.summary).toMatch(/Training finished[\s\S]*\| Backend \| cpu/);
  });
});

describe('actions/validate on damaged data', () => {
  let project: string;
  beforeAll(() => {
    project = createProject({
      'mlops.config.yaml': testConfig(),
      'data/telco.csv': telcoRows(200),
      'incoming/text-in-numeric.csv': { copy: 'tests/fixtures/data/damaged/text-in-numeric.csv' },
      'incoming/unseen-label.csv': { copy: 'tests/fixtures/data/damaged/unseen-label.csv' },
      'incoming/ragged-short.csv': { copy: 'tests/fixtures/data/damaged/ragged-short.csv' },
    });
  });

  test.each([
    ['text-in-numeric.csv', [42, 60]],
    ['unseen-label.csv', [77]],
    ['ragged-short.csv', [20]],
  ])('%s fails with an ::error annotation on each bad line', async (file, lines) => {
    const run = await runActionEntry('validate', { cwd: project, inputs: { 'work-dir': `work-${file}`, data: `incoming/${file}` } });
    expect(run.code).toBe(3);
    const located = errorAnnotations(run.stdout).filter((a) => a.file === `incoming/${file}`);
    expect(located.map((a) => a.line)).toEqual(lines.map(String));
    expect(run.stdout).toMatch(/^::error::.*failed validation|^::error::.*rejected/m);
    expect(run.stdout + run.stderr).not.toMatch(stackTraceLine);
    expect(run.outputs.passed).toBe('false');
    expect(run.summary).toContain('Data validation: failed');
  });

  test('train refuses a work dir whose validation failed; evaluate-gate still writes a comment saying why', async () => {
    await runActionEntry('validate', { cwd: project, inputs: { 'work-dir': 'work-bad', data: 'incoming/text-in-numeric.csv' } });
    const run = await runActionEntry('train', { cwd: project, inputs: { 'work-dir': 'work-bad' } });
    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(/^::error::.*validat/m);
    const gate = await runActionEntry('evaluate-gate', { cwd: project, inputs: { 'work-dir': 'work-bad', champion: 'registry', 'comment-file': 'comment/body.md' } });
    expect(gate.code).toBe(3);
    expect(gate.outputs.passed).toBe('false');
    const body = readFileSync(join(project, 'comment/body.md'), 'utf8');
    expect(body).toMatch(/❌ Model check.*: not evaluated/);
    expect(body).toMatch(/\| ❌ error \| 42 \| tenure \|/);
    expect(gate.summary).toBe(body);
  });
});

describe('inputs are read once through the schema', () => {
  test.each([
    ['validate', { 'config-overrides': '{"model.learning_rate": "fast"}' }, /config-overrides/],
    ['validate', { 'config-overrides': '{"split.seed": 1}' }, /only keys under model\./],
    ['validate', { 'config-overrides': 'not json' }, /not valid JSON/],
    ['evaluate-gate', { comment: 'yes' }, /input 'comment'.*'true' or 'false'/],
    ['deploy', { version: 'v1.2' }, /input 'version'.*Invalid release tag/],
    ['deploy', { version: 'v1.2.3; curl evil' }, /Invalid release tag/],
    ['deploy', { version: '../../etc/passwd' }, /Invalid release tag/],
  ])('%s refuses %j cleanly (exit 2, no stack)', async (action, inputs, message) => {
    const project = createProject({ 'mlops.config.yaml': testConfig(), 'data/telco.csv': telcoRows(100) });
    const run = await runActionEntry(action, { cwd: project, inputs });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(message);
    expect(run.stdout + run.stderr).not.toMatch(stackTraceLine);
  });

  test('a sweep candidate\'s overrides are recorded and used by train', async () => {
    const project = createProject({ 'mlops.config.yaml': testConfig(), 'data/telco.csv': telcoRows(300) });
    const overrides = '{"model.hidden_units": [4], "model.max_epochs": 2}';
    const validate = await runActionEntry('validate', { cwd: project, inputs: { 'work-dir': 'w', 'config-overrides': overrides } });
    expect(validate.code, validate.stdout).toBe(0);
    expect(JSON.parse(readFileSync(join(project, 'w/config-overrides.json'), 'utf8'))).toEqual({ 'model.hidden_units': [4], 'model.max_epochs': 2 });
    const train = await runActionEntry('train', { cwd: project, inputs: { 'work-dir': 'w' } });
    expect(train.code, train.stdout).toBe(0);
    expect(Number(train.outputs.epochs)).toBeLessThanOrEqual(2);
    const training = JSON.parse(readFileSync(join(project, 'w/training.json'), 'utf8'));
    expect(training.architecture).toMatch(/\b4\b/);
  });
});

describe('a step run out of order', () => {
  test('names the action to run and the input to keep, in action terms; the default work-dir is .mlops/work beside the config', async () => {
    const project = createProject({ 'sub/mlops.config.yaml': testConfig((c) => (c.data.path = '../data/telco.csv')), 'data/telco.csv': telcoRows(100) });
    const run = await runActionEntry('train', { cwd: project, inputs: { config: 'sub/mlops.config.yaml' } });
    expect(run.code).toBe(5);
    expect(run.stdout).toContain(`::error::${join(project, 'sub/.mlops/work/run.json')} is missing: run actions/validate first (with the same input 'work-dir').`);
    expect(run.stdout).not.toMatch(/--work-dir|mlops validate/);
  });
});

describe('the output file parser', () => {
  test('reads heredoc blocks as @actions/core writes them and plain name=value lines', () => {
    const text = 'a<<ghadelimiter_1\nline one\nline two\nghadelimiter_1\nb=plain\nc<<EOF\n\nEOF\n';
    expect(parseOutputFile(text)).toEqual({ a: 'line one\nline two', b: 'plain', c: '' });
    expect(() => parseOutputFile('a<<X\nnever closed\n')).toThrow(/never closes/);
  });
});

test('the harness runs the compiled entries', () => {
  expect(existsSync(join(repoRoot, 'dist/src/actions/validate.js'))).toBe(true);
});
