/**
 * `npm run bench:serve`: how fast `mlops serve` answers, measured with autocannon on loopback.
 *
 *   1. hello   a bare Express hello-world (GET / → "Hello World!"), the ceiling of Express here;
 *   2. predict POST /predict with one instance per request, same connections and duration;
 *   3. batch   POST /predict with 1000 instances per request (rows/s);
 *   4. contention: valid one-instance /predict requests (4 connections) alone ("quiet"), then
 *      while 8 other connections send 1 MB key-heavy bodies (70,000 keys, refused with 400)
 *      ("under attack"): their median and p99 latency side by side (goal: the median under
 *      attack at most 2× the quiet one);
 *   5. feedback: /predict with every prediction logged against feedback off, /feedback labels/s,
 *      and the prediction log's disk use under load against its budget (feedback-scenario.ts).
 *
 * Both servers are real child processes (the real `mlops serve` CLI, logging at info to a file),
 * measured in the same run and alternated round by round so that a busy machine affects both
 * alike. The table shows the median of the rounds and the ratio to hello-world. It is a benchmark,
 * not a test: it prints numbers and checks them against the goals of the serving issue, but it
 * always exits 0 unless it cannot run.
 *
 *   node dist/bench/serve-bench.js [--registry DIR] [--rounds 3] [--duration 10] [--connections 50] [--batch-connections 8]
 *                                  [--only throughput|contention|feedback] [--budget-seconds 600]
 *
 * Without --registry it creates a temporary project from the repository's config and data and
 * runs the real pipeline to register a model.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { loadDataset } from '../src/data/load-dataset.js';
import { parse } from 'yaml';
import { feedbackScenario } from './feedback-scenario.js';

/** The parts of autocannon's result the bench reads. */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  requests?: { method: string; path: string; headers: Record<string, string>; body: string }[];
}
type Autocannon = (options: AutocannonOptions, callback: (error: Error | null, result: AutocannonResult) => void) => unknown;

const require = createRequire(import.meta.url);
/** Clock ticks per second of /proc CPU times, read once (null: unknown). */
let clockTicks: number | null | undefined;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const mlopsBin = join(repoRoot, 'bin', 'mlops.js');

/** Goals of the serving issues. */
const goals = { minRatio: 0.6, aimRatio: 0.8, maxP99Ms: 25, minRowsPerSecond: 200_000, maxAttackMedianRatio: 2 };
/** Connections of the contention scenario: valid requests, and clients sending key-heavy bodies. */
const contention = { validConnections: 4, attackConnections: 8 };

const { values } = parseArgs({
  options: {
    registry: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'batch-connections': { type: 'string', default: '8' },
    'hello-world': { type: 'boolean' },
    only: { type: 'string' },
    'budget-seconds': { type: 'string', default: '600' },
  },
});

