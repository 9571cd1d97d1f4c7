import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job } from '@actions/workflow-parser/model/workflow-template';
import { isSequence } from '@actions/workflow-parser';
import { selectedBy } from '../workflow/filters.js';
import type { Combination } from '../workflow/matrix.js';
import { evaluateToken, evaluateStringMap, evaluateString, literalValue, property } from '../workflow/template.js';
import { evaluateExpression, isTruthy, type Json } from '../workflow/expressions.js';
import { WorkflowError } from '../workflow/errors.js';
import type { LoadedJob, LoadedWorkflow } from '../workflow/load.js';
import type { Permissions } from '../state/schema.js';
import { defaultEnvironment, githubContext, runnerContext } from './contexts.js';
import { recordEnvironmentDeployment, type EnvironmentDeployment } from './environments.js';
import { hashFiles } from './hash-files.js';
import { takeFault } from '../github/faults.js';
import { JobState } from './job-state.js';
import type { Machine } from './machines.js';
import type { LegRecord, Result, RunAttempt } from './model.js';
import { runSteps, seconds, type RunDefaults, type StepSpec, type UsesHandler } from './steps.js';

/**
 * One job (or one leg of a matrix) from start to end: a machine for its `runs-on`, a fresh token
 * with its permissions, its environment (deployment branch rules, environment secrets, the
 * automatic deployment record), its steps and post steps, its outputs; then the machine is
 * released and the token revoked.
 */

/** What the workflow run decided about a leg before it starts. */
export interface LegPlan {
  key: string;
  job: LoadedJob & Job;
  workflow: LoadedWorkflow;
  name: string;
  matrix: Combination | null;
  strategy: Record<string, Json>;
  needs: Record<string, { result: Result; outputs: Record<string, string> }>;
  permissions: Permissions;
  inputs: Record<string, Json>;
  secrets: Record<string, string>;
  workflowEnv: Record<string, string>;
  defaults: RunDefaults;
  signal: AbortSignal;
  resolveUses: UsesHandler;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
}

