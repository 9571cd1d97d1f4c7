import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
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
 *
 * The push authenticates with a token given here (an HTTP header passed to these git processes
 * through GIT_CONFIG_* variables), so the checkout need not persist credentials in .git/config
 * where every other step (npm install scripts included) could read them.
 *
 * A re-run of the same release finds the tag it pushed before: when that tag's commit holds the
 * same card, it is adopted (no second commit, no moved tag). When the branch is protected (GitHub
 * refuses the push: GH006), the card commit goes to a branch of its own, `model-cards/vX.Y.Z`,
 * tagged there, to be merged into the default branch by a pull request.
 */

/** Who commits: the Actions bot, as GitHub documents for commits made with GITHUB_TOKEN. */
export const botIdentity = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
} as const;

/** The commit trailer naming the candidate run a card commit registers. */
export const candidateTrailer = 'Mlops-Candidate-Run';
/** The commit trailer naming the workflow run that released it (how a re-run of that run finds it). */
export const workflowRunTrailer = 'Mlops-Workflow-Run';

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
  /** The candidate's run id (recorded as a commit trailer). */
  candidateRun: string;
  /** The workflow run (GITHUB_RUN_ID, recorded as a commit trailer), when there is one. */
  workflowRun?: string | null;
  /** Push with this token (GitHub: `x-access-token`), to `serverUrl`; none: the checkout's own credentials. */
  auth?: { serverUrl: string; token: string } | null;
  /** Attempts when the branch moved on the remote meanwhile (rebase and retry). */
  attempts?: number;
}

/** What was pushed. */
export interface PublishedCard {
  tag: string;
  /** The commit the tag points at. */
  commit: string;
  /** False when the card was already committed (a re-run): nothing new was committed. */
  committed: boolean;
  /** True when the tag existed with this card (a re-run of the same release). */
  adopted: boolean;
  /** The branch the card went to instead of the protected one (merge it with a pull request), or null. */
  cardBranch: string | null;
}

/** Environment that gives git an Authorization header for `serverUrl` (never on the command line). */
export function gitAuthEnv(auth: PublishCardOptions['auth']): NodeJS.ProcessEnv {
  if (!auth) return {};
  const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${auth.token}`).toString('base64')}`;
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `http.${auth.serverUrl.replace(/\/*$/, '/')}.extraheader`, GIT_CONFIG_VALUE_0: header, GIT_TERMINAL_PROMPT: '0' };
}

