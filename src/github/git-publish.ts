import { execFile } from 'node:child_process';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { RegistryError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { releaseTag } from './releases.js';

const exec = promisify(execFile);

/**
 * Publishing a model version in git: the model card committed to the default branch and an
 * annotated tag `vX.Y.Z` on that commit, pushed together (`--atomic`). Runs the real git CLI
 * with argument arrays (never a shell), in the workflow's checkout.
 */

/** Who commits: the Actions bot, as GitHub documents for commits made with GITHUB_TOKEN. */
export const botIdentity = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
} as const;

/** Options of {@link publishModelCard}. */
export interface PublishCardOptions {
  /** The checkout (any folder inside it). */
  repoDir: string;
  version: string;
  /** The card files to commit (absolute paths inside the checkout). */
  files: readonly string[];
  /** Branch to push to. */
  branch: string;
  remote?: string;
  modelName: string;
  logger: Logger;
  /** Attempts when the branch moved on the remote meanwhile (rebase and retry). */
  attempts?: number;
}

/** What was pushed. */
export interface PublishedCard {
  tag: string;
  /** The commit the tag points at. */
  commit: string;
  /** False when the card was already committed (a re-run): only the tag was pushed. */
  committed: boolean;
}

async function git(repoDir: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await exec('git', ['-c', `user.name=${botIdentity.name}`, '-c', `user.email=${botIdentity.email}`, ...args], {
      cwd: repoDir,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new RegistryError(`git ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

/** The names a branch and a remote may have here (they become git arguments). */
export function checkRefName(kind: 'branch' | 'remote', name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(name) || name.includes('..') || name.endsWith('/') || name.endsWith('.lock')) {
    throw new RegistryError(`Invalid ${kind} name ${JSON.stringify(name)}.`);
  }
  return name;
}

/**
 * Commits the card files (when they changed), tags the commit `v<version>` and pushes branch
 * and tag atomically. When the branch moved on the remote, rebases the card commit on it and
 * tries again. An existing tag on another commit is an error: versions are never re-pointed.
 */
export async function publishModelCard(options: PublishCardOptions): Promise<PublishedCard> {
  const { repoDir, version, logger } = options;
  const remote = checkRefName('remote', options.remote ?? 'origin');
  const branch = checkRefName('branch', options.branch);
  const tag = releaseTag(version);
  const root = await git(repoDir, ['rev-parse', '--show-toplevel']);
  const paths = options.files.map((file) => relative(root, file));
  if (paths.some((path) => path.startsWith('..'))) throw new RegistryError(`Card files must be inside the checkout ${root}: ${options.files.join(', ')}`);

  await git(root, ['add', '--', ...paths]);
  const staged = await git(root, ['diff', '--cached', '--name-only', '--', ...paths]);
  let committed = false;
  if (staged !== '') {
    await git(root, ['commit', '-q', '-m', `Model card for ${options.modelName} ${version}`, '-m', `Registered by the retrain workflow; released as ${tag}.`, '--', ...paths]);
    committed = true;
  }
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const commit = await git(root, ['rev-parse', 'HEAD']);
    const existing = await git(root, ['rev-parse', '-q', '--verify', `refs/tags/${tag}^{commit}`]).catch(() => '');
    if (existing && existing !== commit) {
      if (attempt === 1) throw new RegistryError(`Tag ${tag} already exists on ${existing.slice(0, 12)}; a version is never re-tagged.`);
      await git(root, ['tag', '-d', tag]);
    }
    if (!existing || existing !== commit) await git(root, ['tag', '-a', tag, '-m', `${options.modelName} ${version}`, commit]);
    try {
      await git(root, ['push', '--atomic', remote, `HEAD:refs/heads/${branch}`, `refs/tags/${tag}`]);
      logger.info(`Pushed ${committed ? 'the model card commit' : branch} and tag ${tag} (${commit.slice(0, 12)}) to ${remote}.`);
      return { tag, commit, committed };
    } catch (error) {
      if (attempt >= attempts) throw error;
      logger.warn(`Push to ${remote}/${branch} was rejected (${(error as Error).message.split('\n')[0]}); rebasing on it and retrying.`);
      await git(root, ['fetch', '-q', remote, `refs/heads/${branch}`]);
      await git(root, ['rebase', '-q', 'FETCH_HEAD']);
    }
  }
}
