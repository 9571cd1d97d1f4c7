import type { z } from 'zod';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import type { CliIo } from './cli-logger.js';
import { commonOptions } from './options.js';

export { commonOptions };

/** What a command receives: its options, typed by its schema. */
export interface CommandContext<Options = Record<string, unknown>> {
  options: Options;
  positionals: string[];
  io: CliIo;
  logger: Logger;
}

/**
 * One `mlops` subcommand. Commands are thin: they read options, call `src/` code, print
 * results, and return an exit code; errors propagate as UserError subclasses.
 */
export interface CliCommand<S extends z.ZodObject = z.ZodObject> {
  name: string;
  /** One line for `mlops --help`. */
  summary: string;
  /** Usage lines and option help for `mlops <name> --help`. */
  usage: string;
  /** The options (long names as keys), as a zod object: how they are read and what values are valid. */
  options: S;
  /** Whether positional arguments are allowed (and how many at most). */
  maxPositionals?: number;
  run(context: CommandContext<z.output<S>>): Promise<number>;
}

export const commonUsage = `Common options:
  -c, --config FILE   config file (default: mlops.config.yaml)
  -q, --quiet         only warnings, errors and results
      --debug         print stack traces of internal errors
  -h, --help          this help`;

/** The config named by --config (default mlops.config.yaml), relative to the working directory. */
export function loadCommandConfig(context: CommandContext<{ config?: string }>): Promise<LoadedConfig> {
  return loadConfig(context.options.config, context.io.cwd);
}

/** Declares a command; its `run` gets the option values its schema produces. */
export function defineCommand<S extends z.ZodObject>(command: CliCommand<S>): CliCommand<S> {
  return command;
}
