import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGitHubClient, parseRepository, type GitHubClient } from '../../src/github/client.js';
import { createGitHubDeploymentRecorder, listEnvironmentDeployments } from '../../src/github/deployments.js';
import { findMarkedComment, markedCommentBody, maxCommentLength, modelCheckMarker, upsertPullRequestComment } from '../../src/github/pr-comment.js';
import { downloadReleaseAsset, getChampionRelease, getReleaseByTag, markReleaseLatest, publishModelRelease, releaseTag } from '../../src/github/releases.js';
import { startGitHubSimulator, type RunningSimulator } from './simulator.js';

const repository = { owner: 'octo-org', repo: 'churn-model' };
let sim: RunningSimulator;
let client: GitHubClient;

beforeAll(async () => {
  sim = await startGitHubSimulator();
  for (const number of [7, 8]) sim.addPull(number, 'a'.repeat(40));
  client = createGitHubClient('test-token', { GITHUB_API_URL: sim.url });
});
afterAll(async () => {
  await sim?.close();
});

describe('parseRepository', () => {
  test.each([
    ['octo-org/churn-model', { owner: 'octo-org', repo: 'churn-model' }],
    ['a/b.c_d-e', { owner: 'a', repo: 'b.c_d-e' }],
  ])('accepts %s', (text, expected) => {
    expect(parseRepository(text)).toEqual(expected);
  });
  test.each([undefined, '', 'no-slash', 'a/b/c', 'owner/re po', '-owner/repo', 'owner/$(id)'])('refuses %s', (text) => {
    expect(() => parseRepository(text)).toThrow(/Invalid repository/);
  });
});

describe('the model-check comment', () => {
  test('is created once and then updated in place, never duplicated', async () => {
    const first = await upsertPullRequestComment(client, repository, 7, 'first result');
    const second = await upsertPullRequestComment(client, repository, 7, 'second result');
    expect(first.action).toBe('created');
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    const onPr = sim.state.comments.filter((c) => c.issue_number === 7);
    expect(onPr).toHaveLength(1);
    expect(onPr[0]!.body).toBe(`${modelCheckMarker}\nsecond result`);
  });

  test('is found on a later page of a busy pull request', async () => {
    const now = new Date().toISOString();
    const bot = { login: 'github-actions[bot]', type: 'Bot' as const };
    for (let i = 0; i < 130; i++) sim.state.comments.push({ id: 10_000 + i, issue_number: 8, body: `chatter ${i}`, user: { login: 'octocat', type: 'User' }, created_at: now, updated_at: now });
    sim.state.comments.push({ id: 20_000, issue_number: 8, body: `${modelCheckMarker}\nold`, user: bot, created_at: now, updated_at: now });
    const outcome = await upsertPullRequestComment(client, repository, 8, 'new');
    expect(outcome).toMatchObject({ action: 'updated', id: 20_000 });
    expect(sim.state.comments.filter((c) => c.issue_number === 8 && c.body.includes(modelCheckMarker))).toHaveLength(1);
    expect(sim.log.some((entry) => entry.path.endsWith('/issues/8/comments') && entry.method === 'GET')).toBe(true);
  });

  test('bodies are cut to GitHub\'s limit and keep one marker', () => {
    const long = markedCommentBody('x'.repeat(maxCommentLength * 2));
    expect(long.length).toBeLessThanOrEqual(maxCommentLength);
    expect(long.startsWith(modelCheckMarker)).toBe(true);
    expect(markedCommentBody(`${modelCheckMarker}\nbody`)).toBe(`${modelCheckMarker}\nbody`);
    const bot = { login: 'github-actions[bot]', type: 'Bot' };
    const person = { login: 'octocat', type: 'User' };
    expect(
      findMarkedComment([
        { id: 1, body: 'a', user: bot },
        { id: 2, body: null, user: bot },
        { id: 3, body: `x ${modelCheckMarker}`, user: bot },
        { id: 4, body: `${modelCheckMarker}\nquoted by a person`, user: person },
        { id: 5, body: modelCheckMarker, user: bot },
      ])?.id,
    ).toBe(5);
  });

  test("a person's comment that quotes the marker is never edited; the bot's own comment is", async () => {
    sim.addPull(9, 'a'.repeat(40));
    const now = new Date().toISOString();
    sim.state.comments.push({ id: 30_000, issue_number: 9, body: `${modelCheckMarker}\nI copied the bot's comment`, user: { login: 'octocat', type: 'User' }, created_at: now, updated_at: now });
    const outcome = await upsertPullRequestComment(client, repository, 9, 'the result');
    expect(outcome.action).toBe('created');
    const onPr = sim.state.comments.filter((c) => c.issue_number === 9);
    expect(onPr.map((c) => [c.user.login, c.body.split('\n')[1]])).toEqual([
      ['octocat', "I copied the bot's comment"],
      ['github-actions[bot]', 'the result'],
    ]);
  });
});

