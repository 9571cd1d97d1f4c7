import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { defaultPrimaryMetric } from '../config/load.js';
import { DataError, GateRejectedError } from '../core/errors.js';
import { githubRunUrl } from '../core/git-info.js';
import type { Logger } from '../core/logger.js';
import { validationReportSchema, type ValidationReport } from '../data/validate.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../evaluation/report-schema.js';
import { createGitHubClient, httpStatusOf, parseRepository } from '../github/client.js';
import { evaluatedCommit, pullRequestOf, readEventPayload } from '../github/event.js';
import { upsertPullRequestComment } from '../github/pr-comment.js';
import { registryPath } from '../config/paths.js';
import { evaluateStep } from '../pipeline/evaluate-step.js';
import type { StepContext } from '../pipeline/step-context.js';
import { describeRerun } from '../pipeline/step-errors.js';
import { ModelRegistry } from '../registry/registry.js';
import { championInputSchema, prepareChampion } from './champion.js';
import { booleanInput, readInputs, stepInputsSchema, textInput } from './inputs.js';
import { actionWording, describeActionError, isMainModule, runAction } from './run-action.js';
import { inputPath, openActionStepContext } from './step-context.js';
import { renderModelCheckComment } from './summaries.js';

/** Inputs of actions/evaluate-gate (keys exactly as in its action.yml). */
export const evaluateGateInputsSchema = stepInputsSchema.extend({
  /** `latest-release`, `registry`, or a release tag. */
  champion: championInputSchema,
  /** Post or update the PR comment (needs pull-requests: write). */
  comment: booleanInput.default(false),
  /** Also write the comment Markdown to this file (for the fork-safe comment workflow). */
  'comment-file': textInput.optional(),
  /** Fail the step when the gate rejects the candidate. */
  'fail-on-reject': booleanInput.default(true),
  'github-token': z.string().default(''),
});
export type EvaluateGateInputs = z.infer<typeof evaluateGateInputsSchema>;

/** Reads the inputs once. */
export function getInputs(): EvaluateGateInputs {
  return readInputs(evaluateGateInputsSchema);
}

async function readOptional<T>(ctx: StepContext, name: 'validation' | 'gate' | 'metrics' | 'championMetrics', schema: z.ZodType<T>): Promise<T | null> {
  if (!(await ctx.workspace.exists(name))) return null;
  return ctx.workspace.read(name, schema, 'evaluate').catch(() => null);
}

/** The gate's outcome: a verdict, or why there is none. */
interface GateOutcome {
  verdict: GateVerdict | null;
  failure: unknown;
}

async function judge(ctx: StepContext, validation: ValidationReport | null): Promise<GateOutcome> {
  if (!validation) {
    const advice = describeRerun({ step: 'validate', when: 'first', keep: 'work-dir' }, actionWording);
    return { verdict: null, failure: new DataError(`No validation report in ${ctx.workspace.dir}: ${advice}.`) };
  }
  if (!validation.passed) {
    return {
      verdict: null,
      failure: new DataError(`Data validation failed (${validation.error_count} errors in ${validation.file}); there is no model to evaluate.`),
    };
  }
  // Outputs of an earlier evaluation in this work dir must not be mistaken for this one's.
  for (const name of ['gate', 'metrics', 'championMetrics', 'gateMarkdown'] as const) await ctx.workspace.remove(name);
  try {
    return { verdict: await evaluateStep(ctx), failure: null };
  } catch (error) {
    const verdict = error instanceof GateRejectedError ? await readOptional(ctx, 'gate', gateVerdictSchema) : null;
    return { verdict, failure: verdict ? null : error };
  }
}

async function trendPoints(ctx: StepContext, primary: string): Promise<{ version: string; value: number }[]> {
  const registry = await ModelRegistry.open(registryPath(ctx.loaded)).catch(() => null);
  if (!registry) return [];
  const versions = await registry.versions().catch(() => []);
  return versions
    .filter((v) => v.primary_metric === primary && v.primary_value !== null)
    .map((v) => ({ version: v.version, value: v.primary_value! }));
}

