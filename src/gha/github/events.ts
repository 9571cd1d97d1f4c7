import type { GitHubState, StoredIssue, StoredRelease, StoredRun } from '../state/schema.js';
import type { PushRecord } from '../state/store.js';
import { changedFiles, git, zeroSha } from './git.js';

/**
 * Webhook events as the runner receives them: the payload (the fields workflows and actions
 * read, in GitHub's shapes), GITHUB_REF and GITHUB_SHA, the files the event changed (for `paths`
 * filters) and whether it comes from a fork (read-only token, no secrets).
 */

export interface RepositoryEvent {
  name: string;
  /** `action` of the payload, when the event has one (opened, completed, published…). */
  action: string | null;
  payload: Record<string, unknown>;
  ref: string;
  sha: string;
  actor: string;
  headRef: string | null;
  baseRef: string | null;
  /** Files changed by the event; null when `paths` filters do not apply to it. */
  changedFiles: string[] | null;
  fork: boolean;
  /** The head commit message (push, pull_request): `[skip ci]` and its kin skip the run. */
  commitMessage: string | null;
}

/** The `repository` object of payloads. */
export function repositoryPayload(state: GitHubState, serverUrl: string): Record<string, unknown> {
  const { owner, name, id, default_branch, visibility } = state.repository;
  return {
    id,
    node_id: `R_${id}`,
    name,
    full_name: `${owner}/${name}`,
    owner: { login: owner, type: 'Organization' },
    private: visibility === 'private',
    visibility,
    fork: false,
    default_branch,
    html_url: `${serverUrl}/${owner}/${name}`,
    clone_url: `${serverUrl}/${owner}/${name}.git`,
    url: `${serverUrl}/repos/${owner}/${name}`,
  };
}

const sender = (login: string) => ({ login, type: login.endsWith('[bot]') ? 'Bot' : 'User' });

async function commitInfo(origin: string, sha: string): Promise<{ message: string; timestamp: string; author: string; email: string }> {
  const [message = '', timestamp = '', author = '', email = ''] = (await git(origin, ['show', '-s', '--format=%B%x00%cI%x00%an%x00%ae', sha])).split('\0');
  return { message: message.trim(), timestamp, author, email };
}

/** A push event from a push the origin recorded. */
export async function pushEvent(state: GitHubState, origin: string, push: PushRecord, serverUrl: string): Promise<RepositoryEvent> {
  const created = /^0+$/.test(push.before);
  const deleted = /^0+$/.test(push.after);
  const head = deleted ? null : await commitInfo(origin, push.after);
  const shas = deleted ? [] : (await git(origin, ['rev-list', '--reverse', '--max-count=20', push.after, ...(created ? [] : [`^${push.before}`])])).split('\n').filter(Boolean);
  const commits = [];
  for (const sha of shas) {
    const info = await commitInfo(origin, sha);
    commits.push({ id: sha, message: info.message, timestamp: info.timestamp, author: { name: info.author, email: info.email }, url: `${serverUrl}/commit/${sha}` });
  }
  return {
    name: 'push',
    action: null,
    payload: {
      ref: push.ref,
      before: push.before,
      after: push.after,
      created,
      deleted,
      forced: false,
      base_ref: null,
      compare: `${serverUrl}/compare/${push.before.slice(0, 12)}...${push.after.slice(0, 12)}`,
      commits,
      head_commit: head ? { id: push.after, message: head.message, timestamp: head.timestamp, author: { name: head.author, email: head.email } } : null,
      pusher: { name: push.pusher },
      repository: repositoryPayload(state, serverUrl),
      sender: sender(push.pusher),
    },
    ref: push.ref,
    sha: deleted ? push.before : push.after,
    actor: push.pusher,
    headRef: null,
    baseRef: null,
    changedFiles: deleted ? [] : await changedFiles(origin, created ? null : push.before, push.after),
    fork: false,
    commitMessage: head?.message ?? null,
  };
}

