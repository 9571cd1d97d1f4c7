import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { compiledProgram } from '../compiled.js';
import { git, resolveCommit } from './git.js';

/**
 * The simulated repository's git side: a bare repository (`origin.git` in the state folder)
 * whose hooks enforce branch protection and the job token's rights, and record every accepted
 * push in `pushes.jsonl` (pushes by the job token start no workflow). Pull requests live in
 * `refs/pull/N/head` and `refs/pull/N/merge`, as on GitHub; a fork is a second bare repository.
 */

/** The compiled hook program (origin-hook.js beside this module). */
export const hookProgram = compiledProgram(import.meta.url, 'origin-hook.js');

/** Creates the bare repository with its hooks. */
export async function createOrigin(path: string, defaultBranch: string): Promise<void> {
  await mkdir(path, { recursive: true });
  await git(path, ['init', '-q', '--bare', `--initial-branch=${defaultBranch}`]);
  await git(path, ['config', 'receive.advertisePushOptions', 'true']);
  await git(path, ['config', 'uploadpack.allowReachableSHA1InWant', 'true']);
  for (const hook of ['pre-receive', 'post-receive']) {
    const file = join(path, 'hooks', hook);
    await writeFile(file, `#!/bin/sh\nexec "${process.execPath}" "${hookProgram}" ${hook}\n`);
    await chmod(file, 0o755);
  }
}

/** Creates a fork: a bare clone of the origin, without hooks (nothing protects a fork here). */
export async function createFork(origin: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await git(dirname(path), ['clone', '-q', '--bare', origin, path]);
}

/**
 * Creates or refreshes a pull request's refs in the origin: `refs/pull/N/head` at the head commit
 * (fetched from the fork when the head lives there) and `refs/pull/N/merge`, the test merge of
 * head into base that `pull_request` runs check out. Returns the merge commit, or null when the
 * head does not merge cleanly (GitHub then runs no pull_request workflow).
 */
export async function updatePullRefs(origin: string, number: number, head: { repoPath: string; ref: string }, baseRef: string): Promise<{ headSha: string; baseSha: string; mergeSha: string | null }> {
  await git(origin, ['fetch', '-q', head.repoPath, `+refs/heads/${head.ref}:refs/pull/${number}/head`]);
  const headSha = await git(origin, ['rev-parse', `refs/pull/${number}/head`]);
  const baseSha = await git(origin, ['rev-parse', `refs/heads/${baseRef}`]);
  let tree: string;
  try {
    tree = (await git(origin, ['merge-tree', '--write-tree', baseSha, headSha])).split('\n')[0]!;
  } catch {
    return { headSha, baseSha, mergeSha: null };
  }
  const mergeSha = await git(origin, ['commit-tree', tree, '-p', baseSha, '-p', headSha, '-m', `Merge ${headSha} into ${baseSha}`], {
    GIT_AUTHOR_NAME: 'GitHub',
    GIT_AUTHOR_EMAIL: 'noreply@github.com',
    GIT_COMMITTER_NAME: 'GitHub',
    GIT_COMMITTER_EMAIL: 'noreply@github.com',
  });
  await git(origin, ['update-ref', `refs/pull/${number}/merge`, mergeSha]);
  return { headSha, baseSha, mergeSha };
}

/** The commit of a ref in the origin, or null. */
export function originCommit(origin: string, ref: string): Promise<string | null> {
  return resolveCommit(origin, ref);
}