async function postComment(body: string, token: string, logger: Logger): Promise<void> {
  const pr = pullRequestOf(await readEventPayload());
  if (!pr) {
    logger.warn('comment: true, but this run is not for a pull request; no comment posted.');
    return;
  }
  const client = createGitHubClient(token);
  const repository = parseRepository(process.env.GITHUB_REPOSITORY);
  try {
    const outcome = await upsertPullRequestComment(client, repository, pr.number, body);
    core.setOutput('comment-id', String(outcome.id));
    if (outcome.url) core.setOutput('comment-url', outcome.url);
    logger.info(`${outcome.action === 'created' ? 'Posted' : 'Updated'} the model-check comment on #${pr.number}.`);
  } catch (error) {
    if (httpStatusOf(error) === 403) {
      // Pull requests from forks get a read-only token: model-check-comment.yml posts from the artifact.
      logger.warn(`Cannot comment on #${pr.number} with this token (HTTP 403, read-only on pull requests from forks); upload comment-file and post it from a workflow_run workflow.`);
      return;
    }
    throw error;
  }
}

/**
 * actions/evaluate-gate: scores candidate and champion on the test split, applies the gate,
 * writes the verdict as outputs, job summary, PR comment (or comment file), and fails when the
 * candidate is rejected.
 */
export async function run(): Promise<void> {
  await runAction(async (logger) => {
    const inputs = getInputs();
    const env = process.env;
    const ctx = await openActionStepContext(inputs, logger);
    const { loaded } = ctx;
    const validation = await readOptional(ctx, 'validation', validationReportSchema);
    if (validation?.passed) await prepareChampion(inputs.champion, { loaded, token: inputs['github-token'], env, logger });

    const { verdict, failure } = await judge(ctx, validation);
    const candidate = verdict ? await readOptional(ctx, 'metrics', evaluationReportSchema) : null;
    const champion = verdict ? await readOptional(ctx, 'championMetrics', evaluationReportSchema) : null;
    const primary = verdict?.primary_metric ?? loaded.config.gate.primary_metric ?? defaultPrimaryMetric(loaded.config.task.type);
    const body = renderModelCheckComment({
      validation,
      verdict,
      candidate,
      champion,
      history: await trendPoints(ctx, primary),
      failure: failure ? describeActionError(failure) : null,
      runUrl: githubRunUrl(env),
      commit: evaluatedCommit(await readEventPayload(env), env),
    });
    writeOutputs(verdict, candidate, champion, primary, ctx);
    await core.summary.addRaw(body).write();
    if (inputs['comment-file']) {
      const path = inputPath(inputs['comment-file']);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
      core.setOutput('comment-path', path);
    }
    if (inputs.comment) await postComment(body, inputs['github-token'], logger);
    if (failure) throw failure;
    if (verdict && !verdict.passed) {
      if (inputs['fail-on-reject']) throw new GateRejectedError(verdict.summary);
      logger.warn(`${verdict.summary} (fail-on-reject is false: the step passes).`);
    }
  });
}

function writeOutputs(verdict: GateVerdict | null, candidate: EvaluationReport | null, champion: EvaluationReport | null, primary: string, ctx: StepContext): void {
  core.setOutput('passed', String(verdict?.passed ?? false));
  core.setOutput('primary-metric', primary);
  if (!verdict) return;
  core.setOutput('summary', verdict.summary);
  core.setOutput('report-path', ctx.workspace.path('metrics'));
  core.setOutput('gate-path', ctx.workspace.path('gate'));
  core.setOutput('markdown-path', ctx.workspace.path('gateMarkdown'));
  core.setOutput('champion-version', verdict.champion_version ?? '');
  const value = candidate?.overall.metrics[primary];
  core.setOutput('candidate-value', value === undefined ? '' : String(value));
  const championValue = champion?.overall.metrics[primary];
  core.setOutput('champion-value', championValue === undefined ? '' : String(championValue));
}

if (isMainModule(import.meta.url)) await run();