/** A pull_request event for a pull request (its refs already updated in the origin). */
export async function pullRequestEvent(state: GitHubState, origin: string, pull: StoredIssue, action: string, serverUrl: string): Promise<RepositoryEvent> {
  const pr = pull.pull_request!;
  const full = `${state.repository.owner}/${state.repository.name}`;
  const fork = pr.head.repo !== full;
  const merge = await git(origin, ['rev-parse', `refs/pull/${pull.number}/merge`]).catch(() => null);
  if (!merge) throw new Error(`Pull request #${pull.number} does not merge cleanly into ${pr.base.ref}: GitHub runs no pull_request workflow for it.`);
  const head = await commitInfo(origin, pr.head.sha);
  const [headOwner, headName] = pr.head.repo.split('/');
  return {
    name: 'pull_request',
    action,
    payload: {
      action,
      number: pull.number,
      pull_request: {
        number: pull.number,
        title: pull.title,
        body: pull.body,
        state: pull.state,
        draft: false,
        merged: pr.merged,
        user: sender(pull.user.login),
        html_url: `${serverUrl}/${full}/pull/${pull.number}`,
        head: { ref: pr.head.ref, sha: pr.head.sha, label: `${headOwner}:${pr.head.ref}`, repo: { full_name: pr.head.repo, name: headName, owner: { login: headOwner }, fork } },
        base: { ref: pr.base.ref, sha: pr.base.sha, label: `${state.repository.owner}:${pr.base.ref}`, repo: repositoryPayload(state, serverUrl) },
        labels: pull.labels.map((name) => ({ name })),
      },
      repository: repositoryPayload(state, serverUrl),
      sender: sender(pull.user.login),
    },
    ref: `refs/pull/${pull.number}/merge`,
    sha: merge,
    actor: pull.user.login,
    headRef: pr.head.ref,
    baseRef: pr.base.ref,
    changedFiles: await changedFiles(origin, pr.base.sha, pr.head.sha),
    fork,
    commitMessage: head.message,
  };
}

/** The fields of an event that only pushes and pull requests carry, for every other event. */
const notPushOrPull = { headRef: null, baseRef: null, changedFiles: null, fork: false, commitMessage: null } as const;

/** A workflow_dispatch event. */
export function dispatchEvent(state: GitHubState, ref: string, sha: string, workflowPath: string, inputs: Record<string, unknown>, actor: string, serverUrl: string): RepositoryEvent {
  return {
    name: 'workflow_dispatch',
    action: null,
    payload: { inputs, ref, workflow: workflowPath, repository: repositoryPayload(state, serverUrl), sender: sender(actor) },
    ref,
    sha,
    actor,
    ...notPushOrPull,
  };
}

/** A schedule event (the default branch's head). */
export function scheduleEvent(state: GitHubState, sha: string, cron: string, workflowPath: string, serverUrl: string): RepositoryEvent {
  const actor = state.owner_login;
  return {
    name: 'schedule',
    action: null,
    payload: { schedule: cron, workflow: workflowPath, repository: repositoryPayload(state, serverUrl) },
    ref: `refs/heads/${state.repository.default_branch}`,
    sha,
    actor,
    ...notPushOrPull,
  };
}

/** A workflow_run event for a finished run (delivered to workflows on the default branch). */
export function workflowRunEvent(state: GitHubState, run: StoredRun, defaultSha: string, headRepo: string, serverUrl: string): RepositoryEvent {
  const full = `${state.repository.owner}/${state.repository.name}`;
  const pulls = headRepo === full ? run.pull_requests.map((number) => ({ number })) : [];
  return {
    name: 'workflow_run',
    action: 'completed',
    payload: {
      action: 'completed',
      workflow_run: {
        id: run.id,
        name: run.name,
        path: run.workflow,
        event: run.event,
        status: run.status,
        conclusion: run.conclusion,
        head_sha: run.head_sha,
        head_branch: run.head_branch,
        head_repository: { full_name: headRepo },
        repository: { full_name: full },
        run_number: run.run_number,
        run_attempt: run.run_attempt,
        pull_requests: pulls,
        html_url: `${serverUrl}/${full}/actions/runs/${run.id}`,
      },
      workflow: { name: run.name, path: run.workflow },
      repository: repositoryPayload(state, serverUrl),
      sender: sender(run.actor),
    },
    ref: `refs/heads/${state.repository.default_branch}`,
    sha: defaultSha,
    actor: run.actor,
    ...notPushOrPull,
  };
}

/** A release event (on the tag's ref and commit). */
export function releaseEvent(state: GitHubState, release: StoredRelease, sha: string, actor: string, serverUrl: string): RepositoryEvent {
  return {
    name: 'release',
    action: 'published',
    payload: {
      action: 'published',
      release: { id: release.id, tag_name: release.tag_name, name: release.name, draft: release.draft, prerelease: release.prerelease, target_commitish: release.target_commitish },
      repository: repositoryPayload(state, serverUrl),
      sender: sender(actor),
    },
    ref: `refs/tags/${release.tag_name}`,
    sha,
    actor,
    ...notPushOrPull,
  };
}

export { zeroSha };
