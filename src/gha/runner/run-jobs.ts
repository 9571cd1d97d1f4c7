import type { Job, ReusableWorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { evaluateExpression, isTruthy, type Json } from '../workflow/expressions.js';
import { WorkflowError } from '../workflow/errors.js';
import type { LoadedJob, LoadedWorkflow } from '../workflow/load.js';
import { expandMatrix, legName, type Combination } from '../workflow/matrix.js';
import { evaluateString, evaluateStringMap, evaluateToken, literalValue, property } from '../workflow/template.js';
import type { Permissions } from '../state/schema.js';
import { runLeg, type LegPlan } from './job.js';
import type { LegRecord, Result, RunAttempt } from './model.js';
import { resolveJobPermissions } from './permissions.js';
import type { RunDefaults, UsesHandler } from './steps.js';

/**
 * The jobs of one workflow (the triggered one, or one called with `uses:`): started when their
 * `needs` are done, `if:` with `needs` and the status functions, matrix legs with `fail-fast` and
 * `max-parallel`, job concurrency groups, reusable workflow calls, and the results the `needs`
 * context and the run's conclusion are made of. Legs that succeeded in the previous attempt are
 * reused when only failed jobs are re-run.
 */

/** What a finished job gives its dependants. */
export interface JobOutcome {
  result: Result;
  outputs: Record<string, string>;
}

/** The level of workflow being run (top level, or called by a job). */
export interface WorkflowScope {
  workflow: LoadedWorkflow;
  inputs: Record<string, Json>;
  secrets: Record<string, string>;
  /** Permissions of the calling job; null at the top level. */
  ceiling: Permissions | null;
  keyPrefix: string;
  namePrefix: string;
  signal: AbortSignal;
  resolveUses: UsesHandler;
  callWorkflow(attempt: RunAttempt, job: LoadedJob & ReusableWorkflowJob, scope: WorkflowScope, needs: Record<string, JobOutcome>, permissions: Permissions, matrix: Combination | null): Promise<JobOutcome>;
}

function contextsFor(attempt: RunAttempt, scope: WorkflowScope, needs: Record<string, JobOutcome>): Record<string, unknown> {
  return { github: { ...baseGithub(attempt) }, inputs: scope.inputs, vars: attempt.vars, needs };
}

function baseGithub(attempt: RunAttempt): Record<string, unknown> {
  const { state } = attempt.services.store;
  return {
    event: attempt.event.payload,
    event_name: attempt.event.name,
    ref: attempt.event.ref,
    sha: attempt.event.sha,
    actor: attempt.event.actor,
    repository: `${state.repository.owner}/${state.repository.name}`,
    repository_owner: state.repository.owner,
    run_id: String(attempt.run.id),
    run_attempt: String(attempt.attempt),
    workflow: attempt.workflow.name,
    head_ref: attempt.event.headRef ?? '',
    base_ref: attempt.event.baseRef ?? '',
    ref_name: attempt.event.ref.replace(/^refs\/(heads|tags)\//, ''),
  };
}

/** Runs the scope's jobs; returns each job's outcome. */
export async function runJobs(attempt: RunAttempt, scope: WorkflowScope): Promise<Map<string, JobOutcome>> {
  const jobs = scope.workflow.jobs;
  const outcomes = new Map<string, JobOutcome>();
  const running = new Map<string, Promise<void>>();
  const workflowEnv = evaluateStringMap(property(scope.workflow.root, 'env'), { contexts: contextsFor(attempt, scope, {}) }, `${scope.workflow.path} env`);
  const runDefaults = property(property(scope.workflow.root, 'defaults'), 'run');
  const defaults: RunDefaults = {
    shell: typeof literalValue(property(runDefaults, 'shell')) === 'string' ? String(literalValue(property(runDefaults, 'shell'))) : undefined,
    workingDirectory: typeof literalValue(property(runDefaults, 'working-directory')) === 'string' ? String(literalValue(property(runDefaults, 'working-directory'))) : undefined,
  };
  const start = (job: LoadedJob) => {
    const needs = Object.fromEntries((job.needs ?? []).map((n) => [n.value, outcomes.get(n.value)!]));
    running.set(job.id.value, runJob(attempt, scope, job, needs, workflowEnv, defaults).then((outcome) => void outcomes.set(job.id.value, outcome)));
  };
  for (;;) {
    for (const job of jobs) {
      if (running.has(job.id.value)) continue;
      if ((job.needs ?? []).every((n) => outcomes.has(n.value))) start(job);
    }
    const pending = [...running.entries()].filter(([id]) => !outcomes.has(id));
    if (pending.length === 0) break;
    await Promise.race(pending.map(([, promise]) => promise));
  }
  return outcomes;
}

async function runJob(attempt: RunAttempt, scope: WorkflowScope, job: LoadedJob, needs: Record<string, JobOutcome>, workflowEnv: Record<string, string>, defaults: RunDefaults): Promise<JobOutcome> {
  const where = `${scope.workflow.path} jobs.${job.id.value}`;
  const services = attempt.services;
  const needsFailed = Object.values(needs).some((n) => n.result === 'failure');
  const needsOk = Object.values(needs).every((n) => n.result === 'success');
  const contexts = contextsFor(attempt, scope, needs);
  const status = {
    contexts,
    functions: [
      { name: 'success', minArgs: 0, maxArgs: 0, call: () => needsOk && !scope.signal.aborted },
      { name: 'failure', minArgs: 0, maxArgs: 0, call: () => needsFailed },
      { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => scope.signal.aborted },
      { name: 'always', minArgs: 0, maxArgs: 0, call: () => true },
    ],
  };
  const named = property(job.raw, 'name') !== undefined && job.name !== undefined;
  const name = `${scope.namePrefix}${named ? safeString(job.name!, contexts, where) : job.id.value}`;
  let run: boolean;
  try {
    run = isTruthy(evaluateExpression(job.if.expression, status, `${where}.if`));
  } catch (error) {
    services.print(`  ✗ ${name}: ${(error as Error).message}`);
    return { result: 'failure', outputs: {} };
  }
  if (!run) {
    services.print(`  - ${name}: skipped`);
    attempt.legs.push(skippedLeg(attempt, scope, job, name));
    return { result: 'skipped', outputs: {} };
  }
  const permissions = resolveJobPermissions({
    jobToken: property(job.raw, 'permissions'),
    workflowToken: property(scope.workflow.root, 'permissions'),
    file: scope.workflow.path,
    where: `jobs.${job.id.value}`,
    repositoryDefault: services.store.state.settings.default_workflow_permissions,
    ceiling: scope.ceiling,
    fork: attempt.event.fork,
  });
  const release = await enterConcurrency(attempt, property(job.raw, 'concurrency'), contexts, name, where);
  if (release === null) return { result: 'cancelled', outputs: {} };
  try {
    if (job.type === 'reusableWorkflowJob') return await runCalledLegs(attempt, scope, job as LoadedJob & ReusableWorkflowJob, needs, permissions, contexts, where);
    return await runLegs(attempt, scope, job as LoadedJob & Job, needs, permissions, contexts, workflowEnv, defaults, named ? null : name, where);
  } finally {
    release();
  }
}

function safeString(token: NonNullable<LoadedJob['name']>, contexts: Record<string, unknown>, where: string): string {
  try {
    return evaluateString(token, { contexts }, `${where}.name`);
  } catch {
    return String(literalValue(token) ?? '') || where.replace(/^.* jobs\./, '');
  }
}

function skippedLeg(attempt: RunAttempt, scope: WorkflowScope, job: LoadedJob, name: string): LegRecord {
  const now = new Date().toISOString();
  return { key: `${scope.keyPrefix}${job.id.value}`, jobId: job.id.value, name, result: 'skipped', outputs: {}, attempt: attempt.attempt, runner: '', permissions: {}, startedAt: now, completedAt: now, log: '', summary: '', annotations: [] };
}

/**
 * Enters the concurrency group a `concurrency:` token names (a job's, or a called workflow's);
 * resolves null when the holder was cancelled while pending.
 */
export async function enterConcurrency(attempt: RunAttempt, token: TemplateToken | undefined, contexts: Record<string, unknown>, label: string, where: string): Promise<(() => void) | null> {
  if (!token) return () => undefined;
  const value = evaluateToken(token, { contexts }, `${where}.concurrency`);
  const config = typeof value === 'string' ? { group: value } : (value as Record<string, Json>);
  const group = String(config.group ?? '');
  if (group === '') return () => undefined;
  const release = await attempt.services.concurrency.acquire(group, {
    label: `run ${attempt.run.id} ${label}`,
    cancelInProgress: isTruthy(config['cancel-in-progress'] ?? false),
    queue: config.queue === 'max' ? 'max' : 'single',
    cancelRunning: () => attempt.abort.abort(),
  });
  if (release === null) attempt.services.print(`  - ${label}: cancelled (a newer run entered concurrency group ${group})`);
  return release;
}

async function runLegs(
  attempt: RunAttempt,
  scope: WorkflowScope,
  job: LoadedJob & Job,
  needs: Record<string, JobOutcome>,
  permissions: Permissions,
  contexts: Record<string, unknown>,
  workflowEnv: Record<string, string>,
  defaults: RunDefaults,
  /** The leg name base (`job (values)`), or null when the job's `name:` is evaluated per leg. */
  name: string | null,
  where: string,
): Promise<JobOutcome> {
  const strategy = job.strategy ? (evaluateToken(job.strategy, { contexts }, `${where}.strategy`) as Record<string, Json>) : {};
  const combinations: (Combination | null)[] = strategy.matrix !== undefined ? expandMatrix(strategy.matrix, `${where}.strategy`) : [null];
  const failFast = strategy['fail-fast'] === undefined ? true : isTruthy(strategy['fail-fast']);
  const maxParallel = typeof strategy['max-parallel'] === 'number' ? strategy['max-parallel'] : combinations.length;
  const legsAbort = new AbortController();
  const onAbort = () => legsAbort.abort();
  scope.signal.addEventListener('abort', onAbort, { once: true });
  const results: LegRecord[] = [];
  let next = 0;
  const worker = async () => {
    while (next < combinations.length) {
      const index = next++;
      const matrix = combinations[index]!;
      const legContexts = { ...contexts, matrix: matrix ?? {} };
      const legTitle = name === null ? `${scope.namePrefix}${safeString(job.name!, legContexts, where)}` : legName(name, matrix);
      const key = `${scope.keyPrefix}${job.id.value}${matrix ? ` ${JSON.stringify(matrix)}` : ''}`;
      const previous = attempt.reuse.get(key);
      if (previous) {
        attempt.services.print(`  ↺ ${legTitle}: ${previous.result} (attempt ${previous.attempt}, not re-run)`);
        const reused = { ...previous, reused: true };
        results.push(reused);
        attempt.legs.push(reused);
        continue;
      }
      if (legsAbort.signal.aborted) {
        const cancelled: LegRecord = { ...skippedLeg(attempt, scope, job, legTitle), key, result: 'cancelled' };
        results.push(cancelled);
        attempt.legs.push(cancelled);
        continue;
      }
      const plan: LegPlan = {
        key,
        job,
        workflow: scope.workflow,
        name: legTitle,
        matrix,
        strategy: { 'fail-fast': failFast, 'job-index': index, 'job-total': combinations.length, 'max-parallel': maxParallel },
        needs,
        permissions,
        inputs: scope.inputs,
        secrets: scope.secrets,
        workflowEnv,
        defaults,
        signal: legsAbort.signal,
        resolveUses: scope.resolveUses,
      };
      const record = await runLeg(attempt, plan);
      results.push(record);
      attempt.legs.push(record);
      await attempt.services.save();
      if (record.result === 'failure' && failFast && combinations.length > 1) legsAbort.abort();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(maxParallel, combinations.length)) }, worker));
  scope.signal.removeEventListener('abort', onAbort);
  return aggregate(results);
}

