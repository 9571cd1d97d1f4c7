import type { ParseArgsConfig } from 'node:util';
import type { Logger } from '../core/logger.js';
import type { CliIo } from './cli-logger.js';

/** Option values as node:util parseArgs returns them. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command receives. */
export interface CommandContext {
  options: OptionValues;
  positionals: string[];
  io: CliIo;
  logger: Logger;
}

/**
 * One `mlops` subcommand. Commands are thin: they read options, call `src/` code, print
 * results, and return an exit code; errors propagate as UserError subclasses.
 */
export interface CliCommand {
  name: string;
  /** One line for `mlops --help`. */
  summary: string;
  /** Usage lines and option help for `mlops <name> --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Whether positional arguments are allowed (and how many at most). */
  maxPositionals?: number;
  run(context: CommandContext): Promise<number>;
}

/** Options every command accepts. */
export const commonOptions = {
  config: { type: 'string', short: 'c' },
  quiet: { type: 'boolean', short: 'q' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const commonUsage = `Common options:
  -c, --config FILE   config file (default: mlops.config.yaml)
  -q, --quiet         only warnings, errors and results
      --debug         print stack traces of internal errors
  -h, --help          this help`;

/** A string option, or undefined. */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}
