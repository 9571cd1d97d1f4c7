import * as core from '@actions/core';
import { z } from 'zod';
import { parseConfigOverrides } from '../config/overrides.js';
import { validationReportSchema } from '../data/validate.js';
import { validateStep } from '../pipeline/validate-step.js';
import { parseTrainingTrigger } from '../registry/training-trigger.js';
import { readInputs, stepInputsSchema, textInput } from './inputs.js';
import { isMainModule, runAction } from './run-action.js';
import { inputPath, openActionStepContext } from './step-context.js';
import { renderValidationSummary } from './summaries.js';

/** Inputs of actions/validate (keys exactly as in its action.yml). */
export const validateInputsSchema = stepInputsSchema.extend({
  /** Another CSV to check against the configured schema instead of data.path. */
  data: textInput.optional(),
  /** JSON object of model.* keys to change for this run (a sweep candidate); recorded in the work dir. */
  'config-overrides': z.string().default(''),
  /** Why the run is started (the retrain workflow's reason); recorded in the lineage. Empty: the GitHub event's. */
  reason: z.string().default(''),
});
export type ValidateInputs = z.infer<typeof validateInputsSchema>;

/** Reads the inputs once. */
export function getInputs(): ValidateInputs {
  return readInputs(validateInputsSchema);
}

/** actions/validate: checks the data, writes validation.json and profile.json, starts the run. */
export async function run(): Promise<void> {
  await runAction(async (logger) => {
    const inputs = getInputs();
    const source = "input 'config-overrides'";
    const overrides = { values: parseConfigOverrides(inputs['config-overrides'], source), source };
    const trigger = parseTrainingTrigger(inputs.reason, process.env, "input 'reason'");
    const ctx = await openActionStepContext(inputs, logger, { overrides });
    try {
      await validateStep(ctx, { dataPath: inputs.data ? inputPath(inputs.data) : undefined, trigger });
    } finally {
      // The report exists whenever the file could be read, pass or fail: publish it either way.
      const report = (await ctx.workspace.exists('validation'))
        ? await ctx.workspace.read('validation', validationReportSchema, 'validate').catch(() => null)
        : null;
      if (report) {
        core.setOutput('passed', String(report.passed));
        core.setOutput('rows', String(report.rows));
        core.setOutput('valid-rows', String(report.valid_rows));
        core.setOutput('warnings', String(report.warning_count));
        core.setOutput('data-sha256', report.sha256);
        core.setOutput('report-path', ctx.workspace.path('validation'));
        if (report.profile) core.setOutput('profile-path', ctx.workspace.path('profile'));
        await core.summary.addRaw(renderValidationSummary(report)).write();
      } else {
        core.setOutput('passed', 'false');
      }
    }
  });
}

if (isMainModule(import.meta.url)) await run();