if (values['hello-world']) {
  // The baseline server, run as a child of the bench: the Express hello-world of its documentation.
  const { default: express } = await import('express');
  const app = express();
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`Serving hello-world at http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  await main();
}

async function main(): Promise<void> {
  const rounds = positiveInt(values.rounds, 'rounds');
  const duration = positiveInt(values.duration, 'duration');
  const connections = positiveInt(values.connections, 'connections');
  const batchConnections = positiveInt(values['batch-connections'], 'batch-connections');
  const budgetSeconds = positiveInt(values['budget-seconds'], 'budget-seconds');
  if (values.only !== undefined && !['throughput', 'contention', 'feedback'].includes(values.only)) {
    console.error(`--only must be throughput, contention or feedback; got '${values.only}'`);
    process.exit(2);
  }
  const throughput = values.only === undefined || values.only === 'throughput';
  const contended = values.only === undefined || values.only === 'contention';
  const feedback = values.only === undefined || values.only === 'feedback';
  const autocannon = require('autocannon') as Autocannon;
  const work = mkdtempSync(join(tmpdir(), 'mlops-serve-bench-'));
  const children: ChildProcess[] = [];
  try {
    const registry = values.registry ?? (await registerModel(work));
    const bodies = await requestBodies();
    const serveLog = join(work, 'serve.log');
    const serve = await startChild([mlopsBin, 'serve', '--registry', registry, '--port', '0', '--feedback-dir', join(work, 'feedback')], serveLog, children);
    const hello = await startChild([fileURLToPath(import.meta.url), '--hello-world'], join(work, 'hello.log'), children);
    const backend = /backend: (\w+)/.exec(readFileSync(serveLog, 'utf8'))?.[1] ?? 'unknown';
    const load = loadavg();
    console.log(
      `mlops serve benchmark: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${load.map((l) => l.toFixed(2)).join(' ')}, node ${process.version}, tfjs backend ${backend}`,
    );
    console.log(`autocannon on loopback: ${connections} connections for hello and predict, ${batchConnections} for batches; ${rounds} rounds of ${duration} s each\n`);

    const run = async (target: { url: string; pid: number }, options: Omit<AutocannonOptions, 'duration' | 'url'>, seconds = duration): Promise<Measured> => {
      const cpuBefore = processCpuMs(target.pid);
      const result = await new Promise<AutocannonResult>((resolve, reject) => {
        autocannon({ ...options, url: target.url, duration: seconds }, (error, outcome) => (error ? reject(error) : resolve(outcome)));
      });
      const cpuAfter = processCpuMs(target.pid);
      const cpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
      return { ...result, cpuMsPerRequest: cpuMs === null || result.requests.total === 0 ? null : cpuMs / result.requests.total };
    };
    const single = bodies.single.map((body) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body }));
    const batch = [{ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: bodies.batch }];

    // Warm-up: JIT, tfjs kernels, connection pools.
    await run(hello, { connections }, 2);
    await run(serve, { connections, requests: single }, 3);
    await run(serve, { connections: batchConnections, requests: batch }, 2);

    if (throughput) {
      const results: Results = { hello: [], predict: [], batch: [] };
      for (let round = 1; round <= rounds; round++) {
        results.hello.push(await run(hello, { connections }));
        results.predict.push(await run(serve, { connections, requests: single }));
        results.batch.push(await run(serve, { connections: batchConnections, requests: batch }));
        const [h, p, b] = [results.hello.at(-1)!, results.predict.at(-1)!, results.batch.at(-1)!];
        console.log(
          `round ${round}: hello ${h.requests.average.toFixed(0)} req/s; predict ${p.requests.average.toFixed(0)} req/s (p99 ${p.latency.p99} ms); batch ${(b.requests.average * 1000).toFixed(0)} rows/s`,
        );
      }
      report(results);
    }
    if (contended) {
      const attack = [{ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: keyHeavyBody(1_040_000) }];
      const valid = { connections: contention.validConnections, requests: single };
      console.log(
        `\ncontention: ${contention.validConnections} connections of valid one-instance requests, alone and while ${contention.attackConnections} connections send ${fmt(attack[0]!.body.length)}-byte bodies of ${fmt(attack[0]!.body.split(':').length - 1)} keys`,
      );
      const quiet: Measured[] = [];
      const loaded: Measured[] = [];
      const attacks: Measured[] = [];
      for (let round = 1; round <= rounds; round++) {
        quiet.push(await run(serve, valid));
        const hostile = run(serve, { connections: contention.attackConnections, requests: attack }, duration + 1);
        // The attack starts first, so the valid requests are measured under it from their start.
        await new Promise((resolve) => setTimeout(resolve, 500));
        loaded.push(await run(serve, valid));
        attacks.push(await hostile);
        const [q, l, a] = [quiet.at(-1)!, loaded.at(-1)!, attacks.at(-1)!];
        console.log(
          `round ${round}: quiet p50 ${q.latency.p50} ms, p99 ${q.latency.p99} ms; under attack p50 ${l.latency.p50} ms, p99 ${l.latency.p99} ms; attack bodies ${a.requests.average.toFixed(0)}/s (statuses ${statusSummary(a)})`,
        );
      }
      reportContention(quiet, loaded, attacks);
    }
    if (feedback) {
      await feedbackScenario({
        mlopsBin,
        work,
        registry,
        baseConfig: parse(readFileSync(join(repoRoot, 'mlops.config.yaml'), 'utf8')) as Record<string, unknown>,
        rounds,
        duration,
        connections,
        budgetSeconds,
        single,
        batchBody: bodies.batch,
        start: (args, logName) => startChild(args, join(work, logName), children),
        load: (target, options) => run(target, options),
        fmt,
      });
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

/** An autocannon result with the server's CPU time per request (null where /proc is not available). */
type Measured = AutocannonResult & { cpuMsPerRequest: number | null };
interface Results {
  hello: Measured[];
  predict: Measured[];
  batch: Measured[];
}

function report(results: Results): void {
  const failures = (list: AutocannonResult[]) => list.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0);
  const cpu = (list: Measured[]) => {
    const values = list.map((r) => r.cpuMsPerRequest).filter((v): v is number => v !== null);
    return values.length === list.length && values.length > 0 ? median(values) * 1000 : null;
  };
  const cpuText = (value: number | null) => (value === null ? '–' : fmt(value));
  const helloRate = median(results.hello.map((r) => r.requests.average));
  const predictRate = median(results.predict.map((r) => r.requests.average));
  const batchRequests = median(results.batch.map((r) => r.requests.average));
  const helloCpu = cpu(results.hello);
  const predictCpu = cpu(results.predict);
  const batchCpu = cpu(results.batch);
  const rows = [
    ['hello-world (GET /)', fmt(helloRate), fmt(median(results.hello.map((r) => r.latency.p50))), fmt(median(results.hello.map((r) => r.latency.p99))), String(failures(results.hello)), '1.00', '–', cpuText(helloCpu)],
    ['predict, 1 instance', fmt(predictRate), fmt(median(results.predict.map((r) => r.latency.p50))), fmt(median(results.predict.map((r) => r.latency.p99))), String(failures(results.predict)), (predictRate / helloRate).toFixed(2), fmt(predictRate), cpuText(predictCpu)],
    ['predict, 1000 instances', fmt(batchRequests), fmt(median(results.batch.map((r) => r.latency.p50))), fmt(median(results.batch.map((r) => r.latency.p99))), String(failures(results.batch)), (batchRequests / helloRate).toFixed(3), fmt(batchRequests * 1000), cpuText(batchCpu)],
  ];
  const headers = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs hello', 'rows/s', 'server CPU µs/req'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(`\nmedians of ${results.hello.length} rounds`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));

  const ratio = predictRate / helloRate;
  const p99 = median(results.predict.map((r) => r.latency.p99));
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log('\ngoals of the serving issue:');
  console.log(`  predict ≥ ${goals.minRatio * 100}% of hello-world req/s (aim ${goals.aimRatio * 100}%): ${(ratio * 100).toFixed(0)}%, ${check(ratio >= goals.minRatio)}`);
  console.log(`  zero errors: ${failures(results.predict)} errors, ${check(failures(results.predict) === 0)}`);
  console.log(`  predict p99 < ${goals.maxP99Ms} ms at 50 connections: ${fmt(p99)} ms, ${check(p99 < goals.maxP99Ms)}`);
  console.log(`  batched ≥ ${fmt(goals.minRowsPerSecond)} rows/s: ${fmt(batchRequests * 1000)} rows/s, ${check(batchRequests * 1000 >= goals.minRowsPerSecond)}`);
  if (helloCpu !== null && predictCpu !== null && batchCpu !== null) {
    // autocannon shares the machine with the servers; CPU per request is the cost of the server alone.
    console.log('\nserver CPU time per request (independent of the load generator sharing the machine):');
    console.log(`  hello-world ${fmt(helloCpu)} µs, predict ${fmt(predictCpu)} µs: predict would reach ${((helloCpu / predictCpu) * 100).toFixed(0)}% of hello-world on CPUs of its own`);
    console.log(`  1000-instance batch ${fmt(batchCpu)} µs of server CPU: ${fmt(1e9 / batchCpu)} rows per CPU-second`);
  }
}


/** A body of one instance with as many keys as fit in about `bytes` bytes: each is refused, but only after it was read. */
function keyHeavyBody(bytes: number): string {
  const keys: string[] = [];
  let length = '{"instances":[{}]}'.length;
  for (let i = 0; length < bytes; i++) {
    const key = `"k${i}":${i}`;
    keys.push(key);
    length += key.length + 1;
  }
  return `{"instances":[{${keys.join(',')}}]}`;
}

function statusSummary(result: AutocannonResult): string {
  const entries = Object.entries(result.statusCodeStats ?? {});
  const text = entries.map(([status, { count }]) => `${status}×${count}`).join(', ');
  return `${text || 'none'}${result.errors > 0 ? `; ${result.errors} connection errors` : ''}`;
}

function reportContention(quiet: Measured[], loaded: Measured[], attacks: Measured[]): void {
  const quietP50 = median(quiet.map((r) => r.latency.p50));
  const quietP99 = median(quiet.map((r) => r.latency.p99));
  const loadedP50 = median(loaded.map((r) => r.latency.p50));
  const loadedP99 = median(loaded.map((r) => r.latency.p99));
  const failures = (list: AutocannonResult[]) => list.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0);
  console.log(`\nmedians of ${quiet.length} rounds`);
  console.log('valid /predict          req/s    mean ms    p50 ms    p99 ms   errors');
  const row = (name: string, list: Measured[], p50: number, p99: number) =>
    console.log(
      `${name.padEnd(20)} ${fmt(median(list.map((r) => r.requests.average))).padStart(8)} ${fmt(median(list.map((r) => r.latency.average))).padStart(10)} ${fmt(p50).padStart(9)} ${fmt(p99).padStart(9)} ${String(failures(list)).padStart(8)}`,
    );
  row('quiet', quiet, quietP50, quietP99);
  row('under attack', loaded, loadedP50, loadedP99);
  const ratio = loadedP50 / quietP50;
  console.log(`attack bodies answered: ${fmt(median(attacks.map((r) => r.requests.average)))}/s (median of rounds), statuses ${statusSummary(attacks.at(-1)!)} in the last round`);
  console.log(
    `\ngoal of the hardening issue: valid median under attack ≤ ${goals.maxAttackMedianRatio}× the quiet median: ${ratio.toFixed(2)}×, ${ratio <= goals.maxAttackMedianRatio ? 'met' : 'NOT met'}; p99 ${(loadedP99 / quietP99).toFixed(2)}× (${fmt(quietP99)} → ${fmt(loadedP99)} ms)`,
  );
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** User + system CPU time of a process in ms, from /proc (Linux); null elsewhere. */
function processCpuMs(pid: number): number | null {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return null;
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || null;
    } catch {
      clockTicks = null;
    }
  }
  if (clockTicks === null) return null;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicks;
}

function fmt(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

function positiveInt(text: string | undefined, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a positive whole number; got '${text}'`);
    process.exit(2);
  }
  return value;
}

