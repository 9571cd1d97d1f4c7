import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StoredArtifact, StoredRun } from '../state/schema.js';
import { actorOf, mockOf, notFound, paginate, urls, userJson, validationFailed, type GitHubService, type HandlerContext, type HandlerTable, type SimRequest } from './service.js';

const exec = promisify(execFile);

/**
 * The Actions part of the REST API: workflow runs, their artifacts (listed, and downloaded as a
 * zip, which needs `actions: read` — what download-artifact's `run-id` + `github-token` use), and
 * `workflow_dispatch` (which needs `actions: write`; a dispatch made with the job token does start
 * a run, unlike the token's other events).
 */

/** Where an artifact's files are kept. */
export function artifactDir(service: GitHubService, id: number): string {
  return join(service.store.paths.artifacts, String(id));
}

export function actionsHandlers(service: GitHubService): HandlerTable {
  const state = () => service.store.state;

  const runJson = (c: HandlerContext, req: SimRequest, run: StoredRun) => {
    const base = mockOf(c, 'actions/get-workflow-run');
    const { repo, web } = urls(c, req);
    return {
      ...base,
      id: run.id,
      name: run.name,
      node_id: `WFR_${run.id}`,
      head_branch: run.head_branch,
      head_sha: run.head_sha,
      path: run.workflow,
      display_title: run.name,
      run_number: run.run_number,
      run_attempt: run.run_attempt,
      event: run.event,
      status: run.status,
      conclusion: run.conclusion,
      workflow_id: 1,
      url: `${repo}/actions/runs/${run.id}`,
      html_url: `${web}/actions/runs/${run.id}`,
      pull_requests: [],
      created_at: run.created_at,
      updated_at: run.updated_at,
      run_started_at: run.created_at,
      actor: userJson({ login: run.actor, type: run.actor.endsWith('[bot]') ? 'Bot' : 'User' }),
      triggering_actor: userJson({ login: run.actor, type: run.actor.endsWith('[bot]') ? 'Bot' : 'User' }),
      artifacts_url: `${repo}/actions/runs/${run.id}/artifacts`,
    };
  };
  const artifactJson = (c: HandlerContext, req: SimRequest, artifact: StoredArtifact) => {
    const run = state().runs.find((r) => r.id === artifact.run_id);
    return {
      ...mockOf(c, 'actions/get-artifact'),
      id: artifact.id,
      node_id: `MDg6QXJ0aWZhY3Q${artifact.id}`,
      name: artifact.name,
      size_in_bytes: artifact.size,
      url: `${urls(c, req).repo}/actions/artifacts/${artifact.id}`,
      archive_download_url: `${urls(c, req).repo}/actions/artifacts/${artifact.id}/zip`,
      expired: Date.parse(artifact.expires_at) < Date.now(),
      digest: `sha256:${artifact.digest}`,
      created_at: artifact.created_at,
      updated_at: artifact.created_at,
      expires_at: artifact.expires_at,
      workflow_run: run ? { id: run.id, repository_id: state().repository.id, head_repository_id: state().repository.id, head_branch: run.head_branch, head_sha: run.head_sha } : null,
    };
  };

  return {
    'actions/list-workflow-runs-for-repo': async (c, req, res) => {
      const q = c.request.query;
      const runs = [...state().runs].reverse().filter((r) => (!q.event || r.event === q.event) && (!q.status || r.status === q.status || r.conclusion === q.status));
      const page = paginate(c, req, res, runs);
      return { status: 200, json: { total_count: runs.length, workflow_runs: page.map((r) => runJson(c, req, r)) } };
    },
    // workflow_id is the workflow's file name (retrain.yml) here; the simulated GitHub has no numeric workflow ids.
    'actions/list-workflow-runs': async (c, req, res) => {
      const q = c.request.query;
      const file = c.request.params.workflow_id!;
      const runs = [...state().runs].reverse().filter((r) => r.workflow === `.github/workflows/${file}` && (!q.event || r.event === q.event) && (!q.status || r.status === q.status || r.conclusion === q.status));
      const page = paginate(c, req, res, runs);
      return { status: 200, json: { total_count: runs.length, workflow_runs: page.map((r) => runJson(c, req, r)) } };
    },
    'actions/get-workflow-run': async (c, req, res) => {
      const run = state().runs.find((r) => r.id === Number(c.request.params.run_id));
      if (!run) return notFound(res);
      return { status: 200, json: runJson(c, req, run) };
    },
    'actions/list-workflow-run-artifacts': async (c, req, res) => {
      const runId = Number(c.request.params.run_id);
      const name = c.request.query.name;
      const artifacts = state().artifacts.filter((a) => a.run_id === runId && (!name || a.name === name));
      return { status: 200, json: { total_count: artifacts.length, artifacts: paginate(c, req, res, artifacts).map((a) => artifactJson(c, req, a)) } };
    },
    'actions/get-artifact': async (c, req, res) => {
      const artifact = state().artifacts.find((a) => a.id === Number(c.request.params.artifact_id));
      if (!artifact) return notFound(res);
      return { status: 200, json: artifactJson(c, req, artifact) };
    },
    'actions/download-artifact': async (c, _req, res) => {
      const artifact = state().artifacts.find((a) => a.id === Number(c.request.params.artifact_id));
      if (!artifact) return notFound(res);
      if (Date.parse(artifact.expires_at) < Date.now()) {
        res.status(410).json({ message: 'Artifact has expired' });
        return;
      }
      const scratch = await mkdtemp(join(tmpdir(), 'gha-artifact-'));
      try {
        const zip = join(scratch, 'artifact.zip');
        await exec('zip', ['-q', '-r', '-y', zip, '.'], { cwd: artifactDir(service, artifact.id) });
        res.setHeader('content-type', 'application/zip');
        res.status(200).send(await readFile(zip));
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
    'actions/create-workflow-dispatch': async (c, req, res) => {
      const body = req.body as { ref?: string; inputs?: Record<string, unknown> };
      if (!body.ref) return validationFailed(res, [], 'Required field "ref" missing');
      const problem = service.events.workflowDispatch
        ? await service.events.workflowDispatch({ workflow: c.request.params.workflow_id!, ref: body.ref, inputs: body.inputs ?? {}, actor: actorOf(res) })
        : 'workflow_dispatch is not available outside a gha run';
      if (problem) return validationFailed(res, [], problem);
      res.status(204).send('');
    },
  };
}
