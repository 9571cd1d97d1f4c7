import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { describeJsonFileProblem, readJsonFile } from '../core/json-file.js';
import { ExitCode, UserError, describeError } from '../core/errors.js';
import { createCliLogger, processIo, type CliIo } from './cli-logger.js';
import type { CliCommand } from './command.js';
import { commands } from './commands/index.js';
import { parseArgsOptions, parseOptionValues } from './options.js';
import { reportFailure } from './report-failure.js';

const exitCodeHelp = `Exit codes:
  0  success
  1  internal error (a bug: rerun with --debug and report it)
  2  usage or config error
  3  invalid data
  4  the gate rejected the candidate
  5  registry or run workspace missing, inconsistent or locked
  6  deployment failed`;

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `mlops: validate, train, evaluate-gate, register and serve a TensorFlow.js model from one config file.

Usage: mlops <command> [options]      (mlops <command> --help for its options)

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

${exitCodeHelp}
`;
}

/** Runs the CLI with arguments (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? ExitCode.usage : ExitCode.success;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${await packageVersion()}\n`);
    return ExitCode.success;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`error: unknown command '${name}'. Commands: ${commands.map((c) => c.name).join(', ')}.\n`);
    return ExitCode.usage;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: parseArgsOptions(command.options), allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(io, command, describeError(error));
  }
  if (parsed.values.help === true) {
    io.stdout.write(`Usage: ${command.usage}\n`);
    return ExitCode.success;
  }
  if (parsed.positionals.length > (command.maxPositionals ?? 0)) {
    return usageError(io, command, `unexpected argument '${parsed.positionals[command.maxPositionals ?? 0]}'`);
  }
  let options: Record<string, unknown>;
  try {
    options = parseOptionValues(command.options, parsed.values);
  } catch (error) {
    if (error instanceof UserError) return usageError(io, command, error.message);
    throw error;
  }
  const debug = parsed.values.debug === true;
  const logger = createCliLogger(io, { quiet: parsed.values.quiet === true, debug });
  return runCommand(command, { options, positionals: parsed.positionals, io, logger }, debug);
}

function usageError(io: CliIo, command: CliCommand, message: string): number {
  io.stderr.write(`error: ${message}\n\nUsage: ${command.usage}\n`);
  return ExitCode.usage;
}

async function runCommand(command: CliCommand, context: Parameters<CliCommand['run']>[0], debug: boolean): Promise<number> {
  const { logger } = context;
  try {
    return await command.run(context);
  } catch (error) {
    return reportFailure(error, logger, debug);
  }
}

const packageJsonSchema = z.object({ version: z.string() });

async function packageVersion(): Promise<string> {
  const path = fileURLToPath(new URL('../../../package.json', import.meta.url));
  const pkg = await readJsonFile(path, packageJsonSchema, (problem) => new Error(describeJsonFileProblem(problem)));
  return pkg.version;
}