/** Registers a model the way a forker would: the repository's config and data, the real pipeline. */
async function registerModel(work: string): Promise<string> {
  const project = join(work, 'project');
  cpSync(join(repoRoot, 'mlops.config.yaml'), join(project, 'mlops.config.yaml'));
  cpSync(join(repoRoot, 'data/telco-churn.csv'), join(project, 'data/telco-churn.csv'));
  console.log(`training a model in ${project} (mlops pipeline)…`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [mlopsBin, 'pipeline', '--quiet'], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`mlops pipeline failed with exit code ${code}`);
  return join(project, '.mlops/registry');
}

/** Request bodies from real rows: 100 single-instance bodies and one 1000-instance body. */
async function requestBodies(): Promise<{ single: string[]; batch: string }> {
  const loaded = await loadConfig(join(repoRoot, 'mlops.config.yaml'));
  const dataset = await loadDataset({ config: loaded, logger: silentLogger });
  const rows = dataset.rows.map((row) => row.features);
  return {
    single: rows.slice(0, 100).map((row) => JSON.stringify({ instances: [row] })),
    batch: JSON.stringify({ instances: rows.slice(0, 1000) }),
  };
}

/** Starts a child process (stdout read for its URL, stderr to a file) and resolves with its URL and pid. */
async function startChild(args: string[], logFile: string, children: ChildProcess[]): Promise<{ url: string; pid: number }> {
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', fd], env: { ...process.env, PORT: '' } });
  closeSync(fd);
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let started = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /at (http:\/\/\S+)/.exec(out);
      if (match && !started) {
        started = true;
        resolve({ url: match[1]!, pid: child.pid! });
      }
    });
    child.on('close', (code) => {
      if (!started) reject(new Error(`${args.join(' ')} exited with ${code}: ${readFileSync(logFile, 'utf8').slice(-2000)}`));
    });
  });
}
