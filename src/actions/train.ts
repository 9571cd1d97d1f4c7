import * as core from '@actions/core';
import { z } from 'zod';
import { trainStep } from '../pipeline/steps.js';
import { readInputs, textInput } from './inputs.js';
import { isMainModule, runAction } from './run-action.js';
import { inputPath, loadRunConfig, stepContext } from './step-context.js';
import { renderTrainingSummary } from './summaries.js';

/** Inputs of actions/train (keys exactly as in its action.yml). */
export const trainInputsSchema = z.strictObject({
  config: textInput.default('mlops.config.yaml'),
  'work-dir': textInput.default('.mlops/work'),
});
export type TrainInputs = z.infer<typeof trainInputsSchema>;

/** Reads the inputs once. */
export function getInputs(): TrainInputs {
  return readInputs(trainInputsSchema);
}

/** actions/train: trains on the validated data; model files land in `<work-dir>/model`. */
export async function run(): Promise<void> {
  await runAction(async (logger) => {
    const inputs = getInputs();
    const workDir = inputPath(inputs['work-dir']);
    const loaded = await loadRunConfig(inputs.config, workDir);
    logger.setBaseDir(loaded.baseDir);
    const ctx = stepContext(loaded, workDir, logger);
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
