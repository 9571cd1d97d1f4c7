import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { isBasicExpression, isMapping, isString } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { unsupported, WorkflowError } from '../workflow/errors.js';
import { evaluateExpression, isTruthy, type Json } from '../workflow/expressions.js';
import { evaluateStringMap, evaluateToken, evaluateString, literalValue, property, tokenLocation } from '../workflow/template.js';
import { readKeyValueFile, readPathFile } from './command-files.js';
import type { JobState } from './job-state.js';
import type { Result } from './model.js';
import { runProcess } from './processes.js';

/**
 * Runs steps: `if:` with the status functions, `env:` at every level, `run:` scripts with
 * GitHub's shells and `working-directory`, `uses:` (local actions, composite actions, the
 * stand-ins for third-party actions), `continue-on-error`, `timeout-minutes`, and the command
 * files between steps.
 */

/** A step to run: its converted id and if-condition plus its validated token mapping. */
export interface StepSpec {
  id: string;
  condition: string;
  raw: TemplateToken;
  where: string;
}

/** Defaults for run steps (`defaults.run` of the workflow and job, or a composite's). */
export interface RunDefaults {
  shell?: string | undefined;
  workingDirectory?: string | undefined;
}

/** What a `uses:` step resolves to; implemented by local-action.ts and the stand-ins. */
export type UsesHandler = (job: JobState, step: StepSpec, uses: string, inputs: Record<string, string>, env: Record<string, string>) => Promise<{ result: Result; outputs: Record<string, string> }>;

/** Everything runSteps needs besides the job. */
export interface StepRunOptions {
  file: string;
  defaults: RunDefaults;
  resolveUses: UsesHandler;
  /** Extra contexts (a composite action's `inputs`). */
  contexts?: Record<string, unknown>;
  /** The steps context to record into (a composite keeps its own). */
  records?: JobState['steps'];
}

/** The display name of a step. */
export function stepName(job: JobState, step: StepSpec): string {
  const name = property(step.raw, 'name');
  if (name) {
    try {
      return evaluateString(name, job.scope(), step.where);
    } catch {
      return step.id;
    }
  }
  const uses = literalValue(property(step.raw, 'uses'));
  if (typeof uses === 'string') return `Run ${uses}`;
  const runToken = property(step.raw, 'run');
  let run: string = step.id;
  try {
    if (runToken) run = evaluateString(runToken, job.scope(), step.where);
  } catch {
    // the name only; the step reports the error when it runs
  }
  return `Run ${run.split('\n')[0]!.slice(0, 60)}`;
}

/** A duration as the run log prints it after a step or job, as GitHub's UI shows it: "(12.3 s)". */
export function seconds(ms: number): string {
  return `(${(ms / 1000).toFixed(1)} s)`;
}

