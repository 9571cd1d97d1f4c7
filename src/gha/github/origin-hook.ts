import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The origin's pre-receive and post-receive hooks (installed by createOrigin). git runs them in
 * the bare repository; the simulated GitHub's HTTP side passes who pushes in GHA_PUSHER,
 * GHA_PUSH_ADMIN and GHA_PUSH_BY_JOB_TOKEN. A push straight into the bare repository (another
 * terminal: `git push <origin path>`) is the owner's.
 *
 * pre-receive refuses, with GitHub's messages: updates of a protected branch that do not come
 * from a pull request merge (admins bypass unless enforce_admins), force pushes to it, and
 * workflow files pushed with the job token (which never has the `workflows` permission).
 * post-receive appends each accepted update to pushes.jsonl, from which the runner builds push
 * events (none for the job token's pushes).
 */

interface Protection {
  required_pull_request?: boolean;
  enforce_admins?: boolean;
  allow_force_pushes?: boolean;
}
interface StateView {
  owner_login: string;
  settings: { protected_branches?: Record<string, Protection> };
}

const zero = /^0+$/;
const gitText = (args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

function readUpdates(): { before: string; after: string; ref: string }[] {
  return readFileSync(0, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [before = '', after = '', ref = ''] = line.split(' ');
      return { before, after, ref };
    });
}

function changedPaths(before: string, after: string): string[] {
  const range = zero.test(before) ? [after, '--not', '--all'] : [`${before}..${after}`];
  return gitText(['log', '--format=', '--name-only', ...range]).split('\n').filter(Boolean);
}

function isAncestor(before: string, after: string): boolean {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', before, after], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function preReceive(state: StateView): number {
  const byJobToken = process.env.GHA_PUSH_BY_JOB_TOKEN === '1';
  const admin = process.env.GHA_PUSHER === undefined || process.env.GHA_PUSH_ADMIN === '1';
  for (const { before, after, ref } of readUpdates()) {
    const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
    const protection = branch ? state.settings.protected_branches?.[branch] : undefined;
    if (protection) {
      const bypass = admin && !protection.enforce_admins;
      if (!bypass && protection.required_pull_request !== false) {
        process.stderr.write(`error: GH006: Protected branch update failed for ${ref}.\nerror: Changes must be made through a pull request.\n`);
        return 1;
      }
      if (!bypass && !zero.test(before) && !zero.test(after) && !protection.allow_force_pushes && !isAncestor(before, after)) {
        process.stderr.write(`error: GH006: Protected branch update failed for ${ref}.\nerror: Cannot force-push to this branch\n`);
        return 1;
      }
      if (!bypass && zero.test(after)) {
        process.stderr.write(`error: GH006: Protected branch update failed for ${ref}.\nerror: Cannot delete this branch\n`);
        return 1;
      }
    }
    if (byJobToken && !zero.test(after)) {
      const workflow = changedPaths(before, after).find((path) => path.startsWith('.github/workflows/'));
      if (workflow) {
        process.stderr.write(`refusing to allow a GitHub App to create or update workflow \`${workflow}\` without \`workflows\` permission\n`);
        return 1;
      }
    }
  }
  return 0;
}

function postReceive(state: StateView, pushes: string): number {
  const pusher = process.env.GHA_PUSHER ?? state.owner_login;
  const byJobToken = process.env.GHA_PUSH_BY_JOB_TOKEN === '1';
  for (const { before, after, ref } of readUpdates()) {
    appendFileSync(pushes, `${JSON.stringify({ ref, before, after, pusher, by_job_token: byJobToken, created_at: new Date().toISOString() })}\n`);
  }
  return 0;
}

const stateRoot = resolve(process.cwd(), '..');
const state = JSON.parse(readFileSync(resolve(stateRoot, 'github.json'), 'utf8')) as StateView;
const hook = process.argv[2];
process.exitCode = hook === 'pre-receive' ? preReceive(state) : hook === 'post-receive' ? postReceive(state, resolve(stateRoot, 'pushes.jsonl')) : 2;
