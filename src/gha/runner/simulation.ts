import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile, cp } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { standIns } from '../actions/index.js';
import type { RepositoryEvent } from '../github/events.js';
import { startGitHubServer, type RunningGitHubServer } from '../github/server.js';
import { TokenRegistry } from '../github/tokens.js';
import { StateStore } from '../state/store.js';
import type { StoredRun } from '../state/schema.js';
import { dispatchInputs } from '../workflow/dispatch-inputs.js';
import { loadWorkflow, type LoadedWorkflow } from '../workflow/load.js';
import { triggerDecision } from '../workflow/triggers.js';
import { ConcurrencyGroups } from './concurrency.js';
import { createUsesResolver } from './local-action.js';
import { Machines } from './machines.js';
import type { LegRecord, RunAttempt, Services, WorkflowSource } from './model.js';
import { callWorkflow } from './reusable.js';
import { enterConcurrency, runJobs } from './run-jobs.js';
import { property } from '../workflow/template.js';
import { startContainerRegistry, type RunningRegistry } from '../registry/container-registry.js';
import { followUps } from './follow-ups.js';

const exec = promisify(execFile);

/**
 * One `gha` session on a state folder: the simulated GitHub's server (and container registry)
 * up, the runner's machines and concurrency groups, and the runs it starts — the one asked for,
 * and whatever that one triggers (workflow_dispatch through the API, workflow_run on
 * completion), all run until the queue is empty.
 */

/** Options of {@link Simulation.start}. */
export interface SimulationOptions {
  stateDir: string;
  print?: (line: string) => void;
  /** Start the container registry (needs docker-registry and podman). */
  registry?: boolean;
}

