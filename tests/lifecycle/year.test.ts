import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { modelCheckMarker } from '../../src/github/pr-comment.js';
import { repoRoot } from '../helpers/project.js';
import { addComment, addFault, enablePages, forkRepository, openPullRequest, protectBranch, setVariable } from '../../src/gha/state/admin.js';
import { event, reportDir, resetReport, summaries, year } from './events.js';
import { Lifecycle, repository } from './harness.js';
import type { Memory } from './invariants.js';
import { writeReport } from './report.js';

/**
 * A year in the life of a repository made from this template, every event run through the real
 * workflow files by the local runner against the simulated GitHub, the invariants checked after
 * each (invariants.ts). The events follow one another: each test is one event.
 */

let life: Lifecycle;
const pwned = join(tmpdir(), `gha-pwned-${process.pid}`);
const memory: Memory = { tags: new Map(), production: false, hostile: [], markers: [`${pwned}-branch`, `${pwned}-title`, `${pwned}-body`] };
const data = (rows: number) => ({ 'data/telco-churn.csv': life.dataRows(rows) });
const image = (version: string) => `ghcr.io/${repository}:${version}`;

let yearStarted = 0;
let startLoad = 0;

beforeAll(async () => {
  yearStarted = Date.now();
  startLoad = loadavg()[0]!;
  resetReport();
  execFileSync('bash', [join(repoRoot, 'scripts', 'container', 'build-base-image.sh')], { stdio: 'ignore' });
  life = await Lifecycle.create();
});
afterAll(async () => {
  await life?.dispose();
  // Written also when an event failed: the times and states up to the failure.
  console.log(`${writeReport(reportDir, year, Date.now() - yearStarted, startLoad)}\n(the state after each event: ${join(reportDir, 'report.md')})`);
});

