import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { monitoringLabel } from '../../src/github/monitoring-issue.js';
import { eventFor, type EventRequest } from '../../src/gha/runner/event-for.js';
import { cacheVersion, writeCacheManifest } from '../../src/gha/actions/cache.js';
import { hashFiles } from '../../src/gha/runner/hash-files.js';
import { Simulation } from '../../src/gha/runner/simulation.js';
import { setVariable } from '../../src/gha/state/admin.js';
import { initSimulatedGitHub } from '../../src/gha/state/init.js';
import type { StoredRun } from '../../src/gha/state/schema.js';
import type { StateStore } from '../../src/gha/state/store.js';
import { loadWorkflow } from '../../src/gha/workflow/load.js';
import type { RunningServer } from '../../src/serving/server.js';
import { repoRoot } from '../helpers/project.js';
import { createServingProject, fixtureInstances, postPredict, removeServingProject, startTestServer, type ServingProject } from '../serving/fixture.js';

/**
 * monitor.yml end to end: the real workflow file, run by the local runner (npm run gha) against
 * the simulated GitHub, reads a registered model served on loopback. Drifted traffic opens the
 * issue labelled model-monitoring and dispatches retrain.yml with the monitor's reason; the next
 * hour updates the same issue; a healthy service closes it.
 *
 * The repository is this working tree with two differences: mlops.config.yaml retrains on drift
 * without a cool-down, and retrain.yml is a small stand-in with the real one's `reason` input
 * that runs the real `./actions/validate` with it (a whole retrain — sweep, release, image,
 * deploy — belongs to the lifecycle tier; tests/workflows checks that the real retrain.yml passes
 * `inputs.reason` to validate). The Actions cache starts warm with this checkout's node_modules
 * and dist (as after any earlier run on main), so the setup composite restores instead of
 * running `npm ci`; `npm run build` must have run (npm test does it).
 */

const retrainStandIn = `name: Retrain
on:
  workflow_dispatch:
    inputs:
      reason: { type: string, default: '' }
permissions: {}
jobs:
  validate:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - uses: ./.github/actions/setup
      - uses: ./actions/validate
        with:
          work-dir: \${{ runner.temp }}/mlops-work
          reason: \${{ inputs.reason }}
      - run: node -e 'console.log(JSON.stringify(require(process.argv[1]).trigger))' "$RUNNER_TEMP/mlops-work/run.json" >> "$GITHUB_STEP_SUMMARY"
`;

let serving: ServingProject;
let drifted: RunningServer;
let healthy: RunningServer;
let root: string;
let template: string;
let simulation: Simulation;

/** A warm Actions cache on main for the setup composite's two keys (.github/actions/setup/action.yml). */
async function seedSetupCache(store: StateStore, workspace: string): Promise<void> {
  const entries = [
    { path: 'node_modules', key: `mlops-node-modules-Linux-X64-node24-${hashFiles(workspace, ['package-lock.json'])}` },
    { path: 'dist', key: `mlops-dist-Linux-node24-${hashFiles(workspace, ['package-lock.json', 'tsconfig*.json', 'bin/**', 'src/**', 'bench/**'])}` },
  ];
  for (const entry of entries) {
    const id = store.nextId();
    const folder = join(store.paths.caches, String(id));
    mkdirSync(folder, { recursive: true });
    execFileSync('cp', ['-al', join(repoRoot, entry.path), join(folder, '0')]);
    // The stand-in checks after each job that no restored file changed in place: the manifest lists every file's size and mtime.
    await writeCacheManifest(folder, [entry.path]);
    store.state.caches.push({ id, key: entry.key, version: cacheVersion([entry.path]), ref: 'refs/heads/main', size: 0, created_at: new Date().toISOString() });
  }
}

/** Delivers an event to a workflow of the repository and waits for every run it starts; returns them. */
async function deliver(workflow: string, request: EventRequest): Promise<StoredRun[]> {
  const before = simulation.store.state.runs.length;
  const path = `.github/workflows/${workflow}`;
  const source = { label: 'the template', sha: null, read: (file: string) => Promise.resolve(readFileSync(join(template, file), 'utf8')) };
  const event = await eventFor(simulation, await loadWorkflow(path, await source.read(path)), request);
  await simulation.trigger(path, source, event, { inputs: {} });
  await simulation.idle();
  return simulation.store.state.runs.slice(before);
}

const issues = () => simulation.store.state.issues.filter((issue) => issue.labels.includes(monitoringLabel));
const jobLog = (run: StoredRun) => run.jobs.map((job) => (existsSync(job.log) ? readFileSync(job.log, 'utf8') : '')).join('\n');
const summary = (run: StoredRun) => run.jobs.map((job) => job.summary).join('\n');

