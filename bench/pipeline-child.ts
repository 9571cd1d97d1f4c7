/**
 * One whole `mlops pipeline` (validate → train → evaluate → register) in this fresh process, in
 * the project folder given, so the peak memory measured is the pipeline's alone. Prints
 * {ms, maxRssMb, samplesPerSecond, streamed, auc} as JSON; the pipeline's own output goes to stderr.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';

const [project] = process.argv.slice(2);
if (!project) throw new Error('usage: pipeline-child.js PROJECT_DIR');
const started = performance.now();
const code = await runCli(['pipeline', '--quiet', '--work-dir', '.mlops/bench-run'], {
  stdout: process.stderr,
  stderr: process.stderr,
  env: process.env,
  cwd: project,
});
const ms = performance.now() - started;
// 4: the gate rejected the candidate after evaluating it (everything but register ran).
if (code !== 0 && code !== 4) throw new Error(`mlops pipeline exited ${code}`);
const work = join(project, '.mlops/bench-run');
const training = JSON.parse(readFileSync(join(work, 'training.json'), 'utf8')) as { samples_per_second: number; streamed?: boolean; split: { train: number } };
const metrics = JSON.parse(readFileSync(join(work, 'metrics.json'), 'utf8')) as { overall: { metrics: Record<string, number> } };
const leftovers = readdirSync(work).filter((name) => name === 'encoded');
console.log(
  JSON.stringify({
    ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    samplesPerSecond: training.samples_per_second,
    streamed: training.streamed ?? false,
    trainRows: training.split.train,
    auc: metrics.overall.metrics['auc'] ?? null,
    encodedLeftOver: leftovers.length > 0,
    gatePassed: code === 0,
  }),
);
