/**
 * The continuous-training part of `npm run bench:serve` (issue 11): what the prediction log and
 * ground truth cost a running `mlops serve`.
 *
 *   1. logged vs unlogged: POST /predict, one instance per request, against two servers of the
 *      same model, one with feedback on (a prediction_id per prediction, every prediction in the
 *      log) and one with feedback.enabled false, alternated round by round; goal ≥ 80%;
 *   2. ingest: labels per second through POST /feedback, bodies of 1,000 labels from 4 clients,
 *      on fresh predictions each round (goal ≥ 20,000 labels/s);
 *   3. disk budget: a server whose log has a small budget (4 MiB in 1 MiB files) under batches
 *      of predictions and labels for --budget-seconds (600 = the 10 minutes); the log
 *      folder's size is sampled every second and must never pass the budget.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { median } from './bench-util.js';

/** What the scenario borrows from serve-bench. */
export interface FeedbackBenchContext {
  /** bin/mlops.js of the repository. */
  mlopsBin: string;
  work: string;
  registry: string;
  /** The repository config, parsed: the servers' configs are written from it. */
  baseConfig: Record<string, unknown>;
  rounds: number;
  duration: number;
  connections: number;
  budgetSeconds: number;
  single: { method: string; path: string; headers: Record<string, string>; body: string }[];
  /** A body of 1,000 instances (real rows). */
  batchBody: string;
  start(args: string[], logName: string): Promise<{ url: string; pid: number }>;
  /** autocannon against one server; its req/s and latency. */
  load(target: { url: string; pid: number }, options: { connections: number; requests: FeedbackBenchContext['single'] }): Promise<{ requests: { average: number }; latency: { p99: number }; errors: number; non2xx: number; timeouts: number; cpuMsPerRequest: number | null }>;
  fmt(value: number): string;
}

const goals = { minLoggedRatio: 0.8, minLabelsPerSecond: 20_000 };
const labelsPerBody = 1000;
const ingestClients = 4;

export async function feedbackScenario(ctx: FeedbackBenchContext): Promise<void> {
  const serve = (name: string, feedback: Record<string, unknown>) => {
    const path = join(ctx.work, `${name}.config.yaml`);
    writeFileSync(path, stringify({ ...ctx.baseConfig, feedback: { log_dir: `feedback-${name}`, ...feedback } }));
    return ctx.start([ctx.mlopsBin, 'serve', '--config', path, '--registry', ctx.registry, '--port', '0'], `${name}.log`);
  };
  const logged = await serve('logged', {});
  const unlogged = await serve('unlogged', { enabled: false });
  console.log(`\nprediction log: /predict with every prediction logged vs feedback off, ${ctx.connections} connections; /feedback ingest with ${ingestClients} clients × ${labelsPerBody}-label bodies`);
  await ctx.load(logged, { connections: ctx.connections, requests: ctx.single });
  await ctx.load(unlogged, { connections: ctx.connections, requests: ctx.single });
  const rates = { logged: [] as number[], unlogged: [] as number[], labels: [] as number[], loggedCpu: [] as number[], unloggedCpu: [] as number[] };
  let failures = 0;
  for (let round = 1; round <= ctx.rounds; round++) {
    // Alternate which server goes first, so a trend in the machine's load favours neither.
    const first = round % 2 === 1 ? unlogged : logged;
    const second = first === logged ? unlogged : logged;
    const a = await ctx.load(first, { connections: ctx.connections, requests: ctx.single });
    const b = await ctx.load(second, { connections: ctx.connections, requests: ctx.single });
    const [on, off] = first === logged ? [a, b] : [b, a];
    failures += off.errors + off.non2xx + off.timeouts + on.errors + on.non2xx + on.timeouts;
    const labels = await ingestRate(logged.url, ctx.batchBody, 50);
    rates.unlogged.push(off.requests.average);
    rates.logged.push(on.requests.average);
    rates.labels.push(labels);
    if (on.cpuMsPerRequest !== null && off.cpuMsPerRequest !== null) {
      rates.loggedCpu.push(on.cpuMsPerRequest * 1000);
      rates.unloggedCpu.push(off.cpuMsPerRequest * 1000);
    }
    console.log(
      `round ${round}: unlogged ${ctx.fmt(off.requests.average)} req/s, logged ${ctx.fmt(on.requests.average)} req/s (p99 ${on.latency.p99} ms); /feedback ${ctx.fmt(labels)} labels/s`,
    );
  }
  const ratio = median(rates.logged) / median(rates.unlogged);
  const labelRate = median(rates.labels);
  console.log(`\nmedians of ${ctx.rounds} rounds: unlogged ${ctx.fmt(median(rates.unlogged))} req/s, logged ${ctx.fmt(median(rates.logged))} req/s, ratio ${ratio.toFixed(2)}; /feedback ${ctx.fmt(labelRate)} labels/s; ${failures} errors`);
  if (rates.loggedCpu.length === ctx.rounds) {
    // The load generator and other processes share the machine; server CPU per request is the cost of logging alone.
    const cpuRatio = median(rates.unloggedCpu) / median(rates.loggedCpu);
    console.log(
      `server CPU per request: unlogged ${ctx.fmt(median(rates.unloggedCpu))} µs, logged ${ctx.fmt(median(rates.loggedCpu))} µs: logged would keep ${(cpuRatio * 100).toFixed(0)}% of the throughput on CPUs of its own`,
    );
  }
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log('goals of the continuous-training issue:');
  console.log(`  logged /predict ≥ ${goals.minLoggedRatio * 100}% of unlogged: ${(ratio * 100).toFixed(0)}%, ${check(ratio >= goals.minLoggedRatio)}`);
  console.log(`  /feedback ≥ ${ctx.fmt(goals.minLabelsPerSecond)} labels/s: ${ctx.fmt(labelRate)}, ${check(labelRate >= goals.minLabelsPerSecond)}`);
  await diskBudget(ctx, serve);
}