beforeAll(async () => {
  serving = await createServingProject([42]);
  drifted = (await startTestServer(serving.registry)).server;
  healthy = (await startTestServer(serving.registry)).server;
  // Long-tenured, expensive customers: tenure and monthly_charges drift; the healthy service sees the population it was trained on.
  const instances = fixtureInstances(2000, 2000).map((row) => ({ ...row, tenure: 70, monthly_charges: 115 }));
  for (let start = 0; start < instances.length; start += 500) expect((await postPredict(drifted.url, { instances: instances.slice(start, start + 500) })).status).toBe(200);
  expect((await postPredict(healthy.url, { instances: fixtureInstances(1000, 2000) })).status).toBe(200);

  root = mkdtempSync(join(tmpdir(), 'gha-monitor-'));
  template = join(root, 'template');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(repoRoot, file))) continue;
    mkdirSync(dirname(join(template, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(template, file));
  }
  const config = parse(readFileSync(join(template, 'mlops.config.yaml'), 'utf8')) as Record<string, any>;
  config.monitoring = { ...config.monitoring, retrain_on: { drift: true, quality: true, cooldown_hours: 0 } };
  writeFileSync(join(template, 'mlops.config.yaml'), stringify(config));
  writeFileSync(join(template, '.github/workflows/retrain.yml'), retrainStandIn);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: template, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=Template', '-c', 'user.email=template@example.com', 'commit', '-qm', 'The repository');
  const stateDir = join(root, 'github');
  const store = await initSimulatedGitHub({ stateDir, repository: 'octo-org/churn-model', sourceDir: template, template: false });
  await seedSetupCache(store, template);
  await store.save();
  simulation = await Simulation.start({ stateDir, registry: false, print: () => undefined });
}, 300_000);

afterAll(async () => {
  await simulation?.close().catch(() => undefined);
  await drifted?.shutdown();
  await healthy?.shutdown();
  removeServingProject(serving);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.sequential('monitor.yml', { timeout: 300_000 }, () => {
  test('without MLOPS_SERVICE_URL it reads nothing and says so in the summary', async () => {
    const runs = await deliver('monitor.yml', { name: 'schedule' });
    expect(runs.map((r) => [r.workflow, r.conclusion])).toEqual([['.github/workflows/monitor.yml', 'success']]);
    expect(summary(runs[0]!)).toMatch(/Monitoring skipped[\s\S]*MLOPS_SERVICE_URL/);
    expect(issues()).toEqual([]);
  });

  let reason: string;

  test('drifted traffic opens the model-monitoring issue and dispatches retrain.yml with the reason, which validate records', async () => {
    await setVariable(simulation.store, 'MLOPS_SERVICE_URL', drifted.url);
    const runs = await deliver('monitor.yml', { name: 'schedule' });
    const [monitor, retrain] = runs;
    expect(runs.map((r) => [r.workflow, r.event, r.conclusion]), jobLog(monitor!)).toEqual([
      ['.github/workflows/monitor.yml', 'schedule', 'success'],
      ['.github/workflows/retrain.yml', 'workflow_dispatch', 'success'],
    ]);
    reason = String(retrain!.inputs.reason);
    expect(reason).toMatch(/^drift: .*tenure PSI \d\.\d+ > 0\.1/);
    expect(retrain!.actor).toBe('github-actions[bot]');
    expect(retrain!.ref).toBe('refs/heads/main');
    const [issue] = issues();
    expect(issues()).toHaveLength(1);
    expect(issue).toMatchObject({ state: 'open', title: 'Model monitoring: 1.0.0 crosses its thresholds', user: { login: 'github-actions[bot]' } });
    expect(issue!.body).toMatch(/- `drift: tenure: PSI \d\.\d+ > 0\.1/);
    expect(issue!.body).toContain(`Retrain: dispatched retrain.yml — ${reason}`);
    expect(summary(monitor!)).toContain(`Monitoring issue: #${issue!.number} (created)`);
    // The reason went through the workflow_dispatch input into validate's run record, not a shell.
    expect(summary(retrain!)).toContain(JSON.stringify({ reason, event: 'workflow_dispatch' }));
    // Least privilege: nothing the job did was refused.
    expect(simulation.store.state.audit.filter((a) => !a.allowed)).toEqual([]);
  });

  test('the next hour updates the same issue instead of opening another', async () => {
    const before = issues()[0]!;
    const lastRetrain = simulation.store.state.runs.filter((r) => r.workflow === '.github/workflows/retrain.yml').at(-1)!;
    const runs = await deliver('monitor.yml', { name: 'schedule' });
    expect(runs.map((r) => r.conclusion)).toEqual(['success', 'success']);
    // The cool-down counted from the retrain the previous hour dispatched (read from the runs API), later than the served version's training.
    expect(jobLog(runs[0]!)).toContain(`"last_retrain_at": "${new Date(lastRetrain.created_at).toISOString()}"`);
    expect(issues()).toHaveLength(1);
    expect(issues()[0]).toMatchObject({ number: before.number, state: 'open' });
    expect(summary(runs[0]!)).toContain(`Monitoring issue: #${before.number} (updated)`);
  });

  test('a healthy service closes the issue with a comment and dispatches nothing', async () => {
    await setVariable(simulation.store, 'MLOPS_SERVICE_URL', healthy.url);
    const runs = await deliver('monitor.yml', { name: 'workflow_dispatch' });
    expect(runs.map((r) => [r.workflow, r.conclusion]), jobLog(runs[0]!)).toEqual([['.github/workflows/monitor.yml', 'success']]);
    const [issue] = issues();
    expect(issue).toMatchObject({ state: 'closed' });
    const comments = simulation.store.state.comments.filter((c) => c.issue_number === issue!.number);
    expect(comments.map((c) => c.body)).toEqual([expect.stringContaining('No alerts')]);
    expect(summary(runs[0]!)).toContain(`Monitoring issue: #${issue!.number} (closed)`);
  });
});
