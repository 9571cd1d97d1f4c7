import { convertWorkflowTemplate, isMapping, isSequence, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type { ReusableWorkflowJob, Job, WorkflowTemplate } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { WorkflowError, unsupported } from './errors.js';
import { keysOf, literalValue, property, tokenLocation } from './template.js';

/**
 * Loading a workflow file with GitHub's own parser (@actions/workflow-parser): the YAML is
 * validated against GitHub's workflow schema, `${{ }}` become expression tokens with the contexts
 * each key allows, and the converter gives events, jobs, needs and `if:` (with GitHub's implicit
 * `success() &&`). The converter's model leaves out what a language service does not need
 * (step `with:`, `shell`, `working-directory`, `timeout-minutes`, job `permissions`, `defaults`),
 * so those are read from the validated token tree, which keeps every key.
 */

/** A job with its validated token mapping. */
export type LoadedJob = (Job | ReusableWorkflowJob) & { raw: MappingToken };

/** A parsed, converted, checked workflow. */
export interface LoadedWorkflow {
  /** The path it was read from, repository-relative (`.github/workflows/retrain.yml`). */
  path: string;
  /** `name:`, or the path when there is none (as GitHub shows it). */
  name: string;
  template: WorkflowTemplate;
  root: MappingToken;
  jobs: LoadedJob[];
}

/** Parses GitHub workflow YAML; every schema error is reported with its line. */
export async function loadWorkflow(path: string, content: string): Promise<LoadedWorkflow> {
  const parsed = parseWorkflow({ name: path, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors();
  if (errors.length > 0 || !parsed.value) {
    throw new WorkflowError(`${path} is not a valid workflow (GitHub's workflow schema):\n${errors.map((e) => `  ${e.message}`).join('\n') || '  (empty file)'}`);
  }
  // Called workflows are loaded by the runner when it reaches them (depth 0 here).
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, undefined, { fetchReusableWorkflowDepth: 0 });
  const conversionErrors = [...(template.errors ?? []).map((e) => e.Message), ...parsed.context.errors.getErrors().map((e) => e.message)];
  if (conversionErrors.length > 0) throw new WorkflowError(`${path} is not a valid workflow:\n${conversionErrors.map((m) => `  ${m}`).join('\n')}`);
  const root = parsed.value as MappingToken;
  const rawJobs = property(root, 'jobs');
  const jobs = template.jobs.map((job) => {
    const raw = property(rawJobs, job.id.value);
    if (!raw || !isMapping(raw)) throw new WorkflowError(`${path}: job ${job.id.value} has no mapping`);
    return Object.assign(job, { raw: raw as MappingToken });
  });
  const name = literalValue(property(root, 'name'));
  const workflow: LoadedWorkflow = { path, name: typeof name === 'string' ? name : path, template, root, jobs };
  checkSupported(workflow);
  return workflow;
}

const supportedJobKeys = new Set([
  'name', 'needs', 'if', 'runs-on', 'permissions', 'environment', 'concurrency', 'outputs', 'env', 'defaults', 'steps',
  'timeout-minutes', 'strategy', 'uses', 'with', 'secrets',
]);
const supportedStepKeys = new Set(['id', 'name', 'if', 'uses', 'run', 'with', 'env', 'shell', 'working-directory', 'continue-on-error', 'timeout-minutes']);
const supportedWorkflowKeys = new Set(['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs']);

/** Refuses, by name, every key this runner does not implement. */
function checkSupported(workflow: LoadedWorkflow): void {
  const file = workflow.path;
  for (const key of keysOf(workflow.root)) {
    if (!supportedWorkflowKeys.has(key)) throw unsupported(`the workflow key \`${key}\``, tokenLocation(property(workflow.root, key), file, key));
  }
  checkDefaults(property(workflow.root, 'defaults'), file, 'defaults');
  for (const job of workflow.jobs) {
    const where = `jobs.${job.id.value}`;
    for (const key of keysOf(job.raw)) {
      if (!supportedJobKeys.has(key)) throw unsupported(`the job key \`${key}\``, tokenLocation(property(job.raw, key), file, `${where}.${key}`));
    }
    checkDefaults(property(job.raw, 'defaults'), file, `${where}.defaults`);
    const steps = property(job.raw, 'steps');
    if (steps && isSequence(steps)) {
      for (let i = 0; i < steps.count; i++) {
        const step: TemplateToken = steps.get(i);
        for (const key of keysOf(step)) {
          if (!supportedStepKeys.has(key)) throw unsupported(`the step key \`${key}\``, tokenLocation(property(step, key), file, `${where}.steps[${i}].${key}`));
        }
      }
    }
  }
}

function checkDefaults(defaults: TemplateToken | undefined, file: string, where: string): void {
  for (const key of keysOf(defaults)) {
    if (key !== 'run') throw unsupported(`\`${where}.${key}\``, tokenLocation(property(defaults, key), file, `${where}.${key}`));
    for (const runKey of keysOf(property(defaults, 'run'))) {
      if (runKey !== 'shell' && runKey !== 'working-directory') throw unsupported(`\`${where}.run.${runKey}\``, tokenLocation(defaults, file, where));
    }
  }
}
