import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { createFork, updatePullRefs } from '../github/origin.js';
import { faultKinds, type Actor, type StoredFault, type StoredIssue } from './schema.js';
import type { StateStore } from './store.js';

/**
 * What a person does on GitHub's web pages, for the simulated repository: fork it, open pull
 * requests (from a branch or a fork), comment, protect a branch, set secrets and variables,
 * enable Pages, and inject faults. Used by `gha` subcommands and by the lifecycle tests.
 */

const user = (login: string): Actor => ({ login, type: login.endsWith('[bot]') ? 'Bot' : 'User' });

/** Creates `forks/<owner>.git`, a fork of the origin. */
export async function forkRepository(store: StateStore, owner: string): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/.test(owner)) throw new ConfigError(`Invalid fork owner ${JSON.stringify(owner)}.`);
  const path = join(store.paths.forks, `${owner}.git`);
  if (!existsSync(path)) await createFork(store.paths.origin, path);
  return path;
}

/** Opens a pull request: `head` is a branch of the origin or `owner:branch` of a fork. */
export async function openPullRequest(store: StateStore, request: { head: string; base?: string; title: string; body?: string | null; author: string }): Promise<StoredIssue> {
  const state = store.state;
  const base = request.base ?? state.repository.default_branch;
  const [headOwner, headRef] = request.head.includes(':') ? (request.head.split(':', 2) as [string, string]) : [state.repository.owner, request.head];
  const ownRepo = headOwner === state.repository.owner;
  const repoPath = ownRepo ? store.paths.origin : join(store.paths.forks, `${headOwner}.git`);
  if (!existsSync(repoPath)) throw new ConfigError(`There is no fork of ${headOwner}: run \`gha fork ${headOwner}\` first.`);
  const number = state.next_issue_number++;
  const refs = await updatePullRefs(store.paths.origin, number, { repoPath, ref: headRef }, base).catch((error: Error) => {
    state.next_issue_number--;
    throw new ConfigError(`Cannot open the pull request: ${error.message}`);
  });
  const now = new Date().toISOString();
  const issue: StoredIssue = {
    number,
    title: request.title,
    body: request.body ?? null,
    state: 'open',
    labels: [],
    user: user(request.author),
    created_at: now,
    updated_at: now,
    closed_at: null,
    pull_request: {
      head: { ref: headRef, sha: refs.headSha, repo: `${headOwner}/${state.repository.name}` },
      base: { ref: base, sha: refs.baseSha },
      merged: false,
      merge_commit_sha: refs.mergeSha,
    },
  };
  state.issues.push(issue);
  await store.save();
  return issue;
}

/** Refreshes a pull request after its head branch moved (a push to the PR: the `synchronize` event). */
export async function syncPullRequest(store: StateStore, number: number): Promise<StoredIssue> {
  const issue = store.state.issues.find((i) => i.number === number && i.pull_request);
  if (!issue?.pull_request) throw new ConfigError(`There is no pull request #${number}.`);
  const [owner] = issue.pull_request.head.repo.split('/');
  const repoPath = owner === store.state.repository.owner ? store.paths.origin : join(store.paths.forks, `${owner}.git`);
  const refs = await updatePullRefs(store.paths.origin, number, { repoPath, ref: issue.pull_request.head.ref }, issue.pull_request.base.ref);
  Object.assign(issue.pull_request, { merge_commit_sha: refs.mergeSha });
  issue.pull_request.head.sha = refs.headSha;
  issue.pull_request.base.sha = refs.baseSha;
  issue.updated_at = new Date().toISOString();
  await store.save();
  return issue;
}

/** A person's comment on an issue or pull request. */
export async function addComment(store: StateStore, issueNumber: number, author: string, body: string): Promise<number> {
  if (!store.state.issues.some((i) => i.number === issueNumber)) throw new ConfigError(`There is no issue or pull request #${issueNumber}.`);
  const id = store.nextId();
  const now = new Date().toISOString();
  store.state.comments.push({ id, issue_number: issueNumber, body, user: user(author), created_at: now, updated_at: now });
  await store.save();
  return id;
}

/** Branch protection: changes only through pull requests (admins bypass unless `enforceAdmins`). */
export async function protectBranch(store: StateStore, branch: string, options: { enforceAdmins?: boolean } = {}): Promise<void> {
  store.state.settings.protected_branches[branch] = { required_pull_request: true, enforce_admins: options.enforceAdmins ?? false, allow_force_pushes: false };
  await store.save();
}

/** A repository secret, or an environment's with `environment`. */
export async function setSecret(store: StateStore, name: string, value: string, environment?: string): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name)) throw new ConfigError(`Invalid secret name ${JSON.stringify(name)}: letters, digits and _, not starting with GITHUB_.`);
  if (environment) {
    store.state.environments[environment] ??= { secrets: {}, variables: {}, deployment_branches: null };
    store.state.environments[environment].secrets[name] = value;
  } else store.state.secrets[name] = value;
  await store.save();
}

/** A repository variable (the `vars` context), or an environment's. */
export async function setVariable(store: StateStore, name: string, value: string, environment?: string): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name)) throw new ConfigError(`Invalid variable name ${JSON.stringify(name)}.`);
  if (environment) {
    store.state.environments[environment] ??= { secrets: {}, variables: {}, deployment_branches: null };
    store.state.environments[environment].variables[name] = value;
  } else store.state.variables[name] = value;
  await store.save();
}

/** Settings → Pages → Source: GitHub Actions. */
export async function enablePages(store: StateStore): Promise<void> {
  store.state.settings.pages = { enabled: true, build_type: 'workflow' };
  await store.save();
}

/** Injects a fault that fires `count` times where its name contains `match`. */
export async function addFault(store: StateStore, kind: string, count = 1, match = ''): Promise<StoredFault> {
  if (!(faultKinds as readonly string[]).includes(kind)) throw new ConfigError(`Unknown fault ${JSON.stringify(kind)}: expected one of ${faultKinds.join(', ')}.`);
  const fault: StoredFault = { id: store.nextId(), kind: kind as StoredFault['kind'], match, remaining: count };
  store.state.faults.push(fault);
  await store.save();
  return fault;
}
