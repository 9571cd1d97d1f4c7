import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/project.js';
import { loadWorkflow } from '../../src/gha/workflow/load.js';
import { actionlint, newerThanActionlint, securityProblems, wiringProblems, workflowParserProblems, type ActionSpec } from './workflow-rules.js';

const workflowsDir = join(repoRoot, '.github/workflows');
// Every workflow present, including pages.yml when the dashboard work adds it.
const workflowFiles = readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name)).sort();
const read = (name: string) => readFileSync(join(workflowsDir, name), 'utf8');
const workflow = (name: string) => parse(read(name)) as any;

test('the expected workflows exist', () => {
  for (const name of ['ci.yml', 'model-check.yml', 'model-check-comment.yml', 'retrain.yml', 'deploy.yml', 'monitor.yml']) expect(workflowFiles).toContain(name);
});

describe.each(workflowFiles)('%s', (name) => {
  test('passes actionlint', async () => {
    expect((await actionlint(read(name), name)).filter((result) => !newerThanActionlint(result.message))).toEqual([]);
  });
  test("passes GitHub's own workflow parser (@actions/workflow-parser): schema, expressions, contexts", async () => {
    expect(await workflowParserProblems(read(name), `.github/workflows/${name}`)).toEqual([]);
  });
  test('uses only what the local runner (npm run gha) implements', async () => {
    await expect(loadWorkflow(`.github/workflows/${name}`, read(name))).resolves.toMatchObject({ path: `.github/workflows/${name}` });
  });
  test('matches the inputs and outputs of the local actions it uses', () => {
    expect(wiringProblems(read(name), repoRoot)).toEqual([]);
  });
  test('follows the security rules: pinned actions, env instead of expressions in run, permissions, no pull_request_target', () => {
    expect(securityProblems(read(name))).toEqual([]);
  });
});

describe('the checks catch broken workflows', () => {
  const spec: ActionSpec = { inputs: { 'work-dir': {}, version: { required: true } }, outputs: { passed: {} } };
  const resolve = (name: string) => (name === 'actions/gate' ? spec : null);
  const job = (steps: string) => `on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n${steps}`;
  test.each([
    ['an unknown input', job('      - uses: ./actions/gate\n        with: { version: v1.0.0, wrok-dir: x }\n'), /no input 'wrok-dir'/],
    ['a missing required input', job('      - uses: ./actions/gate\n'), /required input 'version'/],
    ['an unknown output', job("      - id: g\n        uses: ./actions/gate\n        with: { version: v1.0.0 }\n      - if: steps.g.outputs.pased == 'true'\n        run: echo ok\n"), /no output 'pased'/],
    ['a reference to a missing step', job("      - if: steps.nope.outputs.passed == 'true'\n        run: echo ok\n"), /no step with id nope/],
    ['an action folder that does not exist', job('      - uses: ./actions/missing\n'), /has no action.yml/],
  ])('wiring: %s', (_what, text, problem) => {
    expect(wiringProblems(text, repoRoot, resolve, () => null).join('\n')).toMatch(problem);
  });

  test.each([
    ['pull_request_target', 'on: pull_request_target\npermissions: {}\njobs: {}\n', /pull_request_target/],
    ['an expression in run', job('      - run: echo "${{ github.event.pull_request.title }}"\n'), /expression inside run/],
    ['an inputs expression in run', job('      - run: deploy ${{ inputs.version }}\n'), /expression inside run/],
    ['a tag instead of a SHA', job('      - uses: actions/checkout@v4\n'), /not pinned/],
    ['a short SHA', job('      - uses: actions/checkout@11bd719\n'), /not pinned/],
    ['a SHA without its version', job('      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n'), /no version comment/],
    ['no permissions anywhere', 'on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n', /no permissions/],
  ])('security: %s', (_what, text, problem) => {
    expect(securityProblems(text).join('\n')).toMatch(problem);
  });

  test.each([
    ['an unknown key', 'on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    stpes: []\n', /stpes/],
    ['an unknown context', 'on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - if: secret.X\n        run: echo\n', /secret/],
    ['a bad cron', "on:\n  schedule:\n    - cron: '99 * * * *'\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n", /cron/i],
  ])("GitHub's parser reports %s", async (_what, text, problem) => {
    expect((await workflowParserProblems(text, 'bad.yml')).join('\n')).toMatch(problem);
  });

  test('actionlint itself reports an untrusted expression in a script', async () => {
    const results = await actionlint(job('      - run: echo "${{ github.event.pull_request.title }}"\n'), 'bad.yml');
    expect(results.map((r) => r.message).join('\n')).toMatch(/potentially untrusted/);
  });
});