async function git(repoDir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await exec('git', ['-c', `user.name=${botIdentity.name}`, '-c', `user.email=${botIdentity.email}`, ...args], {
      cwd: repoDir,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, ...env },
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

/** Whether a push failed because the branch is protected (GitHub's GH006). */
export function isProtectedBranchRejection(error: unknown): boolean {
  return /GH006|protected branch/i.test((error as Error).message ?? '');
}

/** The version tags (`vX.Y.Z`) the remote holds, as bare versions. */
export async function remoteVersionTags(repoDir: string, remote: string, auth: PublishCardOptions['auth']): Promise<string[]> {
  const out = await git(repoDir, ['ls-remote', '--tags', '--refs', checkRefName('remote', remote)], gitAuthEnv(auth));
  return out
    .split('\n')
    .map((line) => /refs\/tags\/v(\d+\.\d+\.\d+)$/.exec(line)?.[1])
    .filter((v): v is string => v !== undefined);
}

/** A version an earlier attempt of the same workflow run released, found by the trailers of the tags. */
export interface EarlierRelease {
  version: string;
  candidateRun: string;
}

/** The version an earlier attempt of workflow run `workflowRun` tagged (a re-run), or null. */
export async function versionOfWorkflowRun(repoDir: string, remote: string, workflowRun: string, auth: PublishCardOptions['auth']): Promise<EarlierRelease | null> {
  const versions = await remoteVersionTags(repoDir, remote, auth);
  if (versions.length === 0) return null;
  await git(repoDir, ['fetch', '-q', '--no-tags', checkRefName('remote', remote), ...versions.map((v) => `+refs/tags/v${v}:refs/tags/v${v}`)], gitAuthEnv(auth));
  for (const version of versions) {
    const lines = (await git(repoDir, ['log', '-1', '--format=%B', `refs/tags/v${version}^{commit}`]).catch(() => '')).split('\n').map((line) => line.trim());
    if (!lines.includes(`${workflowRunTrailer}: ${workflowRun}`)) continue;
    const candidate = lines.find((line) => line.startsWith(`${candidateTrailer}: `))?.slice(candidateTrailer.length + 2);
    if (candidate) return { version, candidateRun: candidate };
  }
  return null;
}

/**
 * The card files whose content differs from `commit`'s, each with the first differing line; none
 * when no card file is here (a re-run that took the version from its own release). Compares
 * contents, not `git diff`: a re-run's checkout is the event's commit, before the card commit, so
 * the card files are untracked there (and git diff would call every one of them deleted).
 */
async function filesDifferingFrom(root: string, commit: string, files: readonly string[], paths: readonly string[]): Promise<string[]> {
  const here = await Promise.all(files.map((file) => readFile(file, 'utf8').catch(() => null)));
  if (here.every((text) => text === null)) return [];
  const differing: string[] = [];
  for (const [i, path] of paths.entries()) {
    const committed = await git(root, ['show', `${commit}:${path}`]).catch(() => null);
    const mine = here[i] ?? null;
    if (mine === null || committed === null) {
      differing.push(`${path} ${mine === null ? 'missing here' : 'not in the tagged commit'}`);
      continue;
    }
    const a = committed.split('\n');
    const b = mine.trimEnd().split('\n');
    const line = a.findIndex((text, n) => text !== b[n]);
    if (line >= 0 || a.length !== b.length) {
      const at = line >= 0 ? line : Math.min(a.length, b.length);
      differing.push(`${path} line ${at + 1}: tagged ${JSON.stringify((a[at] ?? '').slice(0, 120))}, here ${JSON.stringify((b[at] ?? '').slice(0, 120))}`);
    }
  }
  return differing;
}

/**
 * Commits the card files, tags the commit `v<version>` and pushes branch and tag atomically.
 * When the branch moved on the remote, rebases the card commit on it and tries again; when the
 * branch is protected, pushes the commit to `model-cards/v<version>` instead. An existing tag
 * holding the same card is adopted; on another card it is an error: versions are never re-pointed.
 */
export async function publishModelCard(options: PublishCardOptions): Promise<PublishedCard> {
  const { repoDir, version, logger } = options;
  const remote = checkRefName('remote', options.remote ?? 'origin');
  const branch = checkRefName('branch', options.branch);
  const env = gitAuthEnv(options.auth);
  const tag = releaseTag(version);
  const root = await git(repoDir, ['rev-parse', '--show-toplevel']);
  const paths = options.files.map((file) => relative(root, file));
  if (paths.some((path) => path.startsWith('..'))) throw new RegistryError(`Card files must be inside the checkout ${root}: ${options.files.join(', ')}`);

  const remoteTag = (await git(root, ['ls-remote', '--tags', remote, `refs/tags/${tag}`], env)).split('\n').find((line) => line.endsWith(`refs/tags/${tag}`));
  if (remoteTag) {
    await git(root, ['fetch', '-q', '--no-tags', remote, `+refs/tags/${tag}:refs/tags/${tag}`], env);
    const commit = await git(root, ['rev-parse', `refs/tags/${tag}^{commit}`]);
    // No card files here: the version was taken from its own release (a re-run whose champion is
    // this very version); the tagged card is the card.
    const differing = await filesDifferingFrom(root, commit, options.files, paths);
    if (differing.length > 0) {
      throw new RegistryError(`Tag ${tag} already exists on ${commit.slice(0, 12)} with another model card (${differing.join('; ')}); a version is never re-tagged.`);
    }
    logger.info(`Tag ${tag} already holds this model card (${commit.slice(0, 12)}): a re-run of the same release; nothing new is committed.`);
    await git(root, ['fetch', '-q', '--no-tags', remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`], env).catch(() => '');
    const onBranch = await git(root, ['branch', '-r', '--contains', commit]).catch(() => '');
    return { tag, commit, committed: false, adopted: true, cardBranch: onBranch.includes(`${remote}/${branch}`) ? null : `model-cards/${tag}` };
  }

  await git(root, ['add', '--', ...paths]);
  const staged = await git(root, ['diff', '--cached', '--name-only', '--', ...paths]);
  let committed = false;
  if (staged !== '') {
    await git(root, [
      'commit', '-q',
      '-m', `Model card for ${options.modelName} ${version}`,
      '-m', `Registered by the retrain workflow; released as ${tag}.`,
      '-m', [`${candidateTrailer}: ${options.candidateRun}`, ...(options.workflowRun ? [`${workflowRunTrailer}: ${options.workflowRun}`] : [])].join('\n'),
      '--', ...paths,
    ]);
    committed = true;
  }
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const commit = await git(root, ['rev-parse', 'HEAD']);
    await git(root, ['tag', '-f', '-a', tag, '-m', `${options.modelName} ${version}`, commit]);
    try {
      await git(root, ['push', '--atomic', remote, `HEAD:refs/heads/${branch}`, `refs/tags/${tag}`], env);
      logger.info(`Pushed ${committed ? 'the model card commit' : branch} and tag ${tag} (${commit.slice(0, 12)}) to ${remote}.`);
      return { tag, commit, committed, adopted: false, cardBranch: null };
    } catch (error) {
      if (isProtectedBranchRejection(error)) {
        const cardBranch = checkRefName('branch', `model-cards/${tag}`);
        await git(root, ['push', '--atomic', remote, `HEAD:refs/heads/${cardBranch}`, `refs/tags/${tag}`], env);
        logger.warn(`${branch} is protected: the model card commit went to branch ${cardBranch} (tag ${tag} points at it). Merge it into ${branch} with a pull request.`);
        return { tag, commit, committed, adopted: false, cardBranch };
      }
      if (attempt >= attempts) throw error;
      logger.warn(`Push to ${remote}/${branch} was rejected (${(error as Error).message.split('\n')[0]}); rebasing on it and retrying.`);
      await git(root, ['fetch', '-q', '--no-tags', remote, `refs/heads/${branch}`], env);
      await git(root, ['rebase', '-q', 'FETCH_HEAD']);
    }
  }
}
