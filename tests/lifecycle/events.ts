import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { StoredRun } from '../../src/gha/state/schema.js';
import { repoRoot } from '../helpers/project.js';
import type { Lifecycle } from './harness.js';
import { invariantProblems, type Memory } from './invariants.js';

/**
 * One event of the year: what the maintainer (or GitHub) does, how long it took, which runs it
 * started and how they ended, and the state afterwards, written to `.mlops/lifecycle/` (the
 * report the closing note quotes) and checked against the invariants.
 */

export const reportDir = join(repoRoot, '.mlops', 'lifecycle');

export interface EventRecord {
  name: string;
  ms: number;
  runs: { id: number; workflow: string; event: string; conclusion: string | null; attempt: number; jobs: Record<string, string> }[];
  excerpt: Record<string, unknown>;
}

export const year: EventRecord[] = [];

/** Runs `act` as event `name`, then checks the invariants and records the state. */
export async function event<T>(lifecycle: Lifecycle, memory: Memory, name: string, act: () => Promise<T>): Promise<{ value: T; runs: StoredRun[] }> {
  const before = (await lifecycle.state()).runs.length;
  const started = Date.now();
  const value = await act();
  const ms = Date.now() - started;
  if (typeof value === 'string') appendFileSync(join(reportDir, 'output.log'), `== ${name}\n${value}\n`);
  const runs = await lifecycle.runsSince(before);
  const summary = await lifecycle.summary();
  const serving = await lifecycle.servingVersion();
  const excerpt = {
    branches: summary.branches,
    tags: summary.tags.map((t: { name: string; commit: string }) => `${t.name}@${t.commit.slice(0, 12)}`),
    releases: summary.releases.map((r: { tag: string; latest: boolean; draft: boolean; assets: string[] }) => `${r.tag}${r.latest ? ' (latest)' : ''}${r.draft ? ' (draft)' : ''} ${r.assets.length} assets`),
    deployments: summary.deployments.filter((d: { automatic: boolean }) => !d.automatic).map((d: { environment: string; ref: string; statuses: string[] }) => `${d.environment} ${d.ref}: ${d.statuses.join(' → ')}`),
    images: summary.images,
    comments: summary.comments.map((c: { issue: number; author: string; body: string }) => `#${c.issue} ${c.author}: ${c.body.split('\n')[1]?.slice(0, 60) ?? ''}`),
    pages: summary.pages.length,
    serving,
  };
  const record: EventRecord = {
    name,
    ms,
    runs: runs.map((r) => ({ id: r.id, workflow: r.workflow, event: r.event, conclusion: r.conclusion, attempt: r.run_attempt, jobs: Object.fromEntries(r.jobs.map((j) => [j.name, `${j.conclusion}${j.attempt > 1 ? ` (attempt ${j.attempt})` : ''}`])) })),
    excerpt,
  };
  year.push(record);
  mkdirSync(reportDir, { recursive: true });
  appendFileSync(join(reportDir, 'year.jsonl'), `${JSON.stringify(record)}\n`);
  console.log(`[lifecycle] ${name}: ${(ms / 1000).toFixed(1)} s; runs ${record.runs.map((r) => `${r.workflow.split('/').pop()}=${r.conclusion}`).join(', ') || 'none'}; serving ${serving ?? '—'}`);
  expect(await invariantProblems(lifecycle, memory), `invariants after "${name}"`).toEqual([]);
  return { value, runs };
}

/** Starts a fresh report. */
export function resetReport(): void {
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, 'year.jsonl'), '');
  writeFileSync(join(reportDir, 'output.log'), '');
}

/** The summaries of the jobs of a run, joined. */
export function summaries(run: StoredRun): string {
  return run.jobs.map((job) => job.summary).join('\n');
}