/** Runs a list of steps in order on the job. */
export async function runSteps(job: JobState, steps: readonly StepSpec[], options: StepRunOptions): Promise<void> {
  const records = options.records ?? job.steps;
  for (const step of steps) {
    const scope = job.scope({ ...(options.contexts ?? {}), steps: records });
    const name = stepName(job, step);
    let run: boolean;
    try {
      run = job.signal.aborted ? /\b(always|cancelled)\(\)/.test(step.condition) && isTruthy(evaluateExpression(step.condition, scope, `${step.where}.if`)) : isTruthy(evaluateExpression(step.condition, scope, `${step.where}.if`));
    } catch (error) {
      job.log(`##[error]${(error as Error).message}`);
      job.status = 'failure';
      records[step.id] = { outputs: {}, outcome: 'failure', conclusion: 'failure' };
      continue;
    }
    if (!run) {
      job.log(`##[skipped] ${name}`);
      records[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    job.log(`##[group]${name}`);
    const started = Date.now();
    let outcome: { result: Result; outputs: Record<string, string> };
    try {
      outcome = await executeStep(job, step, options);
    } catch (error) {
      if (error instanceof WorkflowError) throw error;
      job.log(`##[error]${(error as Error).message}`);
      job.annotations.push({ level: 'error', message: (error as Error).message });
      outcome = { result: 'failure', outputs: {} };
    }
    job.log('##[endgroup]');
    const continueOnError = property(step.raw, 'continue-on-error');
    const tolerated = outcome.result === 'failure' && continueOnError !== undefined && isTruthy(evaluateToken(continueOnError, scope, `${step.where}.continue-on-error`));
    const conclusion: Result = tolerated ? 'success' : outcome.result;
    records[step.id] = { outputs: outcome.outputs, outcome: outcome.result, conclusion };
    if (conclusion === 'failure' && job.status === 'success') job.status = 'failure';
    if (outcome.result === 'cancelled') job.status = 'cancelled';
    job.attempt.services.print(`    ${conclusion === 'success' ? '✓' : conclusion === 'failure' ? '✗' : '-'} ${name}${tolerated ? ' (failed; continue-on-error)' : ''} ${seconds(Date.now() - started)}`);
  }
}

async function executeStep(job: JobState, step: StepSpec, options: StepRunOptions): Promise<{ result: Result; outputs: Record<string, string> }> {
  const scope = job.scope({ ...(options.contexts ?? {}), steps: options.records ?? job.steps });
  const stepEnv = evaluateStringMap(property(step.raw, 'env'), scope, `${step.where}.env`);
  const timeout = property(step.raw, 'timeout-minutes');
  const timeoutMs = timeout ? Number(evaluateToken(timeout, scope, `${step.where}.timeout-minutes`)) * 60_000 : 360 * 60_000;
  const usesToken = property(step.raw, 'uses');
  if (usesToken) {
    const uses = evaluateString(usesToken, scope, `${step.where}.uses`);
    const withToken = property(step.raw, 'with');
    const inputs = evaluateStringMap(withToken, scope, `${step.where}.with`);
    return options.resolveUses(job, step, uses, inputs, stepEnv);
  }
  const runToken = property(step.raw, 'run');
  if (!runToken) throw new WorkflowError(`${step.where}: a step needs run or uses`);
  const script = evaluateString(runToken, scope, `${step.where}.run`);
  const shellToken = property(step.raw, 'shell');
  const shell = shellToken ? evaluateString(shellToken, scope, `${step.where}.shell`) : options.defaults.shell;
  const dirToken = property(step.raw, 'working-directory');
  const workingDirectory = dirToken ? evaluateString(dirToken, scope, `${step.where}.working-directory`) : options.defaults.workingDirectory;
  const result = await runScript(job, { script, shell, workingDirectory, env: stepEnv, timeoutMs, where: step.where, name: step.id });
  return { result, outputs: result === 'success' || result === 'failure' ? await takeOutputs(job) : {} };
}

/** The command line for a shell, GitHub's defaults included. */
export function shellCommand(shell: string | undefined, scriptPath: string, where: string): [string, string[]] {
  switch (shell) {
    case undefined:
      return ['bash', ['-e', scriptPath]];
    case 'bash':
      return ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptPath]];
    case 'sh':
      return ['sh', ['-e', scriptPath]];
    case 'python':
      return ['python3', [scriptPath]];
    default: {
      if (!shell.includes('{0}')) throw unsupported(`the shell \`${shell}\``, where);
      const parts = shell.split(/\s+/).map((part) => (part === '{0}' ? scriptPath : part));
      return [parts[0]!, parts.slice(1)];
    }
  }
}

type CommandFiles = NonNullable<JobState['commandFiles']>;

/** Fresh command files for the next step. */
export async function freshCommandFiles(job: JobState): Promise<CommandFiles> {
  const dir = join(job.machine.temp, '_runner_file_commands');
  await mkdir(dir, { recursive: true });
  const id = randomBytes(8).toString('hex');
  const files = { output: join(dir, `set_output_${id}`), env: join(dir, `set_env_${id}`), path: join(dir, `add_path_${id}`), summary: join(dir, `step_summary_${id}`), state: join(dir, `save_state_${id}`) };
  for (const file of Object.values(files)) await writeFile(file, '');
  job.commandFiles = files;
  return files;
}

/** The environment of a step process: defaults, job env, GITHUB_ENV, the step's env, the command files. */
export function stepEnvironment(job: JobState, stepEnv: Record<string, string>, files: CommandFiles): NodeJS.ProcessEnv {
  const env: Record<string, string> = { ...job.baseEnv, ...(job.contexts.env as Record<string, string>), ...job.addedEnv, ...stepEnv };
  // GITHUB_* and RUNNER_* defaults cannot be overwritten.
  for (const [key, value] of Object.entries(job.baseEnv)) if (/^(GITHUB|RUNNER)_/.test(key)) env[key] = value;
  env.PATH = [...job.addedPath, env.PATH ?? job.baseEnv.PATH].join(':');
  env.GITHUB_OUTPUT = files.output;
  env.GITHUB_ENV = files.env;
  env.GITHUB_PATH = files.path;
  env.GITHUB_STEP_SUMMARY = files.summary;
  env.GITHUB_STATE = files.state;
  return env;
}

