import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { ConfigError } from '../../core/errors.js';
import { createOrigin } from '../github/origin.js';
import { git } from '../github/git.js';
import type { GitHubState } from './schema.js';
import { StateStore, statePaths } from './store.js';

/**
 * `gha init`: a new simulated GitHub in a state folder — the repository's settings, an empty API
 * state, and the origin with a checkout's HEAD pushed as the default branch (or, with
 * `template`, HEAD's files as one "Initial commit", as "Use this template" creates a repository).
 */

/** Options of {@link initSimulatedGitHub}. */
export interface InitOptions {
  stateDir: string;
  /** owner/name of the simulated repository. */
  repository: string;
  /** The checkout whose HEAD becomes the default branch. */
  sourceDir: string;
  /** Create the repository "from the template": one squashed initial commit. */
  template?: boolean;
  visibility?: 'public' | 'private';
}

/** The state of a repository that has just been created. */
export function newRepositoryState(owner: string, name: string, visibility: 'public' | 'private' = 'public'): GitHubState {
  return {
    schema: 1,
    repository: { owner, name, id: 700_000 + name.length, default_branch: 'main', visibility },
    owner_login: owner,
    settings: { default_workflow_permissions: 'read', actions_can_create_pull_requests: false, protected_branches: {}, pages: { enabled: false, build_type: 'workflow' } },
    secrets: {},
    variables: {},
    environments: { 'github-pages': { secrets: {}, variables: {}, deployment_branches: ['main'] } },
    next_id: 1000,
    next_issue_number: 1,
    next_run_number: {},
    releases: [],
    latest_release_id: null,
    deployments: [],
    issues: [],
    comments: [],
    runs: [],
    artifacts: [],
    caches: [],
    pages_deployments: [],
    faults: [],
    audit: [],
    delivered_pushes: [],
  };
}

/** Creates the simulated GitHub. */
export async function initSimulatedGitHub(options: InitOptions): Promise<StateStore> {
  const match = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})$/.exec(options.repository);
  if (!match) throw new ConfigError(`Invalid --repo ${JSON.stringify(options.repository)}: expected owner/name.`);
  const paths = statePaths(options.stateDir);
  if (existsSync(paths.github)) throw new ConfigError(`${paths.root} already holds a simulated GitHub; remove the folder to start again.`);
  const head = await git(options.sourceDir, ['rev-parse', 'HEAD']).catch(() => {
    throw new ConfigError(`${options.sourceDir} is not a git checkout with a commit: gha init pushes its HEAD as main.`);
  });
  await mkdir(paths.root, { recursive: true });
  const store = await StateStore.create(options.stateDir, newRepositoryState(match[1]!, match[2]!, options.visibility));
  await createOrigin(paths.origin, store.state.repository.default_branch);
  let commit = head;
  if (options.template) {
    const tree = await git(options.sourceDir, ['rev-parse', 'HEAD^{tree}']);
    commit = await git(options.sourceDir, ['commit-tree', tree, '-m', 'Initial commit']);
  }
  await git(options.sourceDir, ['push', '-q', paths.origin, `${commit}:refs/heads/${store.state.repository.default_branch}`]);
  return store;
}
