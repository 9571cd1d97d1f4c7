import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { latestRelease } from '../github/rest-releases.js';
import { listRegistryImages } from '../registry/images.js';
import type { StateStore } from './store.js';

const exec = promisify(execFile);

/**
 * What `gha state --json` prints: the origin with its branches and tags, releases (latest,
 * draft, assets), deployments with their statuses, images in the registry, comments, issues,
 * runs, and the artifacts, Pages deployments and permission audit behind them.
 */
export async function stateSummary(store: StateStore): Promise<Record<string, unknown>> {
  const state = store.state;
  const refs = await exec('git', ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(*objectname)', 'refs/heads', 'refs/tags'], { cwd: store.paths.origin }).then((r) => r.stdout, () => '');
  const branches: Record<string, string> = {};
  const tags: { name: string; commit: string }[] = [];
  for (const line of refs.split('\n').filter(Boolean)) {
    const [ref = '', object = '', peeled = ''] = line.split('\0');
    if (ref.startsWith('refs/heads/')) branches[ref.slice('refs/heads/'.length)] = object;
    else tags.push({ name: ref.slice('refs/tags/'.length), commit: peeled || object });
  }
  const latest = latestRelease(state.releases, state.latest_release_id);
  return {
    origin: store.paths.origin,
    repository: `${state.repository.owner}/${state.repository.name}`,
    branches,
    tags,
    releases: state.releases.map((r) => ({ tag: r.tag_name, latest: r === latest, draft: r.draft, prerelease: r.prerelease, target: r.target_commitish, author: r.author.login, assets: r.assets.map((a) => a.name) })),
    deployments: state.deployments.map((d) => ({ id: d.id, environment: d.environment, ref: d.ref, payload: d.payload, automatic: d.automatic, statuses: d.statuses.map((s) => s.state), url: d.statuses.findLast((s) => s.environment_url)?.environment_url ?? null })),
    images: await listRegistryImages(store.paths.registry),
    comments: state.comments.map((c) => ({ issue: c.issue_number, author: c.user.login, body: c.body })),
    issues: state.issues.map((i) => ({ number: i.number, title: i.title, state: i.state, labels: i.labels, pull_request: i.pull_request !== undefined })),
    runs: state.runs.map((r) => ({ id: r.id, workflow: r.workflow, event: r.event, conclusion: r.conclusion, attempt: r.run_attempt, jobs: latestJobs(r.jobs) })),
    artifacts: state.artifacts.map((a) => ({ id: a.id, run: a.run_id, name: a.name })),
    pages: state.pages_deployments.map((p) => ({ run: p.run_id, sha: p.sha, url: p.page_url })),
    credential_exposures: state.audit.filter((a) => a.scope === 'credentials-in-git-config').map((a) => ({ run: a.run_id, job: a.job, step: a.path.replace(/^RUN /, '') })),
    permission_denials: state.audit.filter((a) => !a.allowed && a.scope !== 'credentials-in-git-config').map((a) => ({ run: a.run_id, job: a.job, request: `${a.method} ${a.path}`, needs: `${a.scope}: ${a.level}` })),
  };
}

function latestJobs(jobs: { name: string; conclusion: string; attempt: number; key: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const job of jobs) out[job.name] = `${job.conclusion}${job.attempt > 1 ? ` (attempt ${job.attempt})` : ''}`;
  return out;
}