/** Reads what the last step wrote to its command files and applies it to the job; returns its outputs. */
export async function takeOutputs(job: JobState): Promise<Record<string, string>> {
  const files = job.commandFiles;
  if (!files) return {};
  job.commandFiles = null;
  Object.assign(job.addedEnv, await readKeyValueFile(files.env, 'GITHUB_ENV'));
  job.addedPath.unshift(...(await readPathFile(files.path)).reverse());
  const summary = await readFile(files.summary, 'utf8').catch(() => '');
  if (summary.trim() !== '') job.summary += summary.endsWith('\n') ? summary : `${summary}\n`;
  return readKeyValueFile(files.output, 'GITHUB_OUTPUT');
}

/** Runs a script with a shell in the workspace (or working-directory). */
export async function runScript(
  job: JobState,
  options: { script: string; shell: string | undefined; workingDirectory: string | undefined; env: Record<string, string>; timeoutMs: number; where: string; name: string },
): Promise<Result> {
  const cwd = options.workingDirectory ? (isAbsolute(options.workingDirectory) ? options.workingDirectory : join(job.workspace, options.workingDirectory)) : job.workspace;
  if (!existsSync(cwd)) {
    job.log(`##[error]An error occurred trying to start process 'bash' with working directory '${cwd}'. No such file or directory`);
    return 'failure';
  }
  const scriptPath = join(job.machine.temp, `${randomBytes(8).toString('hex')}.sh`);
  await writeFile(scriptPath, options.script);
  // Kept beside the job's log: what ran in a shell, for audits (e.g. that no event text got in).
  await mkdir(`${job.logFile}.scripts`, { recursive: true });
  await writeFile(join(`${job.logFile}.scripts`, `${String(++job.scriptCount).padStart(2, '0')}-${options.name.replace(/[^A-Za-z0-9_-]/g, '_')}.sh`), options.script);
  await auditCredentials(job, options.name, options.script);
  const [command, args] = shellCommand(options.shell, scriptPath, options.where);
  const files = await freshCommandFiles(job);
  const outcome = await runProcess(command, args, { cwd, env: stepEnvironment(job, options.env, files), timeoutMs: options.timeoutMs, signal: job.signal, onLine: (line, stream) => job.output(line, stream) });
  if (outcome.cancelled) return 'cancelled';
  if (outcome.timedOut) {
    job.log(`##[error]The action has timed out.`);
    return 'failure';
  }
  if (outcome.code !== 0) {
    job.log(`##[error]Process completed with exit code ${outcome.code}.`);
    job.annotations.push({ level: 'error', message: `Process completed with exit code ${outcome.code}.` });
    return 'failure';
  }
  return 'success';
}

/** Records a run: step that executed while the checkout's git config held a credential. */
async function auditCredentials(job: JobState, name: string, script: string): Promise<void> {
  const config = await readFile(join(job.workspace, '.git', 'config'), 'utf8').catch(() => '');
  const included = [...config.matchAll(/^\s*path\s*=\s*(.+)$/gm)].map((m) => m[1]!.trim());
  let text = config;
  for (const path of included) text += await readFile(path, 'utf8').catch(() => '');
  if (/AUTHORIZATION:|x-access-token/i.test(text)) job.credentialExposures.push(`${name}: ${script.split('\n')[0]}`);
}

/** Evaluates a literal-or-expression token to a string map entry (for action inputs with defaults). */
export function tokenText(token: TemplateToken | undefined, job: JobState, where: string, extra: Record<string, unknown> = {}): string | undefined {
  if (!token) return undefined;
  if (isString(token)) return token.value;
  if (isBasicExpression(token) || isMapping(token)) return evaluateString(token, job.scope(extra), where);
  const value: Json = evaluateToken(token, job.scope(extra), where);
  return value === null ? '' : String(value);
}

export { tokenLocation };
