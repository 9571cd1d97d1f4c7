import type { ReusableWorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import { WorkflowError, unsupported } from '../workflow/errors.js';
import type { Json } from '../workflow/expressions.js';
import { loadWorkflow, type LoadedJob } from '../workflow/load.js';
import type { Combination } from '../workflow/matrix.js';
import { evaluateString, evaluateToken, keysOf, literalValue, property } from '../workflow/template.js';
import type { Permissions } from '../state/schema.js';
import type { RunAttempt } from './model.js';
import { enterConcurrency, runJobs, type JobOutcome, type WorkflowScope } from './run-jobs.js';

/**
 * A job that calls a reusable workflow (`uses: ./.github/workflows/x.yml`): the called file is
 * read from the same commit as the caller, its `on.workflow_call` inputs checked and typed (with
 * defaults), secrets passed by name or `inherit`ed, its jobs run under the caller job's
 * permissions as a ceiling and its workflow-level concurrency group, and its outputs evaluated
 * from its jobs.
 */

interface CallConfig {
  inputs?: Record<string, { type?: string; required?: boolean; default?: unknown }>;
  secrets?: Record<string, { required?: boolean }>;
}

export async function callWorkflow(
  attempt: RunAttempt,
  job: LoadedJob & ReusableWorkflowJob,
  caller: WorkflowScope,
  needs: Record<string, JobOutcome>,
  permissions: Permissions,
  matrix: Combination | null,
): Promise<JobOutcome> {
  const where = `${caller.workflow.path} jobs.${job.id.value}`;
  const ref = job.ref.value;
  if (!ref.startsWith('./')) throw unsupported(`calling the remote workflow \`${ref}\``, where);
  const path = ref.slice(2).replace(/@.*$/, '');
  const called = await loadWorkflow(path, await attempt.source.read(path).catch(() => {
    throw new WorkflowError(`${where}: ${path} does not exist at ${attempt.source.label}`);
  }));
  const events = called.template.events as Record<string, unknown>;
  if (!('workflow_call' in events)) throw new WorkflowError(`${where}: ${path} has no \`on: workflow_call\`, so it cannot be called`);
  const config = (events.workflow_call ?? {}) as CallConfig;
  const contexts = { github: { event: attempt.event.payload, event_name: attempt.event.name, ref: attempt.event.ref, sha: attempt.event.sha }, inputs: caller.inputs, vars: attempt.vars, needs, matrix: matrix ?? {} };
  const given = property(job.raw, 'with') ? (evaluateToken(property(job.raw, 'with')!, { contexts }, `${where}.with`) as Record<string, Json>) : {};
  const inputs: Record<string, Json> = {};
  for (const name of Object.keys(given)) if (!(name in (config.inputs ?? {}))) throw new WorkflowError(`${where}: ${path} has no input '${name}'`);
  for (const [name, spec] of Object.entries(config.inputs ?? {})) {
    let value: Json | undefined = given[name];
    if (value === undefined) {
      if (spec.required) throw new WorkflowError(`${where}: the required input '${name}' of ${path} is not given`);
      value = spec.default === undefined ? (spec.type === 'boolean' ? false : spec.type === 'number' ? 0 : '') : (spec.default as Json);
    }
    inputs[name] = coerceInput(value, spec.type ?? 'string', `${where}: input ${name}`);
  }
  let secrets: Record<string, string> = {};
  if (job['inherit-secrets']) secrets = { ...caller.secrets };
  else if (property(job.raw, 'secrets')) {
    const value = evaluateToken(property(job.raw, 'secrets')!, { contexts: { ...contexts, secrets: caller.secrets } }, `${where}.secrets`) as Record<string, Json>;
    for (const [name, secret] of Object.entries(value ?? {})) {
      if (!(name in (config.secrets ?? {}))) throw new WorkflowError(`${where}: ${path} has no secret '${name}'`);
      secrets[name] = String(secret ?? '');
    }
  }
  for (const [name, spec] of Object.entries(config.secrets ?? {})) {
    if (spec.required && !secrets[name]) throw new WorkflowError(`${where}: the required secret '${name}' of ${path} is not passed`);
  }
  const release = await enterConcurrency(attempt, property(called.root, 'concurrency'), { ...contexts, inputs }, path, path);
  if (release === null) return { result: 'cancelled', outputs: {} };
  let outcomes: Map<string, JobOutcome>;
  try {
    const scope: WorkflowScope = {
      ...caller,
      workflow: called,
      inputs,
      secrets,
      ceiling: permissions,
      keyPrefix: `${caller.keyPrefix}${job.id.value}${matrix ? ` ${JSON.stringify(matrix)}` : ''}/`,
      namePrefix: `${caller.namePrefix}${job.name ? String(literalValue(job.name) ?? job.id.value) : job.id.value} / `,
    };
    outcomes = await runJobs(attempt, scope);
  } finally {
    release();
  }
  const jobsContext = Object.fromEntries([...outcomes].map(([id, o]) => [id, { result: o.result, outputs: o.outputs }]));
  const outputs: Record<string, string> = {};
  const outputDefs = property(property(property(called.root, 'on'), 'workflow_call'), 'outputs');
  for (const name of keysOf(outputDefs)) {
    const value = property(property(outputDefs, name), 'value');
    if (value) outputs[name] = evaluateString(value, { contexts: { jobs: jobsContext, inputs, github: contexts.github } }, `${path} on.workflow_call.outputs.${name}`);
  }
  const results = [...outcomes.values()].map((o) => o.result);
  const result = results.includes('failure') ? 'failure' : results.includes('cancelled') ? 'cancelled' : results.every((r) => r === 'skipped') ? 'skipped' : 'success';
  return { result, outputs };
}

function coerceInput(value: Json, type: string, where: string): Json {
  if (type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new WorkflowError(`${where}: expected a boolean, got ${JSON.stringify(value)}`);
  }
  if (type === 'number') {
    const number = Number(value);
    if (Number.isNaN(number)) throw new WorkflowError(`${where}: expected a number, got ${JSON.stringify(value)}`);
    return number;
  }
  return value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}
