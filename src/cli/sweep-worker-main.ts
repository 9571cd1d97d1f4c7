/**
 * One sweep candidate in its own process, started by `mlops sweep` (src/cli/commands/sweep.ts):
 * validate → train → evaluate in the candidate's work dir with its overrides. Its argument is a
 * JSON object (what the parent decided, never user text on a shell); it prints the verdict as
 * one JSON line on stdout, logs on stderr, and exits with the step's exit code on failure.
 */
import { z } from 'zod';
import { configOverridesSchema } from '../config/schema.js';
import { openStepContext } from '../pipeline/step-context.js';
import { runSweepCandidate } from '../pipeline/sweep.js';
import { createCliLogger, processIo } from './cli-logger.js';
import { reportFailure } from './report-failure.js';

/** What the parent passes to a worker. */
export const sweepWorkerArgsSchema = z.object({
  config: z.string(),
  cwd: z.string(),
  workDir: z.string(),
  overrides: configOverridesSchema,
  sweepId: z.string(),
  candidate: z.string(),
  quiet: z.boolean(),
  debug: z.boolean(),
});
export type SweepWorkerArgs = z.infer<typeof sweepWorkerArgsSchema>;

const args = sweepWorkerArgsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const io = processIo();
const logger = createCliLogger(io, { quiet: args.quiet, debug: args.debug });
try {
  const ctx = await openStepContext({
    configPath: args.config,
    workDir: args.workDir,
    cwd: args.cwd,
    env: process.env,
    logger,
    overrides: { values: args.overrides, source: `sweep.candidates '${args.candidate}'` },
  });
  const result = await runSweepCandidate(ctx, { sweep_id: args.sweepId, candidate: args.candidate });
  io.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.exitCode = reportFailure(error, logger, args.debug);
}
