import { dispatchEvent, workflowRunEvent, type RepositoryEvent } from '../github/events.js';
import { git, resolveCommit } from '../github/git.js';
import type { StoredRun } from '../state/schema.js';
import { dispatchInputs } from '../workflow/dispatch-inputs.js';
import { WorkflowError } from '../workflow/errors.js';
import { loadWorkflow } from '../workflow/load.js';
import { triggerDecision } from '../workflow/triggers.js';
import type { WorkflowSource } from './model.js';
import type { Simulation } from './simulation.js';

/**
 * What a finished run starts by itself on GitHub: `workflow_run` workflows of the default branch
 * that listen for it (never more than three levels of workflow_run in a chain). And what the API
 * starts: `workflow_dispatch` (the one event the job token may start), resolved here.
 */

const maxWorkflowRunDepth = 3;

/** The workflow files on the default branch of the origin. */
export async function defaultBranchWorkflows(simulation: Simulation): Promise<{ sha: string; paths: string[] } | null> {
  const branch = simulation.store.state.repository.default_branch;
  const sha = await resolveCommit(simulation.store.paths.origin, `refs/heads/${branch}`);
  if (!sha) return null;
  const listing = await git(simulation.store.paths.origin, ['ls-tree', '--name-only', `${sha}:.github/workflows`]).catch(() => '');
  return { sha, paths: listing.split('\n').filter((name) => /\.ya?ml$/.test(name)).map((name) => `.github/workflows/${name}`) };
}

/** The runs a finished run triggers. */
export async function followUps(simulation: Simulation, run: StoredRun, event: RepositoryEvent): Promise<(() => Promise<unknown>)[]> {
  const depth = event.name === 'workflow_run' ? Number((event.payload as { _depth?: number })._depth ?? 1) : 0;
  if (depth >= maxWorkflowRunDepth) return [];
  const workflows = await defaultBranchWorkflows(simulation);
  if (!workflows) return [];
  const source = simulation.originSource(workflows.sha);
  const state = simulation.store.state;
  const headRepo = event.name === 'pull_request' ? ((event.payload.pull_request as { head: { repo: { full_name: string } } }).head.repo.full_name) : `${state.repository.owner}/${state.repository.name}`;
  const starts: (() => Promise<unknown>)[] = [];
  for (const path of workflows.paths) {
    const text = await source.read(path);
    if (!/workflow_run/.test(text)) continue;
    const workflow = await loadWorkflow(path, text).catch(() => null);
    if (!workflow) continue;
    const followEvent = workflowRunEvent(state, run, workflows.sha, headRepo, simulation.services.serverUrl);
    (followEvent.payload as { _depth?: number })._depth = depth + 1;
    if (!triggerDecision(workflow, followEvent, run.name).runs) continue;
    starts.push(() => simulation.trigger(path, source, followEvent, { workflowRunOf: run.name }).catch((error: Error) => simulation.services.print(`✗ ${path}: ${error.message}`)));
  }
  return starts;
}

/** Resolves a dispatch (workflow file name or path, a branch or tag) into an event; throws the 422 message. */
export async function dispatchEventFor(simulation: Simulation, workflowId: string, ref: string, inputs: Record<string, unknown>, actor: string): Promise<{ path: string; source: WorkflowSource; event: RepositoryEvent }> {
  const fullRef = ref.startsWith('refs/') ? ref : (await resolveCommit(simulation.store.paths.origin, `refs/heads/${ref}`)) ? `refs/heads/${ref}` : `refs/tags/${ref}`;
  const sha = await resolveCommit(simulation.store.paths.origin, fullRef);
  if (!sha) throw new WorkflowError(`No ref found for: ${ref}`);
  const path = workflowId.includes('/') ? workflowId : `.github/workflows/${workflowId}`;
  const source = simulation.originSource(sha);
  const text = await source.read(path).catch(() => null);
  if (text === null) throw new WorkflowError(`Workflow ${workflowId} does not exist at ${ref}`);
  const workflow = await loadWorkflow(path, text);
  if (!('workflow_dispatch' in workflow.template.events)) throw new WorkflowError(`Workflow does not have 'workflow_dispatch' trigger`);
  dispatchInputs(workflow, inputs);
  return { path, source, event: dispatchEvent(simulation.store.state, fullRef, sha, path, {}, actor, simulation.services.serverUrl) };
}
