import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The code a run came from, for lineage. Null fields mean "not a git checkout" or git is missing. */
export interface CodeVersion {
  commit: string | null;
  /** True when tracked files differ from the commit (the model may not be reproducible from it). */
  dirty: boolean | null;
  branch: string | null;
  /**
   * The source tree of the commit without `model-cards/` (a hash of its other top-level entries):
   * equal for two commits that differ only in the model cards the pipeline commits, so a card
   * commit is not a code change. Null outside a git checkout.
   */
  tree?: string | null;
}

/**
 * Reads the commit, dirty flag and branch of the checkout at `dir`. On GitHub Actions the
 * checkout may be a detached merge commit, so GITHUB_SHA / GITHUB_REF_NAME fill the gaps.
 */
export async function readCodeVersion(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<CodeVersion> {
  const git = async (...args: string[]) => (await run('git', args, { cwd: dir, timeout: 10_000 })).stdout.trim();
  try {
    const commit = await git('rev-parse', 'HEAD');
    const status = (await git('status', '--porcelain'))
      .split('\n')
      .filter((line) => line.length > 0 && !isPipelineOutput(line.slice(3)));
    let branch: string | null = await git('rev-parse', '--abbrev-ref', 'HEAD');
    if (branch === 'HEAD') branch = env.GITHUB_REF_NAME ?? null;
    const tree = sourceTreeId(await git('ls-tree', 'HEAD'));
    return { commit, dirty: status.length > 0, branch, tree };
  } catch {
    return { commit: env.GITHUB_SHA ?? null, dirty: null, branch: env.GITHUB_REF_NAME ?? null };
  }
}

/**
 * Files the pipeline itself writes into the checkout (model cards) do not make the code differ
 * from its commit; anything else changed or untracked-but-not-ignored does. The registry and run
 * workspaces are gitignored, so git never lists them.
 */
function isPipelineOutput(path: string): boolean {
  return path.replace(/^"/, '').startsWith('model-cards/');
}

/**
 * The identity of a commit's source tree without the pipeline's own output: the `git ls-tree`
 * listing of the top level minus `model-cards`, hashed. Two commits that differ only in model
 * cards have the same id.
 */
export function sourceTreeId(lsTree: string): string {
  const entries = lsTree.split('\n').filter((line) => line !== '' && !/\tmodel-cards$/.test(line));
  return createHash('sha256').update(entries.join('\n')).digest('hex');
}

/**
 * The URL of the GitHub Actions run, when running in one; with `attempt`, the URL of this
 * attempt (a re-run's own page) instead of the run's.
 */
export function githubRunUrl(env: NodeJS.ProcessEnv = process.env, options: { attempt?: boolean } = { attempt: true }): string | null {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT } = env;
  if (!GITHUB_SERVER_URL || !GITHUB_REPOSITORY || !GITHUB_RUN_ID) return null;
  const attempt = options.attempt !== false && GITHUB_RUN_ATTEMPT && GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${GITHUB_RUN_ATTEMPT}` : '';
  return `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}${attempt}`;
}
