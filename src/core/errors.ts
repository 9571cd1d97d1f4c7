/**
 * Errors a user can fix. Each carries the process exit code the CLI and the actions use, so every
 * adapter maps failures the same way. Anything else thrown is a bug.
 */

/** Exit codes, documented in the README. */
export const ExitCode = {
  success: 0,
  /** An unexpected internal error (a bug): the message is printed, the stack only with --debug. */
  internal: 1,
  /** Bad command-line usage or an invalid config file. */
  usage: 2,
  /** The data failed validation. */
  invalidData: 3,
  /** The candidate model was rejected by the evaluation gate. */
  gateRejected: 4,
  /** The registry or a run workspace is missing, inconsistent or locked. */
  registry: 5,
  /** A deployment or its post-deploy check failed. */
  deploy: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class for failures whose message is meant for the user, never with a stack trace. */
export class UserError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A mistake in the config file or the command line. */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** One problem found in a data file, located as precisely as possible. */
export interface DataIssue {
  /** Stable machine-readable kind, e.g. `non-numeric`, `unseen-label`, `ragged-row`. */
  code: string;
  message: string;
  /** 1-based line number in the file (the header is line 1), when the problem has one. */
  line?: number;
  /** Column name, when the problem has one. */
  column?: string;
  severity: 'error' | 'warning';
}

/** The data cannot be used: carries every issue found, not only the first. */
export class DataError extends UserError {
  readonly issues: readonly DataIssue[];
  readonly file: string | undefined;
  constructor(message: string, issues: readonly DataIssue[] = [], file?: string) {
    super(message, ExitCode.invalidData);
    this.issues = issues;
    this.file = file;
  }
}

/** The gate rejected the candidate. */
export class GateRejectedError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.gateRejected);
  }
}

/** The registry or a run workspace is missing, inconsistent or busy. */
export class RegistryError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.registry);
  }
}

/** A deployment failed or did not pass its post-deploy check. */
export class DeployError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.deploy);
  }
}

/** Formats an unknown thrown value as one line for logs, without a stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
