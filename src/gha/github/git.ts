import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RegistryError } from '../../core/errors.js';

const exec = promisify(execFile);

/** Runs git with argument arrays (never a shell) and returns its trimmed stdout. */
export async function git(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await exec('git', [...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new RegistryError(`git ${args.join(' ')} (in ${cwd}) failed: ${stderr || (error as Error).message}`);
  }
}

/** The commit a ref or sha names in a repository, or null. */
export async function resolveCommit(repo: string, ref: string): Promise<string | null> {
  if (!/^[A-Za-z0-9._/@{}^~-]+$/.test(ref) || ref.startsWith('-')) return null;
  try {
    return await git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return null;
  }
}

/** Files changed between two commits (`before` may be the zero sha: every file of `after`). */
export async function changedFiles(repo: string, before: string | null, after: string): Promise<string[]> {
  const out =
    !before || /^0+$/.test(before)
      ? await git(repo, ['ls-tree', '-r', '--name-only', after])
      : await git(repo, ['diff', '--name-only', `${before}...${after}`]);
  return out.split('\n').filter((line) => line !== '');
}

/** The zero sha GitHub uses for "no commit" (a created or deleted ref). */
export const zeroSha = '0000000000000000000000000000000000000000';
