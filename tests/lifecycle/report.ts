import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { StoredRun } from '../../src/gha/state/schema.js';

/**
 * The year's report: the wall time of every event, their median and the whole year, the jobs
 * each event ran with their durations, and the simulated GitHub's state after each event (an
 * excerpt of `gha state --json`). Written to `.mlops/lifecycle/report.md`; the table is also
 * printed, so that a CI log carries it.
 */

/** One run an event started or re-ran, with each job's conclusion and duration. */
export interface RunRecord {
  id: number;
  workflow: string;
  event: string;
  conclusion: string | null;
  attempt: number;
  jobs: Record<string, string>;
}

/** One event of the year as the report shows it. */
export interface EventRecord {
  name: string;
  ms: number;
  /** The machine's 1-minute load average when the event ended (other work slows the events). */
  load: number;
  runs: RunRecord[];
  excerpt: Record<string, unknown>;
}

/** The jobs of a run as its latest attempt left them (later attempts are appended), as "conclusion (12.3 s)" by job name. */
export function runRecord(run: StoredRun): RunRecord {
  const latest = new Map<string, StoredRun['jobs'][number]>();
  for (const job of run.jobs) latest.set(job.key || job.name, job);
  const jobs: Record<string, string> = {};
  for (const job of latest.values()) {
    const ms = Date.parse(job.completed_at) - Date.parse(job.started_at);
    const detail = job.reused ? ` (kept from attempt ${job.attempt})` : job.conclusion === 'skipped' ? '' : ` (${(ms / 1000).toFixed(1)} s${job.attempt > 1 ? `, attempt ${job.attempt}` : ''})`;
    jobs[job.name] = `${job.conclusion}${detail}`;
  }
  return { id: run.id, workflow: run.workflow.split('/').pop() ?? run.workflow, event: run.event, conclusion: run.conclusion, attempt: run.run_attempt, jobs };
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const s = (ms: number) => (ms / 1000).toFixed(1);

/** The table of events: number, name, seconds, the runs with their conclusions. */
export function eventTable(year: readonly EventRecord[]): string {
  const rows = year.map((e, i) => `| ${i + 1} | ${e.name} | ${s(e.ms)} | ${e.load.toFixed(1)} | ${e.runs.map((r) => `${r.workflow} #${r.id}${r.attempt > 1 ? ` attempt ${r.attempt}` : ''}: ${r.conclusion}`).join('; ') || '—'} |`);
  return ['| # | Event | Wall (s) | Load | Runs |', '|---|---|---:|---:|---|', ...rows].join('\n');
}

/** The totals line: the whole year, the events' sum and median. */
export function totals(year: readonly EventRecord[], wholeMs: number): string {
  const times = year.map((e) => e.ms);
  return `Whole year: ${s(wholeMs)} s wall (setup included); ${year.length} events, ${s(times.reduce((a, b) => a + b, 0))} s in events, median ${s(times.length > 0 ? median(times) : 0)} s per event, longest ${s(Math.max(0, ...times))} s.`;
}

/** Writes report.md into `dir` and returns the short form printed to the log. */
export function writeReport(dir: string, year: readonly EventRecord[], wholeMs: number, startLoad: number): string {
  const meanLoad = year.length > 0 ? year.reduce((sum, e) => sum + e.load, 0) / year.length : loadavg()[0]!;
  const machine = `${cpus().length} cores; load average ${startLoad.toFixed(1)} at the start, ${meanLoad.toFixed(1)} on average after the events`;
  const short = [`A year of events through the workflows (${machine})`, totals(year, wholeMs), '', eventTable(year)].join('\n');
  const states = year.map((e, i) =>
    [
      `### ${i + 1}. ${e.name} (${s(e.ms)} s)`,
      '',
      ...e.runs.map((r) => `- ${r.workflow} #${r.id} (${r.event}${r.attempt > 1 ? `, attempt ${r.attempt}` : ''}): ${r.conclusion}; ${Object.entries(r.jobs).map(([job, what]) => `${job}: ${what}`).join(', ')}`),
      ...(e.runs.length > 0 ? [''] : []),
      'State after the event (`gha state --json`, excerpt):',
      '',
      '```json',
      JSON.stringify(e.excerpt, null, 1),
      '```',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'report.md'), [`# ${short}`, '', '## The events, their jobs and the state after each', '', ...states, ''].join('\n'));
  return short;
}