/** A matrix job's result: failure if any leg failed, cancelled if any was cancelled, else success. */
function aggregate(results: readonly LegRecord[]): JobOutcome {
  const outputs: Record<string, string> = {};
  for (const r of results) if (r.result === 'success') Object.assign(outputs, r.outputs);
  const result: Result = results.some((r) => r.result === 'failure') ? 'failure' : results.some((r) => r.result === 'cancelled') ? 'cancelled' : results.every((r) => r.result === 'skipped') ? 'skipped' : 'success';
  return { result, outputs };
}

async function runCalledLegs(
  attempt: RunAttempt,
  scope: WorkflowScope,
  job: LoadedJob & ReusableWorkflowJob,
  needs: Record<string, JobOutcome>,
  permissions: Permissions,
  contexts: Record<string, unknown>,
  where: string,
): Promise<JobOutcome> {
  const strategy = job.strategy ? (evaluateToken(job.strategy, { contexts }, `${where}.strategy`) as Record<string, Json>) : {};
  if (strategy.matrix !== undefined) {
    const outcomes: JobOutcome[] = [];
    for (const matrix of expandMatrix(strategy.matrix, `${where}.strategy`)) outcomes.push(await scope.callWorkflow(attempt, job, scope, needs, permissions, matrix));
    return { result: outcomes.some((o) => o.result === 'failure') ? 'failure' : 'success', outputs: Object.assign({}, ...outcomes.map((o) => o.outputs)) };
  }
  if (!job.ref) throw new WorkflowError(`${where}: uses is missing`);
  return scope.callWorkflow(attempt, job, scope, needs, permissions, null);
}
