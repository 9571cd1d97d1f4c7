import * as core from '@actions/core';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataError, ExitCode, UserError, describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { describeStepError, type StepWording } from '../pipeline/step-errors.js';
import { createActionsLogger } from './action-logger.js';

/**
 * The one place actions fail: every entry runs its body through {@link runAction}, which turns
 * a thrown error into annotations (each data issue on its file and line) and a single
 * `core.setFailed`, and sets the exit code the CLI would use for the same failure.
 */

/** The checkout root: GITHUB_WORKSPACE on a runner, the working directory elsewhere. */
export function workspaceRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_WORKSPACE || process.cwd();
}

/** How actions name the steps and their options in messages: actions/validate, input 'work-dir'. */
export const actionWording: StepWording = {
  step: (step) => `actions/${step === 'evaluate' ? 'evaluate-gate' : step}`,
  option: (option) => `input '${option}'`,
};

/** A failure as one line for the people reading a workflow run. */
export function describeActionError(error: unknown): string {
  return describeStepError(error, actionWording);
}

/** Writes the failure's annotations and fails the step. */
export function reportActionFailure(error: unknown, logger: Logger): void {
  if (error instanceof DataError) {
    for (const issue of error.issues) {
      const where = { file: error.file, line: issue.line, column: issue.column };
      if (issue.severity === 'error') logger.error(issue.message, where);
      else logger.warn(issue.message, where);
    }
  }
  if (error instanceof UserError) {
    core.setFailed(describeActionError(error));
    process.exitCode = error.exitCode;
    return;
  }
  if (error instanceof Error && error.stack) core.debug(error.stack);
  const message = describeError(error);
  // HTTP client errors can carry whole response bodies; the log keeps the start.
  core.setFailed(`internal error: ${message.length > 1000 ? `${message.slice(0, 1000)}…` : message} (re-run with debug logging for the stack)`);
  process.exitCode = ExitCode.internal;
}

/** Runs an action body with an actions Logger; failures end in {@link reportActionFailure}. */
export async function runAction(body: (logger: ReturnType<typeof createActionsLogger>) => Promise<void>): Promise<void> {
  const logger = createActionsLogger({ workspaceRoot: workspaceRoot() });
  try {
    await body(logger);
  } catch (error) {
    reportActionFailure(error, logger);
  }
}

/** Whether a module is the process's entry (the runner runs `node dist/src/actions/<name>.js`). */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