/** Runs a leg to its end; never throws for a failing job (a WorkflowError is a failure of the leg). */
export async function runLeg(attempt: RunAttempt, plan: LegPlan): Promise<LegRecord> {
  const services = attempt.services;
  const startedAt = new Date().toISOString();
  const logFile = join(services.store.paths.runs, String(attempt.run.id), `attempt-${attempt.attempt}`, `${safeName(plan.name)}.log`);
  const baseContexts = { github: githubContext(attempt, { jobId: plan.job.id.value, workspace: '', token: '', workflowPath: plan.workflow.path }), inputs: plan.inputs, vars: attempt.vars, needs: plan.needs, matrix: plan.matrix ?? {}, strategy: plan.strategy };
  const record = (result: Result, extra: Partial<LegRecord> = {}): LegRecord => ({
    key: plan.key,
    jobId: plan.job.id.value,
    name: plan.name,
    result,
    outputs: {},
    attempt: attempt.attempt,
    runner: '',
    permissions: plan.permissions,
    startedAt,
    completedAt: new Date().toISOString(),
    log: logFile,
    summary: '',
    annotations: [],
    ...extra,
  });
  const where = `${plan.workflow.path} jobs.${plan.job.id.value}`;
  let labels: string[];
  try {
    const runsOn = plan.job['runs-on'] ? evaluateToken(plan.job['runs-on'], { contexts: baseContexts }, `${where}.runs-on`) : null;
    labels = (Array.isArray(runsOn) ? runsOn : [runsOn]).map((label) => String(label ?? '')).filter(Boolean);
    if (labels.length === 0) throw new WorkflowError(`${where}: runs-on is empty`);
  } catch (error) {
    if (error instanceof WorkflowError) throw error;
    throw new WorkflowError(`${where}.runs-on: ${(error as Error).message}`);
  }
  const environment = evaluateEnvironment(plan, baseContexts, where);
  const branchProblem = environment ? deploymentBranchProblem(attempt, environment.name) : null;
  if (branchProblem) {
    services.print(`  ✗ ${plan.name}: ${branchProblem}`);
    return record('failure', { annotations: [{ level: 'error', message: branchProblem }] });
  }
  const machine = await services.machines.acquire(labels, plan.signal, plan.name);
  const grant = services.tokens.issueJobToken({ runId: attempt.run.id, job: plan.name, permissions: plan.permissions });
  const repoName = services.store.state.repository.name;
  const workspace = join(machine.workRoot, repoName, repoName);
  await mkdir(workspace, { recursive: true });
  const envSecrets = environment && !attempt.event.fork ? (services.store.state.environments[environment.name]?.secrets ?? {}) : {};
  const envVars = environment ? (services.store.state.environments[environment.name]?.variables ?? {}) : {};
  const identity = { jobId: plan.job.id.value, workspace, token: grant.value, workflowPath: plan.workflow.path };
  const secrets = { ...plan.secrets, ...envSecrets, GITHUB_TOKEN: grant.value };
  const contexts: Record<string, unknown> = {
    ...baseContexts,
    github: githubContext(attempt, identity),
    runner: runnerContext(machine),
    vars: { ...attempt.vars, ...envVars },
    secrets,
    env: {},
  };
  const controller = new AbortController();
  const abort = () => controller.abort();
  plan.signal.addEventListener('abort', abort, { once: true });
  const timeoutToken = property(plan.job.raw, 'timeout-minutes');
  const timeoutMinutes = timeoutToken ? Number(evaluateToken(timeoutToken, { contexts }, `${where}.timeout-minutes`)) : 360;
  const timer = setTimeout(abort, timeoutMinutes * 60_000);
  const baseEnv = defaultEnvironment(attempt, identity, machine);
  if (plan.permissions['id-token'] === 'write') {
    baseEnv.ACTIONS_ID_TOKEN_REQUEST_URL = `${services.serverUrl}/_actions/oidc/token?api-version=2.0`;
    baseEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN = grant.value;
  }
  const job = new JobState({ ...attempt, secrets }, plan.job.id.value, plan.name, machine, workspace, grant, baseEnv, contexts, logFile, controller.signal);
  job.hashFiles = (patterns) => hashFiles(workspace, patterns);
  services.print(`  ▶ ${plan.name} (${machine.name})`);
  let deployment: EnvironmentDeployment | null = null;
  try {
    contexts.env = { ...plan.workflowEnv, ...evaluateStringMap(property(plan.job.raw, 'env'), job.scope(), `${where}.env`) };
    if (environment && !environment.skipDeployment) deployment = await recordEnvironmentDeployment(services, attempt, environment.name);
    if (takeFault(services.store, 'runner-crash', plan.name)) {
      const message = `The ${machine.environment === 'self-hosted' ? 'self-hosted' : 'hosted'} runner: ${machine.name} lost communication with the server. Anything in your workflow that terminates the runner process, starves it for CPU/Memory, or blocks its network access can cause this error. (injected runner-crash fault)`;
      job.annotations.push({ level: 'error', message });
      job.log(`##[error]${message}`);
      job.status = 'failure';
    } else await runSteps(job, stepSpecs(plan), { file: plan.workflow.path, defaults: jobDefaults(plan, job), resolveUses: plan.resolveUses });
    for (const post of [...job.post].reverse()) {
      const condition = post.condition.replace(/^\$\{\{\s*|\s*\}\}$/g, '');
      if (!isTruthy(evaluateExpression(condition, job.scope(), `${post.name}.post-if`))) continue;
      try {
        job.log(`##[group]${post.name}`);
        await post.run();
      } catch (error) {
        job.log(`##[error]${(error as Error).message}`);
        if (job.status === 'success') job.status = 'failure';
      }
    }
  } catch (error) {
    if (!(error instanceof WorkflowError)) throw error;
    job.log(`##[error]${error.message}`);
    job.annotations.push({ level: 'error', message: error.message });
    job.status = 'failure';
    services.print(`  ✗ ${plan.name}: ${error.message}`);
  } finally {
    clearTimeout(timer);
    plan.signal.removeEventListener('abort', abort);
  }
  const result: Result = controller.signal.aborted && job.status !== 'failure' ? 'cancelled' : job.status;
  let outputs: Record<string, string> = {};
  try {
    outputs = evaluateStringMap(plan.job.outputs, job.scope(), `${where}.outputs`);
  } catch (error) {
    job.log(`##[error]${(error as Error).message}`);
  }
  if (process.env.GHA_TRACE) console.error(`[trace] ${plan.name}: steps done`);
  if (deployment) await deployment.finish(result, environment?.url ? safeUrl(environment.url, job) : undefined);
  services.tokens.revoke(grant.value);
  if (process.env.GHA_TRACE) console.error(`[trace] ${plan.name}: releasing ${machine.name}`);
  await releaseMachine(machine);
  if (process.env.GHA_TRACE) console.error(`[trace] ${plan.name}: released`);
  if (job.credentialExposures.length > 0) services.store.state.audit.push(...job.credentialExposures.map((what) => ({ run_id: attempt.run.id, job: plan.name, actor: 'runner', method: 'RUN', path: `RUN ${what}`, scope: 'credentials-in-git-config', level: 'write', allowed: false, status: 0 })));
  services.print(`  ${result === 'success' ? '✓' : result === 'failure' ? '✗' : '-'} ${plan.name}: ${result} ${seconds(Date.now() - Date.parse(startedAt))}`);
  return record(result, { outputs, runner: machine.name, summary: job.summary, annotations: job.annotations });
}

