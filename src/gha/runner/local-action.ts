import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import type { ActionTemplate } from '@actions/workflow-parser/actions/index';
import { isSequence, NoOperationTraceWriter } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { unsupported, WorkflowError } from '../workflow/errors.js';
import { evaluateString, property } from '../workflow/template.js';
import type { JobState } from './job-state.js';
import type { Result } from './model.js';
import { runProcess } from './processes.js';
import { freshCommandFiles, runSteps, stepEnvironment, takeOutputs, type StepSpec, type UsesHandler } from './steps.js';
import { readKeyValueFile } from './command-files.js';

/**
 * `uses:` steps. Local actions (`./path`, read from the job's workspace, so the repository must
 * be checked out first) run as the runner runs them: a JavaScript action's `runs.main` with the
 * inputs as INPUT_* variables (action.yml defaults evaluated, `${{ github.token }}` included) and
 * its `runs.post` queued; a composite action's steps with its own `inputs` and `outputs`.
 * `owner/repo@ref` goes to the stand-in registered for owner/repo; anything else is an error
 * that names it.
 */

/** A stand-in for a third-party action: honours its inputs and outputs, may queue a post step. */
export type StandIn = (job: JobState, inputs: Record<string, string>, step: StepSpec) => Promise<Record<string, string>>;

/** The declared inputs of a stand-in (for defaults and the unknown-input warning). */
export interface StandInSpec {
  run: StandIn;
  inputs: Record<string, string | null>;
}

/** `INPUT_` + the upper-cased name with spaces as underscores (dashes kept), as the runner sets it. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

async function loadAction(dir: string, where: string): Promise<{ template: ActionTemplate; root: TemplateToken }> {
  const file = ['action.yml', 'action.yaml'].map((name) => join(dir, name)).find((path) => existsSync(path));
  if (!file) throw new WorkflowError(`${where}: Can't find 'action.yml' or 'action.yaml' under '${dir}'. Did you forget to run actions/checkout before running your local action?`);
  const parsed = parseAction({ name: file, content: await readFile(file, 'utf8') }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors();
  if (errors.length > 0 || !parsed.value) throw new WorkflowError(`${file} is not a valid action:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  return { template: convertActionTemplate(parsed.context, parsed.value), root: parsed.value };
}

/** Resolves inputs: given values, else defaults (evaluated), warning on unknown ones. */
function actionInputs(job: JobState, template: ActionTemplate, given: Record<string, string>, where: string): Record<string, string> {
  const declared = template.inputs ?? [];
  const unknown = Object.keys(given).filter((name) => !declared.some((input) => input.id === name));
  if (unknown.length > 0) {
    job.annotations.push({ level: 'warning', message: `Unexpected input(s) '${unknown.join("', '")}', valid inputs are ['${declared.map((i) => i.id).join("', '")}']` });
  }
  const values: Record<string, string> = {};
  for (const input of declared) {
    values[input.id] = given[input.id] ?? (input.default ? evaluateString(input.default, job.scope(), `${where} input ${input.id}`) : '');
  }
  return values;
}

/** The uses-resolver of a job, with the stand-ins for third-party actions. */
export function createUsesResolver(standIns: Record<string, StandInSpec>): UsesHandler {
  const resolver: UsesHandler = async (job, step, uses, given, env) => {
    if (uses.startsWith('docker://')) throw unsupported(`the docker action \`${uses}\``, step.where);
    if (uses.startsWith('./')) return runLocalAction(job, step, uses, given, env, resolver);
    const match = /^([^/@]+\/[^/@]+)(\/[^@]*)?@(.+)$/.exec(uses);
    const spec = match && !match[2] ? standIns[match[1]!] : undefined;
    if (!match || !spec) {
      throw unsupported(`the action \`${uses}\` (no stand-in; the local runner has stand-ins for ${Object.keys(standIns).sort().join(', ')})`, step.where);
    }
    const unknown = Object.keys(given).filter((name) => !(name in spec.inputs));
    if (unknown.length > 0) throw new WorkflowError(`${step.where}: ${match[1]} has no input '${unknown.join("', '")}' (the stand-in knows ${Object.keys(spec.inputs).join(', ')})`);
    const inputs: Record<string, string> = {};
    for (const [name, fallback] of Object.entries(spec.inputs)) {
      const value = given[name] ?? (fallback === null ? '' : fallback);
      inputs[name] = value === '${{ github.token }}' ? job.grant.value : value;
    }
    return { result: 'success' as Result, outputs: await spec.run(job, inputs, step) };
  };
  return resolver;
}

