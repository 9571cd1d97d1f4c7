import { parseArgs } from 'node:util';
import { ExitCode, describeError } from '../core/errors.js';
import { createCliLogger, processIo, type CliIo } from './cli-logger.js';
import type { CliCommand } from './command.js';
import { commands } from './commands/index.js';
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
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`error: ${describeError(error)}\n\nUsage: ${command.usage}\n`);
    return ExitCode.usage;
  }
  if (parsed.values.help === true) {
    io.stdout.write(`Usage: ${command.usage}\n`);
    return ExitCode.success;
  }
  if (parsed.positionals.length > (command.maxPositionals ?? 0)) {
    io.stderr.write(`error: unexpected argument '${parsed.positionals[command.maxPositionals ?? 0]}'\n\nUsage: ${command.usage}\n`);
    return ExitCode.usage;
  }
  const debug = parsed.values.debug === true;
  const logger = createCliLogger(io, { quiet: parsed.values.quiet === true, debug });
  return runCommand(command, { options: parsed.values, positionals: parsed.positionals, io, logger }, debug);
}

async function runCommand(command: CliCommand, context: Parameters<CliCommand['run']>[0], debug: boolean): Promise<number> {
  const { logger } = context;
  try {
    return await command.run(context);
  } catch (error) {
    return reportFailure(error, logger, debug);
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
