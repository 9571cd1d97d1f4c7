import { DataError, ExitCode, UserError, describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { describeStepError, type StepWording } from '../pipeline/step-errors.js';

/** How the CLI names the steps and their options in messages: `mlops validate`, --work-dir. */
export const cliWording: StepWording = {
  step: (step) => `\`mlops ${step}\``,
  option: (option) => `--${option}`,
};

/** Prints a failure the way users need it: every data issue located, no stack unless --debug. */
export function reportFailure(error: unknown, logger: Logger, debug: boolean): number {
  if (error instanceof DataError) {
    for (const issue of error.issues) {
      // Issue messages already name their line and column; prefix the file unless they name it too.
      const where = error.file && !issue.message.startsWith(error.file) ? { file: error.file } : undefined;
      if (issue.severity === 'error') logger.error(issue.message, where);
      else logger.warn(issue.message, where);
    }
  }
  if (error instanceof UserError) {
    logger.error(describeStepError(error, cliWording));
    if (debug && error.stack) logger.debug(error.stack);
    return error.exitCode;
  }
  logger.error(`internal error: ${describeError(error)}${debug ? '' : ' (rerun with --debug for details)'}`);
  if (debug && error instanceof Error && error.stack) logger.debug(error.stack);
  return ExitCode.internal;
}
