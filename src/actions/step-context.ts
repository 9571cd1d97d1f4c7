import { resolve } from 'node:path';
import type { ConfigOverrides } from '../config/overrides.js';
import { openStepContext, type StepContext } from '../pipeline/step-context.js';
import type { createActionsLogger } from './action-logger.js';
import type { StepInputs } from './inputs.js';
import { workspaceRoot } from './run-action.js';

/**
 * What every pipeline action shares: the step context opened from the `config` and `work-dir`
 * inputs the way the CLI opens it from --config and --work-dir (pipeline/step-context.ts), with
 * paths relative to the checkout root.
 */

/** Resolves an input path against the checkout root. */
export function inputPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(workspaceRoot(env), path);
}

/**
 * Opens the step context of an action. `workDir` replaces the `work-dir` input (register's
 * chosen sweep candidate); `overrides` start a new run (validate's `config-overrides`).
 */
export async function openActionStepContext(
  inputs: StepInputs,
  logger: ReturnType<typeof createActionsLogger>,
  options: { workDir?: string; overrides?: { values: ConfigOverrides; source: string }; env?: NodeJS.ProcessEnv } = {},
): Promise<StepContext> {
  const env = options.env ?? process.env;
  const ctx = await openStepContext({
    configPath: inputs.config,
    workDir: options.workDir ?? inputs['work-dir'],
    cwd: workspaceRoot(env),
    env,
    logger,
    overrides: options.overrides,
  });
  logger.setBaseDir(ctx.loaded.baseDir);
  return ctx;
}
