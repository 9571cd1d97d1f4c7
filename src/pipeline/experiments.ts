import { defaultPrimaryMetric } from '../config/load.js';
import { registryPath } from '../config/paths.js';
import type { MlopsConfig } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { readCodeVersion, type CodeVersion } from '../core/git-info.js';
import type { EvaluationReport, GateVerdict } from '../evaluation/report-schema.js';
import { ModelRegistry, type ExperimentRecord } from '../registry/registry.js';
import type { StepContext } from './step-context.js';
import { runManifestSchema, sweepMembershipSchema, trainingRecordSchema, type RunManifest, type SweepMembership, type TrainingRecord } from './workspace.js';

/**
 * The experiment log: every run that got past the start of validation is recorded in the
 * registry (promoted, registered, unchanged, rejected or failed) with its parameters, metrics
 * and inputs, so `mlops experiments` can list and compare them.
 */

/** How a run ended, and what it produced. */
export interface RunOutcome {
  status: ExperimentRecord['status'];
  verdict: GateVerdict | null;
  candidate: EvaluationReport | null;
  version: string | null;
  championVersion: string | null;
  error?: string;
}

/** The experiment record of a run: a pure function of what the run left and how it ended. */
export function experimentRecord(input: {
  run: RunManifest;
  training: TrainingRecord | null;
  /** The sweep the run was a candidate of, if any. */
  sweep?: SweepMembership | null;
  config: MlopsConfig;
  configHash: string;
  code: CodeVersion;
  outcome: RunOutcome;
  finished: Date;
}): ExperimentRecord {
  const { run, config, outcome, code } = input;
  const primary = config.gate.primary_metric ?? defaultPrimaryMetric(config.task.type);
  return {
    run_id: run.run_id,
    started_at: run.started_at,
    finished_at: input.finished.toISOString(),
    duration_ms: input.finished.getTime() - Date.parse(run.started_at),
    status: outcome.status,
    version: outcome.version,
    champion_version: outcome.championVersion,
    params: config.model as unknown as Record<string, unknown>,
    metrics: outcome.candidate?.overall.metrics ?? {},
    primary_metric: primary,
    primary_value: outcome.candidate?.overall.metrics[primary] ?? null,
    data_sha256: run.data_sha256,
    data_path: config.data.path,
    commit: code.commit,
    dirty: code.dirty,
    config_sha256: input.configHash,
    gate_summary: outcome.verdict?.summary ?? null,
    error: outcome.error ?? null,
    backend: input.training?.backend ?? null,
    ...(input.sweep ? { sweep: { sweep_id: input.sweep.sweep_id, candidate: input.sweep.candidate } } : {}),
  };
}

/** Records a run as an experiment; failures to record are logged, never hide the run's own outcome. */
export async function recordExperiment(ctx: StepContext, registry: ModelRegistry, outcome: RunOutcome): Promise<void> {
  try {
    const run = await ctx.workspace.read('run', runManifestSchema, 'validate');
    const training = (await ctx.workspace.exists('training'))
      ? await ctx.workspace.read('training', trainingRecordSchema, 'train').catch(() => null)
      : null;
    const sweep = (await ctx.workspace.exists('sweep'))
      ? await ctx.workspace.read('sweep', sweepMembershipSchema, 'validate').catch(() => null)
      : null;
    const code = await readCodeVersion(ctx.loaded.baseDir, ctx.env);
    await registry.recordExperiment(
      experimentRecord({ run, training, sweep, config: ctx.loaded.config, configHash: ctx.loaded.hash, code, outcome, finished: new Date() }),
    );
  } catch (error) {
    ctx.logger.warn(`Could not record the experiment: ${describeError(error)}`);
  }
}

/** Records a run that failed after validation started (training diverged, I/O error). */
export async function recordFailedRun(ctx: StepContext, error: unknown): Promise<void> {
  if (!(await ctx.workspace.exists('run'))) return;
  const registry = await ModelRegistry.open(registryPath(ctx.loaded));
  await recordExperiment(ctx, registry, {
    status: 'failed',
    verdict: null,
    candidate: null,
    version: null,
    championVersion: null,
    error: describeError(error),
  });
}
