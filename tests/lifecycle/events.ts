import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { StoredRun } from '../../src/gha/state/schema.js';
import { repoRoot } from '../helpers/project.js';
import type { Lifecycle } from './harness.js';
import { invariantProblems, type Memory } from './invariants.js';
import { runRecord, type EventRecord } from './report.js';

/**
 * One event of the year: what the maintainer (or GitHub) does, how long it took, which runs it
 * started or re-ran and how their jobs ended, and the state afterwards, written to
 * `.mlops/lifecycle/` (year.jsonl, output.log, and report.md at the end: the report the closing
 * note quotes) and checked against the invariants.
 */

export const reportDir = join(repoRoot, '.mlops', 'lifecycle');

export const year: EventRecord[] = [];

/**
 * Runs `act` as event `name`, then checks the invariants and records the state. Returns the runs
 * the event started (a re-run starts none; the report also lists the runs it re-ran).
 */
export async function event<T>(lifecycle: Lifecycle, memory: Memory, name: string, act: () => Promise<T>): Promise<{ value: T; runs: StoredRun[] }> {
  const attempts = new Map((await lifecycle.state()).runs.map((r) => [r.id, r.run_attempt]));
  const before = attempts.size;
  const started = Date.now();
  const value = await act();
  const ms = Date.now() - started;
  if (typeof value === 'string') appendFileSync(join(reportDir, 'output.log'), `== ${name}\n${value}\n`);
  const runs = await lifecycle.runsSince(before);
  const touched = (await lifecycle.state()).runs.filter((r) => attempts.get(r.id) !== r.run_attempt);
  const summary = await lifecycle.summary();
  const serving = await lifecycle.servingVersion();
  const excerpt = {
    branches: Object.fromEntries(Object.entries(summary.branches as Record<string, string>).map(([branch, sha]) => [branch, sha.slice(0, 12)])),
    tags: summary.tags.map((t: { name: string; commit: string }) => `${t.name}@${t.commit.slice(0, 12)}`),
    releases: summary.releases.map((r: { tag: string; latest: boolean; draft: boolean; assets: string[] }) => `${r.tag}${r.latest ? ' (latest)' : ''}${r.draft ? ' (draft)' : ''} ${r.assets.length} assets`),
    deployments: summary.deployments.filter((d: { automatic: boolean }) => !d.automatic).map((d: { environment: string; ref: string; statuses: string[] }) => `${d.environment} ${d.ref}: ${d.statuses.join(' → ')}`),
    images: summary.images,
    comments: summary.comments.map((c: { issue: number; author: string; body: string }) => `#${c.issue} ${c.author}: ${c.body.split('\n')[1]?.slice(0, 60) ?? ''}`),
    pages: summary.pages.length,
    runs: summary.runs.map((r: { id: number; workflow: string; event: string; conclusion: string | null; attempt: number }) => `#${r.id} ${r.workflow.split('/').pop()} ${r.event}${r.attempt > 1 ? ` attempt ${r.attempt}` : ''}: ${r.conclusion}`),
    serving,
  };
  const record: EventRecord = { name, ms, load: loadavg()[0]!, runs: touched.map(runRecord), excerpt };
  year.push(record);
  mkdirSync(reportDir, { recursive: true });
  appendFileSync(join(reportDir, 'year.jsonl'), `${JSON.stringify(record)}\n`);
  console.log(`[lifecycle] ${name}: ${(ms / 1000).toFixed(1)} s; runs ${record.runs.map((r) => `${r.workflow}=${r.conclusion}`).join(', ') || 'none'}; serving ${serving ?? '—'}`);
  expect(await invariantProblems(lifecycle, memory), `invariants after "${name}"`).toEqual([]);
  return { value, runs };
}

/** Starts a fresh report. */
export function resetReport(): void {
  year.length = 0;
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, 'year.jsonl'), '');
  writeFileSync(join(reportDir, 'output.log'), '');
  rmSync(join(reportDir, 'report.md'), { force: true });
}

/** The summaries of the jobs of a run, joined. */
export function summaries(run: StoredRun): string {
  return run.jobs.map((job) => job.summary).join('\n');
}
