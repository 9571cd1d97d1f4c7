/**
 * Entry point of the serving image's build stage (see the Dockerfile):
 *
 *   node dist/src/container/bake-registry-main.js <source-registry> <version> <target-registry>
 *
 * Copies one registered version into a registry of its own, as champion (bake-registry.ts).
 * Exit codes are the CLI's: 2 for a missing or malformed version, 5 for a registry problem.
 */
import { createCliLogger, processIo } from '../cli/cli-logger.js';
import { ExitCode, UserError, describeError } from '../core/errors.js';
import { bakeRegistry } from './bake-registry.js';

const usage = 'Usage: node dist/src/container/bake-registry-main.js <source-registry> <version> <target-registry>';
const io = processIo();
const [source, version, target, ...extra] = process.argv.slice(2);

if (source === undefined || version === undefined || target === undefined || extra.length > 0 || source === '' || target === '') {
  io.stderr.write(`error: expected three arguments.\n${usage}\n`);
  process.exitCode = ExitCode.usage;
} else if (version === '') {
  // The Dockerfile passes its MODEL_VERSION build argument here; empty means it was not given.
  io.stderr.write('error: no model version given: build with --build-arg MODEL_VERSION=<a registered version, e.g. 1.0.0>.\n');
  process.exitCode = ExitCode.usage;
} else {
  try {
    await bakeRegistry(source, version, target, createCliLogger(io));
  } catch (error) {
    io.stderr.write(`error: ${describeError(error)}\n`);
    process.exitCode = error instanceof UserError ? error.exitCode : ExitCode.internal;
  }
}
