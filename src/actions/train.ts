import * as core from '@actions/core';
import type { z } from 'zod';
import { trainStep } from '../pipeline/train-step.js';
import { readInputs, stepInputsSchema } from './inputs.js';
import { isMainModule, runAction } from './run-action.js';
import { openActionStepContext } from './step-context.js';
import { renderTrainingSummary } from './summaries.js';

/** Inputs of actions/train (keys exactly as in its action.yml). */
export const trainInputsSchema = stepInputsSchema;
export type TrainInputs = z.infer<typeof trainInputsSchema>;

/** Reads the inputs once. */
export function getInputs(): TrainInputs {
  return readInputs(trainInputsSchema);
}

/** actions/train: trains on the validated data; model files land in `<work-dir>/model`. */
export async function run(): Promise<void> {
  await runAction(async (logger) => {
    const inputs = getInputs();
    const ctx = await openActionStepContext(inputs, logger);
    const record = await trainStep(ctx);
    core.setOutput('backend', record.backend);
    core.setOutput('model-dir', ctx.workspace.path('modelDir'));
    core.setOutput('epochs', String(record.epochs_run));
    core.setOutput('best-epoch', String(record.best_epoch));
    core.setOutput('run-id', record.run_id);
    await core.summary.addRaw(renderTrainingSummary(record)).write();
  });
}

if (isMainModule(import.meta.url)) await run();
