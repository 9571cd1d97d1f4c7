import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { applyConfigOverrides } from '../../config/overrides.js';
import { ConfigError, GateRejectedError } from '../../core/errors.js';
import { columnFormat, formatNumber, missingValue } from '../../core/number-format.js';
import { openStepContext } from '../../pipeline/step-context.js';
import { registerStep } from '../../pipeline/register-step.js';
import { readSweepCandidates, recordNotSelected, selectBestCandidate, type SweepCandidate } from '../../pipeline/sweep.js';
import { compactTimestamp, RunWorkspace, trainingRecordSchema } from '../../pipeline/workspace.js';
import { commonOptions, commonUsage, defineCommand, loadCommandConfig } from '../command.js';
import { renderTable } from '../table.js';
import { flag, positiveInteger } from '../options.js';
import type { SweepWorkerArgs } from '../sweep-worker-main.js';

/** The compiled worker entry beside this module's compiled folder (dist/src/cli/). */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const compiled = here.endsWith('.ts') ? here.replace(/([\\/])src([\\/]cli[\\/])commands[\\/]sweep\.ts$/, '$1dist$1src$2sweep-worker-main.js') : join(here, '..', '..', 'sweep-worker-main.js');
  if (!existsSync(compiled)) throw new Error(`The sweep worker ${compiled} is not built; run \`npm run build\``);
  return compiled;
}

/** How one worker ended. */
interface WorkerExit {
  id: string;
  code: number;
}

/** Runs one candidate's worker; its log lines go to stderr prefixed with the candidate id. */
function runWorker(args: SweepWorkerArgs, stderr: NodeJS.WritableStream): Promise<WorkerExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerEntry(), JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'pipe'] });
    createInterface({ input: child.stderr }).on('line', (line) => stderr.write(`[${args.candidate}] ${line}\n`));
    child.on('error', reject);
    child.on('close', (code) => resolve({ id: args.candidate, code: code ?? 1 }));
  });
}

/** Runs tasks with at most `limit` at a time, in list order. */
async function runPool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

const sweepOptions = z.strictObject({ ...commonOptions, parallel: positiveInteger(), list: flag(), json: flag(), 'no-promote': flag() });

export const sweepCommand = defineCommand({
  name: 'sweep',
  summary: 'train every sweep candidate in parallel, gate each, register the best',
  usage: `mlops sweep [--parallel N] [--no-promote]
       mlops sweep --list [--json]

Runs every candidate of sweep.candidates in mlops.config.yaml (the same list the retrain
workflow's job matrix trains, one runner each) as worker processes on this machine: each is
validated, trained and evaluated against the champion in its own work dir under .mlops/sweeps/.
The best candidate that passed the gate, by the primary metric, is registered; every candidate
is recorded in \`mlops experiments\`. Exits with 4 when none passed.
  --parallel N        candidates trained at once (default: one per CPU, at most the candidates)
  --no-promote        register the best without making it the champion
  --list              print the candidates and their overrides instead of running them
  --json              with --list: the job matrix as JSON ({id, overrides} with overrides as the
                      config-overrides text the actions take)
${commonUsage}`,
  options: sweepOptions,
  async run(context) {
    const loaded = await loadCommandConfig(context);
    const candidates = loaded.config.sweep.candidates;
    // Every candidate's overrides must make a valid config before anything starts.
    for (const candidate of candidates) applyConfigOverrides(loaded, candidate.overrides, `sweep.candidates '${candidate.id}'`);
    if (context.options.json && !context.options.list) throw new ConfigError('--json only applies with --list.');
    if (context.options.list) {
      const matrix = candidates.map((c) => ({ id: c.id, overrides: Object.keys(c.overrides).length > 0 ? JSON.stringify(c.overrides) : '' }));
      context.io.stdout.write(
        context.options.json ? `${JSON.stringify(matrix)}\n` : `${renderTable(['candidate', 'overrides'], matrix.map((c) => [c.id, c.overrides || '(the config as it is)']))}\n`,
      );
      return 0;
    }
    const sweepId = `${compactTimestamp(new Date())}-${process.pid}`;
    const sweepDir = join(loaded.baseDir, '.mlops', 'sweeps', sweepId);
    const parallel = context.options.parallel ?? Math.min(candidates.length, availableParallelism());
    context.logger.info(`Sweep ${sweepId}: ${candidates.length} candidates, ${parallel} at a time, work dirs in ${sweepDir}`);
    const started = performance.now();
    const exits = await runPool(
      candidates.map((candidate) => () =>
        runWorker(
          {
            config: loaded.path,
            cwd: context.io.cwd,
            workDir: join(sweepDir, candidate.id),
            overrides: candidate.overrides,
            sweepId,
            candidate: candidate.id,
            quiet: context.options.quiet,
            debug: context.options.debug,
          },
          context.io.stderr,
        ),
      ),
      parallel,
    );
    const judged = await readSweepCandidates(sweepDir).catch(() => [] as SweepCandidate[]);
    const chosen = selectBestCandidate(judged);
    let version: string | null = null;
    if (chosen) {
      const open = (dir: string) => openStepContext({ configPath: loaded.path, workDir: dir, cwd: context.io.cwd, env: context.io.env, logger: context.logger });
      const outcome = await registerStep(await open(chosen.dir), { promote: !context.options['no-promote'] });
      version = outcome.created ? outcome.version.version : `${outcome.version.version} (unchanged)`;
      for (const other of judged.filter((c) => c.passed && c !== chosen)) await recordNotSelected(await open(other.dir), chosen);
    }
    const rows = await Promise.all(
      candidates.map(async (candidate) => {
        const result = judged.find((c) => c.id === candidate.id);
        const exit = exits.find((e) => e.id === candidate.id)!;
        const training = await new RunWorkspace(join(sweepDir, candidate.id)).read('training', trainingRecordSchema, 'train').catch(() => null);
        const status = !result ? `failed (exit ${exit.code})` : result === chosen ? `registered ${version}` : result.passed ? 'passed' : 'rejected';
        return [
          candidate.id,
          Object.keys(candidate.overrides).length > 0 ? JSON.stringify(candidate.overrides) : '(as configured)',
          status,
          result ? `${result.primaryMetric} ${formatNumber(result.value, columnFormat)}` : missingValue,
          training ? `${training.epochs_run} (kept ${training.best_epoch})` : missingValue,
          training ? `${formatNumber(training.duration_ms / 1000, { decimals: 1 })} s` : missingValue,
        ];
      }),
    );
    context.io.stdout.write(
      `${renderTable(['candidate', 'overrides', 'status', 'test metric', 'epochs', 'training'], rows)}\n` +
        `sweep ${sweepId} finished in ${formatNumber((performance.now() - started) / 1000, { decimals: 1 })} s; work dirs in ${sweepDir}\n`,
    );
    if (!chosen) throw new GateRejectedError(`None of the ${candidates.length} sweep candidates passed the gate; nothing is registered.`);
    return 0;
  },
});