async function runLocalAction(job: JobState, step: StepSpec, uses: string, given: Record<string, string>, env: Record<string, string>, resolver: UsesHandler): Promise<{ result: Result; outputs: Record<string, string> }> {
  const dir = resolve(job.workspace, uses);
  if (!dir.startsWith(job.workspace)) throw new WorkflowError(`${step.where}: ${uses} points outside the workspace`);
  const { template, root } = await loadAction(dir, step.where);
  const inputs = actionInputs(job, template, given, step.where);
  const runs = template.runs;
  if (runs.using === 'composite') return runComposite(job, step, dir, template, root, inputs, env, resolver);
  if (runs.using === 'docker') throw unsupported(`the docker action ${uses}`, step.where);
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [inputVariable(name), value]));
  const actionEnv = { ...env, ...inputEnv, GITHUB_ACTION: step.id, GITHUB_ACTION_PATH: dir, GITHUB_ACTION_REPOSITORY: '', GITHUB_ACTION_REF: '' };
  if (runs.pre) throw unsupported(`runs.pre of ${uses}`, step.where);
  const files = await freshCommandFiles(job);
  const outcome = await runProcess(process.execPath, [join(dir, runs.main)], {
    cwd: job.workspace,
    env: stepEnvironment(job, actionEnv, files),
    timeoutMs: 360 * 60_000,
    signal: job.signal,
    onLine: (line, stream) => job.output(line, stream),
  });
  const state = await readKeyValueFile(files.state, 'GITHUB_STATE');
  const outputs = await takeOutputs(job);
  if (runs.post) {
    const post = runs.post;
    job.post.push({
      name: `Post ${uses}`,
      condition: runs.postIf ?? 'always()',
      run: async () => {
        const postFiles = await freshCommandFiles(job);
        const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
        const result = await runProcess(process.execPath, [join(dir, post)], { cwd: job.workspace, env: stepEnvironment(job, { ...actionEnv, ...stateEnv }, postFiles), timeoutMs: 360 * 60_000, signal: new AbortController().signal, onLine: (line, stream) => job.output(line, stream) });
        await takeOutputs(job);
        if (result.code !== 0) throw new Error(`Post ${uses} failed with exit code ${result.code}`);
      },
    });
  }
  if (outcome.cancelled) return { result: 'cancelled', outputs };
  if (outcome.timedOut || outcome.code !== 0) {
    job.log(`##[error]${uses} failed with exit code ${outcome.code}`);
    return { result: 'failure', outputs };
  }
  return { result: 'success', outputs };
}

async function runComposite(
  job: JobState,
  step: StepSpec,
  dir: string,
  template: ActionTemplate,
  root: TemplateToken,
  inputs: Record<string, string>,
  env: Record<string, string>,
  resolver: UsesHandler,
): Promise<{ result: Result; outputs: Record<string, string> }> {
  const runs = template.runs;
  if (runs.using !== 'composite') throw new Error('not composite');
  const rawSteps = property(property(root, 'runs'), 'steps');
  if (!rawSteps || !isSequence(rawSteps)) throw new WorkflowError(`${dir}/action.yml: runs.steps is missing`);
  const specs: StepSpec[] = runs.steps.map((converted, index) => ({
    id: converted.id,
    condition: 'if' in converted && converted.if ? converted.if.expression : 'success()',
    raw: rawSteps.get(index),
    where: `${dir}/action.yml runs.steps[${index}]`,
  }));
  const records: JobState['steps'] = {};
  const before = job.status;
  const savedEnv = { ...job.addedEnv };
  // The composite's step env applies to its steps.
  Object.assign(job.addedEnv, env);
  try {
    await runSteps(job, specs, { file: `${dir}/action.yml`, defaults: {}, resolveUses: resolver, contexts: { inputs }, records });
  } finally {
    for (const key of Object.keys(env)) if (!(key in savedEnv)) delete job.addedEnv[key];
    Object.assign(job.addedEnv, savedEnv);
  }
  const failed = Object.values(records).some((r) => r.conclusion === 'failure');
  const outputs: Record<string, string> = {};
  for (const output of template.outputs ?? []) {
    if (output.value) outputs[output.id] = evaluateString(output.value, job.scope({ inputs, steps: records }), `${step.where} output ${output.id}`);
  }
  if (failed && before === 'success') job.status = 'success';
  return { result: job.signal.aborted ? 'cancelled' : failed ? 'failure' : 'success', outputs };
}