describe('model releases', () => {
  let files: string[];
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'release-files-'));
    files = ['model.json', 'weights.bin'].map((name) => join(dir, name));
    writeFileSync(files[0]!, '{"format":"layers-model"}');
    writeFileSync(files[1]!, Buffer.from([0, 1, 2, 250, 251, 252]));
  });

  test('are created with their assets, byte for byte, and a re-run adds only what is missing', async () => {
    const release = await publishModelRelease(client, repository, { tag: 'v1.0.0', targetCommitish: 'a'.repeat(40), name: 'm 1.0.0', body: '# Card', files: [files[0]!], makeLatest: true });
    expect(release.assets.map((a) => a.name)).toEqual(['model.json']);
    const again = await publishModelRelease(client, repository, { tag: 'v1.0.0', targetCommitish: 'a'.repeat(40), name: 'm 1.0.0', body: '# Card', files, makeLatest: true });
    expect(again.id).toBe(release.id);
    expect(again.assets.map((a) => a.name)).toEqual(['model.json', 'weights.bin']);
    expect(sim.state.releases.filter((r) => r.tag_name === 'v1.0.0')).toHaveLength(1);
    const weights = again.assets.find((a) => a.name === 'weights.bin')!;
    expect(Buffer.from(await downloadReleaseAsset(client, repository, weights.id))).toEqual(readFileSync(files[1]!));
    expect(sim.state.releases[0]!.body).toBe('# Card');
  });

  test('the champion is the release marked latest, and a rollback can mark an older one', async () => {
    await publishModelRelease(client, repository, { tag: 'v1.1.0', targetCommitish: 'b'.repeat(40), name: 'm 1.1.0', body: '', files: [], makeLatest: true });
    expect((await getChampionRelease(client, repository))?.version).toBe('1.1.0');
    await markReleaseLatest(client, repository, (await getReleaseByTag(client, repository, releaseTag('1.0.0')))!);
    expect((await getChampionRelease(client, repository))?.version).toBe('1.0.0');
    expect(await getReleaseByTag(client, repository, 'v9.9.9')).toBeNull();
  });

  test('a latest release without a version tag is skipped for the newest version-tagged one', async () => {
    const otherSim = await startGitHubSimulator('octo-org/other');
    try {
      const otherClient = createGitHubClient('test-token', { GITHUB_API_URL: otherSim.url });
      const other = { owner: 'octo-org', repo: 'other' };
      await otherClient.rest.repos.createRelease({ ...other, tag_name: 'v2.0.0', make_latest: 'true' });
      await otherClient.rest.repos.createRelease({ ...other, tag_name: 'docs-2026', make_latest: 'true' });
      const champion = await getChampionRelease(otherClient, other);
      expect(champion?.tag).toBe('v2.0.0');
    } finally {
      await otherSim.close();
    }
  });

  test('a release is a draft until every asset is uploaded: readers never see it half-made, and it is never latest before it is complete', async () => {
    const draft = await client.rest.repos.createRelease({ ...repository, tag_name: 'v3.0.0', draft: true, make_latest: 'false' });
    expect(await getReleaseByTag(client, repository, 'v3.0.0')).toBeNull();
    expect((await getChampionRelease(client, repository))?.version).not.toBe('3.0.0');
    const published = await publishModelRelease(client, repository, { tag: 'v3.0.0', targetCommitish: 'c'.repeat(40), name: 'm 3.0.0', body: '', files, makeLatest: false });
    expect(published.id).toBe(draft.data.id);
    expect(published.assets.map((a) => a.name)).toEqual(['model.json', 'weights.bin']);
    expect(sim.state.releases.find((r) => r.tag_name === 'v3.0.0')).toMatchObject({ draft: false });
    expect((await getChampionRelease(client, repository))?.version).not.toBe('3.0.0');
  });
});

describe('deployments', () => {
  test('are recorded with their statuses, and the API rejects an unknown state', async () => {
    const recorder = createGitHubDeploymentRecorder({ client, repository, environment: 'production', logUrl: 'https://github.com/octo-org/churn-model/actions/runs/1' });
    const id = await recorder.start({ ref: 'v1.0.0', version: '1.0.0', image: 'ghcr.io/octo-org/churn-model:1.0.0', target: 'local', description: 'Deploy 1.0.0' });
    await recorder.status(id, 'in_progress', { description: 'starting' });
    await recorder.status(id, 'success', { description: 'live', url: 'http://127.0.0.1:8080' });
    const stored = sim.state.deployments.find((d) => d.id === id)!;
    expect(stored).toMatchObject({ ref: 'v1.0.0', environment: 'production', payload: { version: '1.0.0', image: 'ghcr.io/octo-org/churn-model:1.0.0', target: 'local' } });
    expect(stored.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(await listEnvironmentDeployments(client, repository, 'production')).toEqual([{ id, ref: 'v1.0.0', version: '1.0.0', state: 'success' }]);
    await expect(recorder.status(id, 'bogus' as never, { description: 'x' })).rejects.toMatchObject({ status: 400 });
  });
});
