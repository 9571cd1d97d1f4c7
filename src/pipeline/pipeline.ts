import { GateRejectedError } from '../core/errors.js';
import type { GateVerdict } from '../evaluation/report-schema.js';
import type { ValidationReport } from '../data/validate.js';
import { evaluateStep } from './evaluate-step.js';
import { recordFailedRun } from './experiments.js';
import { registerStep, type RegisterOutcome } from './register-step.js';
import type { StepContext } from './step-context.js';
import { trainStep } from './train-step.js';
import { validateStep } from './validate-step.js';
import type { TrainingRecord } from './workspace.js';

/** What a whole pipeline run produced. */
export interface PipelineResult {
  workspace: string;
  validation: ValidationReport;
  training: TrainingRecord;
  verdict: GateVerdict;
  registered: RegisterOutcome;
  durationMs: number;
}

/**
 * validate → train → evaluate (gate) → register. Stops at the first failure with that step's
 * error (and exit code); rejected and failed runs are still recorded as experiments.
 */
export async function runPipeline(ctx: StepContext, options: { promote?: boolean } = {}): Promise<PipelineResult> {
  const started = performance.now();
  const step = (name: string) => ctx.logger.info(`── ${name} ──`);
  try {
    step('validate');
    const validation = await validateStep(ctx);
    step('train');
    const training = await trainStep(ctx);
    step('evaluate');
    const verdict = await evaluateStep(ctx);
    step('register');
    const registered = await registerStep(ctx, { promote: options.promote ?? true });
    return { workspace: ctx.workspace.dir, validation, training, verdict, registered, durationMs: performance.now() - started };
  } catch (error) {
    // The gate records its own rejections, with the verdict; data rejections and crashes are recorded here.
    if (!(error instanceof GateRejectedError)) await recordFailedRun(ctx, error);
    throw error;
  }
}
