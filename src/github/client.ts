import { getOctokit } from '@actions/github';
import { ConfigError } from '../core/errors.js';

/**
 * The GitHub REST client the actions use: @actions/github's Octokit (REST methods and
 * pagination), pointed at GITHUB_API_URL so GitHub Enterprise Server and the test simulator
 * work unchanged.
 */
export type GitHubClient = ReturnType<typeof getOctokit>;

/** A repository as `owner` and `repo`. */
export interface RepositoryRef {
  owner: string;
  repo: string;
}

/** The public API root: used when GITHUB_API_URL is not set (outside Actions). */
export const defaultApiUrl = 'https://api.github.com';

/** A client authenticated with `token`, talking to `env.GITHUB_API_URL` (or api.github.com). */
export function createGitHubClient(token: string, env: NodeJS.ProcessEnv = process.env): GitHubClient {
  if (token.trim() === '') {
    throw new ConfigError('No GitHub token: pass `github-token: ${{ github.token }}` (the default) or a token with the permissions the workflow lists.');
  }
  const baseUrl = (env.GITHUB_API_URL ?? defaultApiUrl).replace(/\/+$/, '');
  return getOctokit(token, { baseUrl });
}

/** `owner/repo` from GITHUB_REPOSITORY (or a given string), checked. */
export function parseRepository(fullName: string | undefined): RepositoryRef {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})?)\/([A-Za-z0-9._-]{1,100})$/.exec(fullName ?? '');
  if (!match) {
    throw new ConfigError(`Invalid repository ${JSON.stringify(fullName ?? '')}: expected owner/name as in GITHUB_REPOSITORY.`);
  }
  return { owner: match[1]!, repo: match[2]! };
}

/** The HTTP status of an Octokit RequestError, or undefined for anything else. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'status' in error && typeof (error as { status: unknown }).status === 'number') {
    return (error as { status: number }).status;
  }
  return undefined;
}
