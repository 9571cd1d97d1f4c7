import { registryPath } from '../config/paths.js';
import { GateRejectedError } from '../core/errors.js';
import { readCodeVersion } from '../core/git-info.js';
import type { FetchRecord } from '../data/fetch-record.js';
import type { GateVerdict } from '../evaluation/report-schema.js';
import type { ValidationReport } from '../data/validate.js';
import { ModelRegistry, type RegisteredVersion } from '../registry/registry.js';
import type { TrainingTrigger } from '../registry/training-trigger.js';
import { evaluateStep } from './evaluate-step.js';
import { recordFailedRun } from './experiments.js';
import { fetchStep } from './fetch-step.js';
import { championWithSameInputs } from './lineage.js';
import { registerStep, type RegisterOutcome } from './register-step.js';
import type { StepContext } from './step-context.js';
import { trainStep } from './train-step.js';
import { validateStep } from './validate-step.js';
import type { TrainingRecord } from './workspace.js';

/** What a whole pipeline run produced. */
export type PipelineResult =
  | {
      status: 'trained';
      workspace: string;
      fetched: FetchRecord | null;
      validation: ValidationReport;
      training: TrainingRecord;
      verdict: GateVerdict;
      registered: RegisterOutcome;
      durationMs: number;
    }
  | {
      /** `ifChanged` and the data, config and code equal the champion's: stopped after validate. */
      status: 'nothing-changed';
      workspace: string;
      fetched: FetchRecord | null;
      validation: ValidationReport;
      champion: RegisteredVersion;
      durationMs: number;
    };

export interface PipelineOptions {
  promote?: boolean;
  /**
   * Stop after validate when the fetched data, the config and the (clean) code equal what the
   * champion was trained from: training would reproduce it. Scheduled retrains use this.
   */
  ifChanged?: boolean;
  /** Why the run was started; recorded in the lineage of the version it registers. */
  trigger?: TrainingTrigger | null;
}

/**
 * fetch (when `data.source` is set) → validate → train → evaluate (gate) → register. Stops at
 * the first failure with that step's error (and exit code); rejected and failed runs are still
 * recorded as experiments.
 */
export async function runPipeline(ctx: StepContext, options: PipelineOptions = {}): Promise<PipelineResult> {
  const started = performance.now();
  const step = (name: string) => ctx.logger.info(`── ${name} ──`);
  try {
    let fetched: FetchRecord | null = null;
    if (ctx.loaded.config.data.source) {
      step('fetch');
      fetched = await fetchStep({ loaded: ctx.loaded, logger: ctx.logger, env: ctx.env ?? process.env });
    }
    step('validate');
    const validation = await validateStep(ctx, { trigger: options.trigger });
    if (options.ifChanged) {
      const registry = await ModelRegistry.open(registryPath(ctx.loaded));
      const code = await readCodeVersion(ctx.loaded.baseDir, ctx.env);
      const champion = await championWithSameInputs(registry, { dataSha256: validation.sha256, configSha256: ctx.loaded.hash, code });
      if (champion) {
        ctx.logger.info(`Nothing changed: the data, config and code are those champion ${champion.version} was trained from; no training.`);
        return { status: 'nothing-changed', workspace: ctx.workspace.dir, fetched, validation, champion, durationMs: performance.now() - started };
      }
    }
    step('train');
    const training = await trainStep(ctx);
    step('evaluate');
    const verdict = await evaluateStep(ctx);
    step('register');
    const registered = await registerStep(ctx, { promote: options.promote ?? true });
    return { status: 'trained', workspace: ctx.workspace.dir, fetched, validation, training, verdict, registered, durationMs: performance.now() - started };
  } catch (error) {
    // The gate records its own rejections, with the verdict; data rejections and crashes are recorded here.
    if (!(error instanceof GateRejectedError)) await recordFailedRun(ctx, error);
    throw error;
  }
}