async function releaseMachine(machine: Machine): Promise<void> {
  await machine.release().catch(() => undefined);
}

function safeUrl(url: import('@actions/workflow-parser/templates/tokens/template-token').TemplateToken, job: JobState): string | undefined {
  try {
    return evaluateString(url, job.scope(), 'environment.url') || undefined;
  } catch {
    return undefined;
  }
}

function stepSpecs(plan: LegPlan): StepSpec[] {
  const raw = property(plan.job.raw, 'steps');
  if (!raw || !isSequence(raw)) return [];
  return plan.job.steps.map((step, index) => ({
    id: step.id,
    condition: 'if' in step && step.if ? step.if.expression : 'success()',
    raw: raw.get(index),
    where: `${plan.workflow.path} jobs.${plan.job.id.value}.steps[${index}]`,
  }));
}

function jobDefaults(plan: LegPlan, job: JobState): RunDefaults {
  const run = property(property(plan.job.raw, 'defaults'), 'run');
  const shell = property(run, 'shell');
  const dir = property(run, 'working-directory');
  return {
    shell: shell ? evaluateString(shell, job.scope(), 'defaults.run.shell') : plan.defaults.shell,
    workingDirectory: dir ? evaluateString(dir, job.scope(), 'defaults.run.working-directory') : plan.defaults.workingDirectory,
  };
}

interface EnvironmentChoice {
  name: string;
  url: import('@actions/workflow-parser/templates/tokens/template-token').TemplateToken | undefined;
  skipDeployment: boolean;
}

function evaluateEnvironment(plan: LegPlan, contexts: Record<string, unknown>, where: string): EnvironmentChoice | null {
  const token = property(plan.job.raw, 'environment');
  if (!token) return null;
  const scope = { contexts };
  const nameToken = property(token, 'name');
  const name = evaluateString(nameToken ?? token, scope, `${where}.environment`);
  if (name === '') return null;
  const deployment = literalValue(property(token, 'deployment'));
  return { name, url: property(token, 'url'), skipDeployment: deployment === false };
}

/** GitHub's deployment branch policy of an environment: the run's ref must be allowed. */
function deploymentBranchProblem(attempt: RunAttempt, environment: string): string | null {
  const allowed = attempt.services.store.state.environments[environment]?.deployment_branches ?? null;
  if (!allowed) return null;
  const ref = attempt.event.ref;
  if (ref.startsWith('refs/heads/')) {
    const branch = ref.slice('refs/heads/'.length);
    return selectedBy(allowed.filter((p) => !p.startsWith('tag:')), branch) ? null : `Branch "${branch}" is not allowed to deploy to ${environment} due to environment protection rules.`;
  }
  if (ref.startsWith('refs/tags/')) {
    const tag = ref.slice('refs/tags/'.length);
    return selectedBy(allowed.filter((p) => p.startsWith('tag:')).map((p) => p.slice(4)), tag) ? null : `Tag "${tag}" is not allowed to deploy to ${environment} due to environment protection rules.`;
  }
  return `Ref "${ref}" is not allowed to deploy to ${environment} due to environment protection rules.`;
}