describe('the workflows do what the issue asks', () => {
  test('model-check runs on pull_request with paths for data, config and model code, read-only', () => {
    const wf = workflow('model-check.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.on.pull_request.paths).toEqual(expect.arrayContaining(['data/**', 'mlops.config.yaml', 'src/**', 'package.json', 'package-lock.json']));
    expect(wf.permissions).toEqual({ contents: 'read' });
    const steps = wf.jobs.check.steps.map((s: any) => s.uses).filter(Boolean);
    expect(steps).toEqual(expect.arrayContaining(['./actions/validate', './actions/train', './actions/evaluate-gate']));
  });

  test('model-check-comment posts from workflow_run with only the permissions it needs', () => {
    const wf = workflow('model-check-comment.yml');
    expect(wf.on).toEqual({ workflow_run: { workflows: ['Model check'], types: ['completed'] } });
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.comment.permissions).toEqual({ actions: 'read', contents: 'read', 'pull-requests': 'write' });
    const download = wf.jobs.comment.steps.find((s: any) => String(s.uses).startsWith('actions/download-artifact@'));
    expect(download.with['run-id']).toBe('${{ github.event.workflow_run.id }}');
  });

  test('retrain: schedule, dispatch with runs-on, push on data/config, one at a time, a sweep matrix, deploy chained', () => {
    const wf = workflow('retrain.yml');
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(wf.on.workflow_dispatch.inputs['runs-on'].default).toBe('ubuntu-latest');
    expect(wf.on.push).toEqual({ branches: ['main'], paths: ['data/**', 'mlops.config.yaml'] });
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
    expect(wf.jobs.train['runs-on']).toContain('inputs.runs-on');
    // The matrix is sweep.candidates of the config, listed by the CLI that `mlops sweep` runs: one list for both.
    expect(wf.jobs.train.needs).toEqual(['plan', 'candidates']);
    expect(wf.jobs.train.strategy.matrix.candidate).toBe('${{ fromJSON(needs.candidates.outputs.matrix) }}');
    expect(wf.jobs.candidates.outputs.matrix).toBe('${{ steps.list.outputs.matrix }}');
    expect(wf.jobs.candidates.steps.find((s: any) => s.id === 'list').run).toBe('echo "matrix=$(node bin/mlops.js sweep --list --json)" >> "$GITHUB_OUTPUT"');
    expect(wf.jobs.candidates.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.release.permissions).toEqual({ contents: 'write', 'packages': 'write' });
    expect(wf.jobs.deploy.uses).toBe('./.github/workflows/deploy.yml');
    expect(wf.permissions).toEqual({});
  });

  test('retrain: the dispatch reason (what monitor.yml sends) reaches validate as an input, never a shell line', () => {
    const wf = workflow('retrain.yml');
    expect(wf.on.workflow_dispatch.inputs.reason.type).toBe('string');
    const validate = wf.jobs.train.steps.find((s: any) => s.uses === './actions/validate');
    expect(validate.with.reason).toBe('${{ inputs.reason }}');
  });

  test('monitor: hourly and by hand, least privilege, the service URL through env, the GitHub part in the CLI', () => {
    const wf = workflow('monitor.yml');
    expect(Object.keys(wf.on)).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.on.schedule[0].cron).toMatch(/^\d+ \* \* \* \*$/);
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.monitor.permissions).toEqual({ contents: 'read', issues: 'write', actions: 'write' });
    const last = wf.jobs.monitor.steps.at(-1);
    expect(last.env).toEqual({ SERVICE_URL: '${{ vars.MLOPS_SERVICE_URL }}', GITHUB_TOKEN: '${{ github.token }}' });
    expect(last.run).toBe('node bin/mlops.js monitor --url "$SERVICE_URL" --json --retrain-decision --github');
  });

  test('deploy: dispatch with a version and workflow_call; the tag is checked first, through env', () => {
    const wf = workflow('deploy.yml');
    expect(wf.on.workflow_dispatch.inputs.version.required).toBe(true);
    expect(wf.on.workflow_call.inputs.version.required).toBe(true);
    const first = wf.jobs.deploy.steps[0];
    expect(first.env.VERSION).toBe('${{ inputs.version }}');
    expect(first.run).toContain('"$VERSION"');
    expect(wf.jobs.deploy.permissions).toEqual({ contents: 'write', deployments: 'write', packages: 'read' });
  });

  test('the tag check in deploy.yml accepts exactly what parseReleaseTag accepts', async () => {
    const { parseReleaseTag } = await import('../../src/registry/semver.js');
    const pattern = /grep -Eq '([^']+)'/.exec(workflow('deploy.yml').jobs.deploy.steps[0].run)![1]!;
    const shell = new RegExp(pattern);
    for (const tag of ['v1.2.3', '1.2.3', 'v0.0.0', 'v01.2.3', 'v1.2', 'v1.2.3-rc1', 'v1.2.3; id', '', 'v999999999.0.0', 'v1000000000.0.0']) {
      let valid = true;
      try {
        parseReleaseTag(tag);
      } catch {
        valid = false;
      }
      expect(shell.test(tag), tag).toBe(valid);
    }
  });

  test('every action a workflow uses is one of ours or pinned; the local ones exist', () => {
    for (const name of workflowFiles) {
      for (const [, ref] of read(name).matchAll(/uses:\s*\.\/(actions\/[a-z-]+)/g)) expect(existsSync(join(repoRoot, ref!, 'action.yml')), `${name}: ${ref}`).toBe(true);
    }
  });
});
