import { DataError, ExitCode, UserError, describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

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
    logger.error(error.message);
    if (debug && error.stack) logger.debug(error.stack);
    return error.exitCode;
  }
  logger.error(`internal error: ${describeError(error)}${debug ? '' : ' (rerun with --debug for details)'}`);
  if (debug && error instanceof Error && error.stack) logger.debug(error.stack);
  return ExitCode.internal;
}