describe.sequential('a year of events', () => {
  test('the repository is created from the template: its first push trains, releases and deploys nothing', async () => {
    const { runs } = await event(life, memory, 'created from the template', () => life.deliver('retrain.yml', { name: 'push' }));
    expect(runs.map((r) => r.conclusion)).toEqual(['success']);
    expect(runs[0]!.jobs.find((j) => j.name === 'Plan')!.summary).toMatch(/Nothing trained on the repository's first push/);
    expect(runs[0]!.jobs.filter((j) => j.conclusion === 'success').map((j) => j.name)).toEqual(['Plan']);
    expect((await life.summary()).tags).toEqual([]);
  });

  test('the first data push releases v1.0.0 and publishes Pages; a GitHub-hosted runner is not production', async () => {
    await life.admin(async (store) => {
      await enablePages(store);
      await setVariable(store, 'MLOPS_PAGES', 'true');
    });
    life.commitAndPush(data(5000), 'Our data');
    const { runs } = await event(life, memory, 'first data push', () => life.deliver('retrain.yml', { name: 'push' }));
    expect(runs[0]!.conclusion).toBe('success');
    const summary = await life.summary();
    expect(summary.releases).toEqual([expect.objectContaining({ tag: 'v1.0.0', latest: true, draft: false })]);
    expect(summary.images).toEqual([image('1.0.0')]);
    expect(summaries(runs[0]!)).toMatch(/not deployed[\s\S]*No production target is configured/);
    expect(summary.deployments.filter((d: { automatic: boolean }) => !d.automatic)).toEqual([]);
    expect(summary.pages).toEqual([expect.objectContaining({ run: runs[0]!.id })]);
  });

  test('a pull request from the repository gets one comment, updated in place; a person quoting the marker is left alone', async () => {
    const head = life.commitAndPush(data(5500), 'More customers', 'more-data');
    await life.admin(async (store) => {
      await openPullRequest(store, { head: 'more-data', title: 'More customers', author: 'maintainer' });
      await addComment(store, 1, 'reviewer', `${modelCheckMarker}\nQuoting the bot: is this right?`);
    });
    await event(life, memory, 'pull request opened', () => life.deliver('model-check.yml', { name: 'pull_request', pr: 1 }));
    life.git('checkout', '-q', 'more-data');
    writeFileSync(join(life.clone, 'data/telco-churn.csv'), life.dataRows(5600));
    life.git('commit', '-qam', 'And a few more');
    life.git('push', '-q', 'origin', 'more-data');
    const { runs } = await event(life, memory, 'pull request updated', () => life.deliver('model-check.yml', { name: 'pull_request', pr: 1 }));
    expect(runs.map((r) => [r.workflow, r.conclusion])).toEqual([
      ['.github/workflows/model-check.yml', 'success'],
      ['.github/workflows/model-check-comment.yml', 'success'],
    ]);
    const comments = (await life.state()).comments.filter((c) => c.issue_number === 1);
    expect(comments.map((c) => c.user.login)).toEqual(['reviewer', 'github-actions[bot]']);
    expect(comments[0]!.body).toContain('Quoting the bot');
    expect(comments[1]!.body).toContain(life.git('rev-parse', 'more-data').slice(0, 12));
    expect(head).not.toBe(life.git('rev-parse', 'more-data'));
  });

  test('a pull request from a fork runs read-only, is commented by the workflow_run poster, and its text never reaches a shell', async () => {
    const branch = `pwn-$(touch${'${IFS}'}${pwned}-branch)`;
    const title = `Better "; touch ${pwned}-title; echo " data`;
    memory.hostile.push(branch, title, `touch ${pwned}`);
    let fork = '';
    await life.admin(async (store) => (fork = await forkRepository(store, 'mallory')));
    life.git('checkout', '-q', '-B', 'fork-work', 'origin/main');
    writeFileSync(join(life.clone, 'data/telco-churn.csv'), life.dataRows(4800));
    life.git('commit', '-qam', 'Fewer rows `touch ' + `${pwned}-body\``);
    life.git('push', '-q', fork, `HEAD:refs/heads/${branch}`);
    await life.admin((store) => openPullRequest(store, { head: `mallory:${branch}`, title, body: `$(touch ${pwned}-body)`, author: 'mallory' }));
    const { runs } = await event(life, memory, 'pull request from a fork', () => life.deliver('model-check.yml', { name: 'pull_request', pr: 2 }));
    // The check's result is the gate's verdict on the fork's (smaller) data; either way the
    // workflow_run poster comments it with its own write token.
    expect(runs.map((r) => r.workflow)).toEqual(['.github/workflows/model-check.yml', '.github/workflows/model-check-comment.yml']);
    expect(runs[1]!.conclusion).toBe('success');
    expect(Object.values(runs[0]!.jobs[0]!.permissions)).not.toContain('write');
    const comments = (await life.state()).comments.filter((c) => c.issue_number === 2);
    expect(comments.map((c) => c.user.login)).toEqual(['github-actions[bot]']);
    expect(comments[0]!.body).toMatch(runs[0]!.conclusion === 'success' ? /: passed\n/ : /: rejected\n[\s\S]*\*\*Rejected: /);
  });

  test('production is the self-hosted runner: deploying v1.0.0 there makes it serve', async () => {
    await life.admin((store) => setVariable(store, 'MLOPS_DEPLOY_RUNNER', 'self-hosted'));
    memory.production = true;
    const { runs } = await event(life, memory, 'production configured, v1.0.0 deployed', () => life.deliver('deploy.yml', { name: 'workflow_dispatch' }, { version: 'v1.0.0' }));
    expect(runs[0]!.conclusion).toBe('success');
    expect(runs[0]!.jobs[0]!.runner).toBe('self-hosted');
    expect(await life.servingVersion()).toBe('1.0.0');
  });

  let weekly = 0;
  test('the weekly schedule with nothing changed: no tag, no release, no image, no deploy, and a summary that says so', async () => {
    const before = await life.summary();
    const { runs } = await event(life, memory, 'weekly schedule, nothing changed', () => life.deliver('retrain.yml', { name: 'schedule' }));
    weekly = runs[0]!.id;
    expect(runs[0]!.conclusion).toBe('success');
    expect(summaries(runs[0]!)).toMatch(/Nothing new/);
    const after = await life.summary();
    for (const key of ['tags', 'releases', 'images', 'deployments']) expect(after[key], key).toEqual(before[key]);
  });

  test('"re-run all jobs" of that run uploads its artifacts again without a name collision', async () => {
    const { runs } = await event(life, memory, 're-run all jobs', () => life.rerun(weekly, false));
    expect(runs).toEqual([]);
    const run = (await life.state()).runs.find((r) => r.id === weekly)!;
    expect(run).toMatchObject({ run_attempt: 2, conclusion: 'success' });
  });

  test('new data with a failure at each stage: every re-run repairs, without a duplicate tag or a hollow latest release', async () => {
    await life.admin(async (store) => {
      for (const [kind, match] of [['artifact-upload', 'candidate-wider'], ['release-asset-upload', 'weights.bin'], ['registry-push', ''], ['deploy-check', ':1.1.0']]) await addFault(store, kind!, 1, match!);
    });
    life.commitAndPush(data(6000), 'Data until June');
    const first = await event(life, memory, 'data push: artifact upload and asset upload fail', () => life.deliver('retrain.yml', { name: 'push' }));
    const id = first.runs[0]!.id;
    expect(first.runs[0]!.conclusion).toBe('failure');
    let summary = await life.summary();
    expect(summary.releases.find((r: { tag: string }) => r.tag === 'v1.1.0')).toMatchObject({ draft: true, latest: false });
    await event(life, memory, 're-run: the release is finished, the image push fails', () => life.rerun(id, true));
    summary = await life.summary();
    expect(summary.releases.find((r: { tag: string }) => r.tag === 'v1.1.0')).toMatchObject({ draft: false, latest: false });
    expect(summary.images).not.toContain(image('1.1.0'));
    await event(life, memory, 're-run: the image is pushed, the post-deploy check fails and 1.0.0 is restored', () => life.rerun(id, true));
    summary = await life.summary();
    expect(summary.images).toContain(image('1.1.0'));
    expect(await life.servingVersion()).toBe('1.0.0');
    await event(life, memory, 're-run: 1.1.0 deployed and latest', () => life.rerun(id, true));
    const run = (await life.state()).runs.find((r) => r.id === id)!;
    expect(run).toMatchObject({ conclusion: 'success', run_attempt: 4 });
    expect(await life.servingVersion()).toBe('1.1.0');
    expect((await life.summary()).tags.map((t: { name: string }) => t.name)).toEqual(['v1.0.0', 'v1.1.0']);
  });

  test('a rollback dispatch to an older tag serves it and makes it the champion', async () => {
    const { runs } = await event(life, memory, 'rollback to v1.0.0', () => life.deliver('deploy.yml', { name: 'workflow_dispatch' }, { version: 'v1.0.0' }));
    expect(runs[0]!.conclusion).toBe('success');
    expect(await life.servingVersion()).toBe('1.0.0');
  });

  test('the next data push after the rollback gets a version never used before, even with a crashing sweep leg', async () => {
    await life.admin((store) => addFault(store, 'runner-crash', 1, 'Train wider'));
    life.commitAndPush(data(6500), 'Data until July');
    const { runs } = await event(life, memory, 'data push after rollback, a leg crashes', () => life.deliver('retrain.yml', { name: 'push' }));
    expect(runs[0]!.jobs.find((j) => j.name === 'Train wider')!.conclusion).toBe('failure');
    expect(runs[0]!.jobs.find((j) => j.name === 'Release')!.conclusion).toBe('success');
    expect((await life.summary()).tags.map((t: { name: string }) => t.name)).toEqual(['v1.0.0', 'v1.1.0', 'v1.2.0']);
    expect(await life.servingVersion()).toBe('1.2.0');
  });

  test('training legs on a self-hosted runner (another workspace path) register on a hosted one', async () => {
    life.commitAndPush(data(6800), 'Data until August [skip ci]');
    const skipped = await life.deliver('retrain.yml', { name: 'push' });
    expect(skipped).toMatch(/asks to skip workflows/);
    const { runs } = await event(life, memory, 'retrain dispatched on the self-hosted runner', () => life.deliver('retrain.yml', { name: 'workflow_dispatch' }, { 'runs-on': 'self-hosted' }));
    expect(runs[0]!.conclusion).toBe('success');
    expect(runs[0]!.jobs.filter((j) => j.name.startsWith('Train')).map((j) => j.runner)).toEqual(['self-hosted', 'self-hosted', 'self-hosted']);
    expect(await life.servingVersion()).toBe('1.3.0');
  });

  test('a protected main: the card goes to its own branch with the release, and the summary says to merge it', async () => {
    await life.admin((store) => protectBranch(store, 'main'));
    life.commitAndPush(data(7043), 'All the data');
    const { runs } = await event(life, memory, 'data push to a protected main', () => life.deliver('retrain.yml', { name: 'push' }));
    expect(runs[0]!.conclusion).toBe('success');
    expect(summaries(runs[0]!)).toMatch(/protected[\s\S]*model-cards\/v1\.4\.0/);
    expect(await life.servingVersion()).toBe('1.4.0');
    life.git('fetch', '-q', 'origin');
    life.git('checkout', '-q', 'main');
    life.git('reset', '-q', '--hard', 'origin/main');
    life.git('merge', '-q', '--no-edit', 'origin/model-cards/v1.4.0');
    life.git('push', '-q', 'origin', 'main');
    expect(existsSync(join(life.clone, 'model-cards', '1.4.0.md'))).toBe(true);
  });

  test('a retrain and a rollback dispatched together: both run to the end, neither is cancelled', async () => {
    life.commitAndPush({ 'data/telco-churn.csv': life.dataRows(7043).split('\n').filter((_, i) => i === 0 || i > 200).join('\n') }, 'Data without the oldest customers');
    const { runs } = await event(life, memory, 'retrain and rollback together', () =>
      life.together([
        { workflow: 'retrain.yml', request: { name: 'push' } },
        { workflow: 'deploy.yml', request: { name: 'workflow_dispatch' }, inputs: { version: 'v1.2.0' } },
      ]),
    );
    // Both start at once, so either run may be created first.
    expect(Object.fromEntries(runs.map((r) => [r.workflow, r.conclusion]))).toEqual({
      '.github/workflows/retrain.yml': 'success',
      '.github/workflows/deploy.yml': 'success',
    });
    expect(runs).toHaveLength(2);
    const retrain = runs.find((r) => r.workflow === '.github/workflows/retrain.yml')!;
    const deployJob = retrain.jobs.find((j) => j.name === 'Deploy / deploy')!;
    expect(deployJob.conclusion).toBe('success');
    // Either the retrain deployed v1.5.0 after the rollback (it had chosen the rolled-back champion),
    // or it says why it did not: nothing happened silently.
    const serving = await life.servingVersion();
    if (serving !== '1.5.0') expect(deployJob.summary).toMatch(/Production changed while this run was under way/);
    expect((await life.state()).runs.filter((r) => r.conclusion === 'cancelled')).toEqual([]);
  });
});