/** Predicts `bodies` × 1,000 rows for fresh ids, then times POST /feedback of all of them. */
async function ingestRate(url: string, batchBody: string, bodies: number): Promise<number> {
  const ids: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < bodies; i++) {
    const answer = (await (await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batchBody })).json()) as { predictions: { prediction_id: string; label: string }[] };
    for (const prediction of answer.predictions) {
      ids.push(prediction.prediction_id);
      labels.push(prediction.label);
    }
  }
  const payloads: string[] = [];
  for (let start = 0; start < ids.length; start += labelsPerBody) {
    payloads.push(JSON.stringify({ feedback: ids.slice(start, start + labelsPerBody).map((id, i) => ({ prediction_id: id, label: labels[start + i] })) }));
  }
  let next = 0;
  let accepted = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: ingestClients }, async () => {
      while (next < payloads.length) {
        const body = payloads[next++]!;
        const response = await fetch(`${url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const answer = (await response.json()) as { accepted?: number };
        if (response.status !== 200) throw new Error(`/feedback answered ${response.status}: ${JSON.stringify(answer)}`);
        accepted += answer.accepted ?? 0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (accepted !== ids.length) throw new Error(`/feedback accepted ${accepted} of ${ids.length} labels`);
  return accepted / seconds;
}

/** Bytes of the files in a folder (the log's segments). */
function folderBytes(dir: string): number {
  try {
    return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  } catch {
    return 0;
  }
}

async function diskBudget(ctx: FeedbackBenchContext, serve: (name: string, feedback: Record<string, unknown>) => Promise<{ url: string }>): Promise<void> {
  const budget = 4 * 1_048_576;
  const server = await serve('budget', { max_bytes: budget, segment_bytes: 1_048_576, max_predictions: 20_000 });
  const dir = join(ctx.work, 'feedback-budget');
  let largest = 0;
  let written = 0;
  const sampler = setInterval(() => (largest = Math.max(largest, folderBytes(dir))), 1000);
  const until = Date.now() + ctx.budgetSeconds * 1000;
  try {
    while (Date.now() < until) {
      const answer = (await (await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ctx.batchBody })).json()) as { predictions: { prediction_id: string; label: string }[] };
      const body = JSON.stringify({ feedback: answer.predictions.map((p) => ({ prediction_id: p.prediction_id, label: p.label })) });
      written += body.length;
      await fetch(`${server.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    }
  } finally {
    clearInterval(sampler);
  }
  largest = Math.max(largest, folderBytes(dir));
  console.log(
    `\ndisk budget: ${ctx.budgetSeconds} s of 1,000-row predictions and their labels (${ctx.fmt(written / 1_048_576)} MiB of label bodies alone) against a ${budget / 1_048_576} MiB budget: the log folder peaked at ${ctx.fmt(largest / 1_048_576)} MiB, ${largest <= budget ? 'within' : 'OVER'} its budget`,
  );
}