export class Simulation {
  private readonly queue: Promise<unknown>[] = [];
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly store: StateStore,
    readonly services: Services,
    private readonly server: RunningGitHubServer,
    private readonly registry: RunningRegistry | null,
    private readonly unlock: () => Promise<void>,
  ) {}

  static async start(options: SimulationOptions): Promise<Simulation> {
    const store = await StateStore.open(options.stateDir);
    const unlock = await store.lock();
    try {
      const tokens = new TokenRegistry();
      const print = options.print ?? ((line: string) => console.log(line));
      let simulation: Simulation | null = null;
      const registryRef: { current: RunningRegistry | null } = { current: null };
      const server = await startGitHubServer({
        store,
        tokens,
        events: {
          workflowDispatch: (request) => simulation!.dispatchFromApi(request.workflow, request.ref, request.inputs, request.actor.login),
        },
        // The registry starts after the server (its token realm is the server's URL).
        extraRoutes: (router, service) =>
          router.get('/_registry/token', ((req: never, res: { status(code: number): { json(v: unknown): void } }) => {
            if (!registryRef.current) return res.status(503).json({ errors: [{ code: 'UNAVAILABLE', message: 'the container registry is not running' }] });
            registryRef.current.tokenHandler(service)(req, res as never);
          }) as never),
      });
      const registry = options.registry === false ? null : await startContainerRegistry(store, tokens, server.url).catch((error: Error) => {
        print(`(container registry not started: ${error.message})`);
        return null;
      });
      registryRef.current = registry;
      const npmCache = process.env.npm_config_cache ?? join(homedir(), '.npm');
      const machines = new Machines(store.paths.runners, [{ name: 'self-hosted', labels: ['self-hosted', 'linux', 'x64', 'Linux', 'X64'] }], (jobName) => ({
        registryHost: registry?.host ?? null,
        npmCache,
        baseImage: registry?.baseImage ?? null,
        breakImages: /deploy/i.test(jobName) ? takeDeployCheckFaults(store) : [],
      }));
      const services: Services = {
        store,
        tokens,
        serverUrl: server.url,
        registryHost: registry?.host ?? null,
        machines,
        concurrency: new ConcurrencyGroups(),
        print,
        save: () => simulation!.save(),
        enqueue: (start) => simulation!.queue.push(start()),
      };
      process.env.npm_config_cache ??= npmCache;
      simulation = new Simulation(store, services, server, registry, unlock);
      return simulation;
    } catch (error) {
      await unlock();
      throw error;
    }
  }

  /** Saves the state; concurrent callers are serialised. */
  save(): Promise<void> {
    this.saving = this.saving.then(() => this.store.save());
    return this.saving;
  }

  /** Waits for every run started so far (and those they start). */
  async idle(): Promise<void> {
    while (this.queue.length > 0) await this.queue.shift();
  }

  async close(): Promise<void> {
    await this.idle();
    await this.save();
    await this.registry?.close();
    await this.server.close();
    await this.unlock();
  }

  /** A workflow source reading the origin at a commit. */
  originSource(sha: string): WorkflowSource {
    return { label: `commit ${sha.slice(0, 12)}`, sha, read: (path) => exec('git', ['show', `${sha}:${path}`], { cwd: this.store.paths.origin, maxBuffer: 16 << 20 }).then((r) => r.stdout) };
  }

  /**
   * Runs `workflowPath` for `event` when the workflow's `on:` accepts it. Returns the run, or
   * null (with the reason printed) when the event does not trigger the workflow.
   */
  async trigger(workflowPath: string, source: WorkflowSource, event: RepositoryEvent, options: { inputs?: Record<string, unknown>; workflowRunOf?: string } = {}): Promise<StoredRun | null> {
    const workflow = await loadWorkflow(workflowPath, await source.read(workflowPath));
    const decision = triggerDecision(workflow, event, options.workflowRunOf);
    if (!decision.runs) {
      this.services.print(`${workflow.name} (${workflowPath}) does not run for ${event.name}: ${decision.reason}.`);
      return null;
    }
    let inputs: Record<string, import('../workflow/expressions.js').Json> = {};
    if (event.name === 'workflow_dispatch') {
      const checked = dispatchInputs(workflow, options.inputs ?? {});
      inputs = checked.context;
      event.payload.inputs = checked.payload;
    }
    const state = this.store.state;
    const id = this.store.nextId();
    const runNumber = (state.next_run_number[workflowPath] ?? 0) + 1;
    state.next_run_number[workflowPath] = runNumber;
    const dir = join(this.store.paths.runs, String(id));
    await mkdir(dir, { recursive: true });
    const eventPath = join(dir, 'event.json');
    await writeFile(eventPath, JSON.stringify(event.payload, null, 2));
    await writeFile(join(dir, 'event-meta.json'), JSON.stringify({ ...event, payload: undefined, inputs }, null, 2));
    if (source.sha === null) await snapshotWorkflows(source, workflow, join(dir, 'workflows'));
    const pullRequest = event.payload.pull_request as { number?: number; head?: { sha?: string } } | undefined;
    const pr = pullRequest?.number;
    const now = new Date().toISOString();
    const run: StoredRun = {
      id,
      run_number: runNumber,
      workflow: workflowPath,
      name: workflow.name,
      event: event.name,
      // A pull_request run's head is the pull request's head commit, not the test merge commit.
      head_sha: pullRequest?.head?.sha ?? event.sha,
      head_branch: event.headRef ?? (event.ref.startsWith('refs/heads/') ? event.ref.slice('refs/heads/'.length) : null),
      ref: event.ref,
      actor: event.actor,
      status: 'in_progress',
      conclusion: null,
      run_attempt: 1,
      created_at: now,
      updated_at: now,
      event_path: eventPath,
      workflow_sha: source.sha,
      inputs,
      pull_requests: pr ? [pr] : [],
      jobs: [],
    };
    state.runs.push(run);
    await this.save();
    await this.execute(run, workflow, source, event, eventPath, 1, new Map());
    return run;
  }

  /** Re-runs a run: all jobs, or (`failedOnly`) the failed and cancelled ones and their dependants. */
  async rerun(runId: number, failedOnly: boolean): Promise<StoredRun> {
    const run = this.store.state.runs.find((r) => r.id === runId);
    if (!run) throw new Error(`There is no run ${runId}.`);
    if (run.status !== 'completed') throw new Error(`Run ${runId} is still ${run.status}.`);
    const dir = join(this.store.paths.runs, String(run.id));
    const meta = JSON.parse(await readFile(join(dir, 'event-meta.json'), 'utf8')) as RepositoryEvent & { inputs: Record<string, never> };
    const event: RepositoryEvent = { ...meta, payload: JSON.parse(await readFile(run.event_path, 'utf8')) as Record<string, unknown> };
    const source: WorkflowSource = run.workflow_sha ? this.originSource(run.workflow_sha) : { label: `run ${run.id}'s workflows`, sha: null, read: (path) => readFile(join(dir, 'workflows', path), 'utf8') };
    const workflow = await loadWorkflow(run.workflow, await source.read(run.workflow));
    const attempt = run.run_attempt + 1;
    const reuse = new Map<string, LegRecord>();
    if (failedOnly) {
      const latest = new Map<string, StoredRun['jobs'][number]>();
      for (const job of run.jobs) latest.set(job.key, job);
      for (const [key, job] of latest) {
        if (job.conclusion === 'success') reuse.set(key, { key, jobId: key, name: job.name, result: 'success', outputs: job.outputs, attempt: job.attempt, runner: job.runner, permissions: job.permissions, startedAt: job.started_at, completedAt: job.completed_at, log: job.log, summary: job.summary, annotations: job.annotations });
      }
    }
    run.run_attempt = attempt;
    run.status = 'in_progress';
    run.conclusion = null;
    await this.execute(run, workflow, source, event, run.event_path, attempt, reuse, meta.inputs);
    return run;
  }

  private async execute(run: StoredRun, workflow: LoadedWorkflow, source: WorkflowSource, event: RepositoryEvent, eventPath: string, attemptNumber: number, reuse: Map<string, LegRecord>, inputsOverride?: Record<string, never>): Promise<void> {
    const state = this.store.state;
    const attempt: RunAttempt = {
      run,
      attempt: attemptNumber,
      workflow,
      source,
      event,
      eventPath,
      inputs: inputsOverride ?? run.inputs as RunAttempt['inputs'],
      secrets: event.fork ? {} : { ...state.secrets },
      vars: { ...state.variables },
      abort: new AbortController(),
      reuse,
      legs: [],
      services: this.services,
    };
    this.services.print(`▶ run ${run.id} · ${workflow.name} (${workflow.path}) · ${event.name}${event.action ? `.${event.action}` : ''} · ${event.ref} ${event.sha.slice(0, 12)}${attemptNumber > 1 ? ` · attempt ${attemptNumber}` : ''}`);
    let conclusion: string;
    const contexts = { github: { event: event.payload, event_name: event.name, ref: event.ref, sha: event.sha, repository: `${state.repository.owner}/${state.repository.name}`, workflow: workflow.name }, inputs: attempt.inputs, vars: attempt.vars };
    const release = await enterConcurrency(attempt, property(workflow.root, 'concurrency'), contexts, workflow.name, workflow.path);
    if (release === null) conclusion = 'cancelled';
    else {
      try {
        const outcomes = await runJobs(attempt, {
          workflow,
          inputs: attempt.inputs,
          secrets: attempt.secrets,
          ceiling: null,
          keyPrefix: '',
          namePrefix: '',
          signal: attempt.abort.signal,
          resolveUses: createUsesResolver(standIns),
          callWorkflow,
        });
        const results = [...outcomes.values()].map((o) => o.result);
        conclusion = results.includes('failure') ? 'failure' : results.includes('cancelled') || attempt.abort.signal.aborted ? 'cancelled' : 'success';
      } catch (error) {
        this.services.print(`✗ run ${run.id}: ${(error as Error).message}`);
        conclusion = 'failure';
        attempt.legs.push({ key: '(startup)', jobId: '(startup)', name: 'Workflow startup', result: 'failure', outputs: {}, attempt: attemptNumber, runner: '', permissions: {}, startedAt: new Date().toISOString(), completedAt: new Date().toISOString(), log: '', summary: '', annotations: [{ level: 'error', message: (error as Error).message }] });
      } finally {
        release();
      }
    }
    run.jobs.push(
      ...attempt.legs.map((leg) => ({
        key: leg.key,
        name: leg.name,
        conclusion: leg.result,
        attempt: leg.reused ? leg.attempt : attemptNumber,
        runner: leg.runner,
        permissions: leg.permissions,
        started_at: leg.startedAt,
        completed_at: leg.completedAt,
        log: leg.log,
        outputs: leg.outputs,
        summary: leg.summary,
        annotations: leg.annotations,
        reused: leg.reused ?? false,
      })),
    );
    run.status = 'completed';
    run.conclusion = conclusion;
    run.updated_at = new Date().toISOString();
    await this.save();
    this.services.print(`${conclusion === 'success' ? '✓' : '✗'} run ${run.id} · ${workflow.name}: ${conclusion}`);
    for (const start of await followUps(this, run, event)) this.queue.push(start());
  }

  /** The API's workflow_dispatch: checked now (422 on bad inputs), run in the background. */
  async dispatchFromApi(workflowId: string, ref: string, inputs: Record<string, unknown>, actor: string): Promise<string | null> {
    const { dispatchEventFor } = await import('./follow-ups.js');
    try {
      const prepared = await dispatchEventFor(this, workflowId, ref, inputs, actor);
      this.queue.push(this.trigger(prepared.path, prepared.source, prepared.event, { inputs }).catch((error: Error) => this.services.print(`✗ dispatched ${workflowId}: ${error.message}`)));
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }
}

/** Consumes the pending deploy-check faults (each breaks one deploy job's matching container). */
function takeDeployCheckFaults(store: StateStore): string[] {
  const matches: string[] = [];
  for (const fault of store.state.faults) {
    if (fault.kind !== 'deploy-check' || fault.remaining <= 0) continue;
    fault.remaining -= 1;
    matches.push(fault.match);
  }
  return matches;
}

/** Copies the workflow files a working-tree run uses, so that re-runs use the same files. */
async function snapshotWorkflows(source: WorkflowSource, workflow: LoadedWorkflow, target: string): Promise<void> {
  const paths = new Set([workflow.path]);
  for (const job of workflow.jobs) if (job.type === 'reusableWorkflowJob') paths.add(job.ref.value.replace(/^\.\//, '').replace(/@.*$/, ''));
  for (const path of paths) {
    const text = await source.read(path).catch(() => null);
    if (text === null) continue;
    await mkdir(join(target, path, '..'), { recursive: true });
    await writeFile(join(target, path), text);
  }
  void cp;
}
