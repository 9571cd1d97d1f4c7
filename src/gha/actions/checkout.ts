import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { git } from '../github/git.js';
import type { JobState } from '../runner/job-state.js';
import type { StandInSpec } from '../runner/local-action.js';

/**
 * checkout v7's guard: in `pull_request_target` and `workflow_run` workflows (which run with the
 * base repository's token and secrets), checking out a fork's pull request code is refused
 * unless `allow-unsafe-pr-checkout: true`.
 */
function refuseUnsafePrCheckout(job: JobState, repository: string, inputs: Record<string, string>): void {
  if (inputs['allow-unsafe-pr-checkout'] === 'true') return;
  const event = job.attempt.event;
  if (event.name !== 'pull_request_target' && event.name !== 'workflow_run') return;
  const payload = event.payload as { workflow_run?: { event?: string; head_repository?: { full_name?: string }; head_sha?: string } };
  const run = payload.workflow_run;
  if (event.name === 'workflow_run' && !run?.event?.startsWith('pull_request')) return;
  const headRepo = run?.head_repository?.full_name ?? '';
  const github = job.contexts.github as Record<string, string>;
  if (!headRepo || headRepo === github.repository) return;
  const fromFork = repository.toLowerCase() === headRepo.toLowerCase() || /^refs\/pull\/[0-9]+\/(head|merge)$/.test(inputs.ref ?? '') || (run?.head_sha !== undefined && inputs.ref === run.head_sha);
  if (fromFork) {
    throw new Error(`Refusing to check out fork pull request code from a '${event.name}' workflow. This workflow runs with the base repository's GITHUB_TOKEN, secrets, default-branch cache scope, and runner access. Set 'allow-unsafe-pr-checkout: true' only after reviewing the risks.`);
  }
}

/**
 * actions/checkout (v7): the simulated origin cloned over HTTP with the job token (so a token without
 * `contents: read` on a private repository fails as on GitHub), at the event's ref and commit
 * (`refs/pull/N/merge` for pull requests), `fetch-depth` (0: all history and tags),
 * `persist-credentials` as checkout v6 stores them: an auth header in a config file under
 * RUNNER_TEMP that the repository's .git/config includes (readable by every later step),
 * removed again with `persist-credentials: false`.
 */
export const checkout: StandInSpec = {
  inputs: {
    repository: '${{ github.repository }}',
    ref: '',
    token: '${{ github.token }}',
    'ssh-key': '',
    'ssh-known-hosts': '',
    'ssh-strict': 'true',
    'ssh-user': 'git',
    'persist-credentials': 'true',
    path: '',
    clean: 'true',
    filter: '',
    'sparse-checkout': '',
    'sparse-checkout-cone-mode': 'true',
    'fetch-depth': '1',
    'fetch-tags': 'false',
    'show-progress': 'true',
    lfs: 'false',
    submodules: 'false',
    'set-safe-directory': 'true',
    'github-server-url': '',
    'allow-unsafe-pr-checkout': 'false',
  },
  async run(job, inputs) {
    const github = job.contexts.github as Record<string, string>;
    const repository = inputs.repository === '${{ github.repository }}' || inputs.repository === '' ? github.repository! : inputs.repository;
    for (const unsupportedInput of ['ssh-key', 'filter', 'sparse-checkout'] as const) {
      if (inputs[unsupportedInput]) throw new Error(`actions/checkout stand-in: '${unsupportedInput}' is not supported by the local runner`);
    }
    if (inputs.lfs === 'true' || inputs.submodules !== 'false') throw new Error('actions/checkout stand-in: lfs and submodules are not supported by the local runner');
    const server = inputs['github-server-url'] || job.attempt.services.serverUrl;
    refuseUnsafePrCheckout(job, repository!, inputs);
    const dir = inputs.path ? (isAbsolute(inputs.path) ? inputs.path : resolve(job.workspace, inputs.path)) : job.workspace;
    if (!dir.startsWith(job.machine.workRoot)) throw new Error(`Repository path '${dir}' is not under '${job.machine.workRoot}'`);
    await mkdir(dir, { recursive: true });
    if (inputs.clean === 'true') for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
    const ownRepo = repository === github.repository;
    const ref = inputs.ref || (ownRepo ? github.ref! : '');
    const sha = !inputs.ref && ownRepo ? github.sha! : '';
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${inputs.token}`).toString('base64')}`;
    const authArgs = ['-c', `http.${server}/.extraheader=${header}`];
    job.masks.push(Buffer.from(`x-access-token:${inputs.token}`).toString('base64'));
    const url = `${server}/${repository}`;
    await git(dir, ['init', '-q']);
    await git(dir, ['remote', 'add', 'origin', url]);
    const depth = Number(inputs['fetch-depth']);
    const depthArgs = depth > 0 ? [`--depth=${depth}`] : [];
    const tagArgs = depth === 0 || inputs['fetch-tags'] === 'true' ? ['--tags'] : ['--no-tags'];
    let target: string;
    let branch: string | null = null;
    if (ref.startsWith('refs/heads/') || (!ref.startsWith('refs/') && ref !== '' && !/^[0-9a-f]{40}$/.test(ref))) {
      branch = ref.replace(/^refs\/heads\//, '');
      await git(dir, [...authArgs, 'fetch', '-q', '--prune', '--no-recurse-submodules', ...tagArgs, ...depthArgs, 'origin', `+${sha || `refs/heads/${branch}`}:refs/remotes/origin/${branch}`]);
      target = `refs/remotes/origin/${branch}`;
    } else if (ref.startsWith('refs/pull/') || ref.startsWith('refs/tags/')) {
      const local = ref.startsWith('refs/pull/') ? ref.replace(/^refs\/pull\//, 'refs/remotes/pull/') : ref;
      await git(dir, [...authArgs, 'fetch', '-q', '--prune', '--no-recurse-submodules', ...tagArgs, ...depthArgs, 'origin', `+${sha || ref}:${local}`]);
      target = local;
    } else {
      const commit = ref || sha;
      await git(dir, [...authArgs, 'fetch', '-q', '--no-recurse-submodules', ...tagArgs, ...depthArgs, 'origin', commit]);
      target = commit;
    }
    if (branch) await git(dir, ['checkout', '-q', '--force', '-B', branch, target]);
    else await git(dir, ['checkout', '-q', '--force', '--detach', target]);
    if (inputs['persist-credentials'] === 'true') {
      const credentials = join(job.machine.temp, `git-credentials-${randomUUID()}.config`);
      await writeFile(credentials, `[http "${server}/"]\n\textraheader = ${header}\n`);
      await git(dir, ['config', '--local', `includeIf.gitdir:${join(dir, '.git')}/.path`, credentials]);
      // checkout's post step removes the credentials when the job ends.
      job.post.push({
        name: 'Post Run actions/checkout',
        condition: 'always()',
        run: async () => {
          await git(dir, ['config', '--local', '--unset-all', `includeIf.gitdir:${join(dir, '.git')}/.path`]).catch(() => '');
          await rm(credentials, { force: true });
        },
      });
    }
    const commit = await git(dir, ['rev-parse', 'HEAD']);
    job.log(`Checked out ${repository} at ${ref || commit} (${commit})${depth === 0 ? ', full history' : ''}.`);
    return { ref, commit };
  },
};
