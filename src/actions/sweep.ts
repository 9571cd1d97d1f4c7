import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lowerIsBetter } from '../config/schema.js';
import { describeError, RegistryError } from '../core/errors.js';
import { evaluationReportSchema, gateVerdictSchema, type GateVerdict } from '../evaluation/report-schema.js';
import { RunWorkspace, runManifestSchema, workspaceFiles } from '../pipeline/workspace.js';

/**
 * A hyperparameter sweep run as a job matrix: every runner trains and evaluates one variant
 * (config-overrides) in its own work dir, uploaded as an artifact; the register job downloads
 * them all and keeps the best candidate that passed the gate, ranked by the primary metric on
 * the same test split.
 */

/** One candidate's work dir and its result. */
export interface SweepCandidate {
  /** The folder name (the artifact name): names the variant. */
  id: string;
  dir: string;
  passed: boolean;
  primaryMetric: string;
  /** The primary metric on the whole test split; null when undefined there. */
  value: number | null;
  /** The run id of the candidate's workspace (its run.json), when readable. */
  runId?: string | null;
}

/**
 * The best candidate: among those that passed the gate, the best primary metric (lowest for
 * loss-like metrics), ties broken by id so every run picks the same. Null when none passed.
 */
export function selectBestCandidate(candidates: readonly SweepCandidate[]): SweepCandidate | null {
  const ranked = candidates
    .filter((c) => c.passed && c.value !== null && Number.isFinite(c.value))
    .sort((a, b) => {
      const sign = lowerIsBetter.has(a.primaryMetric) ? 1 : -1;
      return sign * (a.value! - b.value!) || a.id.localeCompare(b.id);
    });
  return ranked[0] ?? null;
}

/** Reads every candidate work dir directly under `dir` (those holding a gate verdict). */
export async function readSweepCandidates(dir: string): Promise<SweepCandidate[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    throw new RegistryError(`Cannot read the candidates folder ${dir}: ${describeError(error)}`);
  });
  const candidates: SweepCandidate[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const workspace = new RunWorkspace(join(dir, entry.name));
    if (!(await workspace.exists('gate'))) continue;
    const verdict = await workspace.read('gate', gateVerdictSchema, 'evaluate');
    const metrics = (await workspace.exists('metrics')) ? await workspace.read('metrics', evaluationReportSchema, 'evaluate') : null;
    candidates.push({
      id: entry.name,
      dir: workspace.dir,
      passed: verdict.passed,
      primaryMetric: verdict.primary_metric,
      value: metrics?.overall.metrics[verdict.primary_metric] ?? primaryFromVerdict(verdict),
      runId: (await workspace.read('run', runManifestSchema, 'validate').catch(() => null))?.run_id ?? null,
    });
  }
  if (candidates.length === 0) throw new RegistryError(`No candidate work dirs (with ${workspaceFiles.gate}) under ${dir}.`);
  return candidates;
}

function primaryFromVerdict(verdict: GateVerdict): number | null {
  return verdict.checks.find((c) => c.scope === 'overall' && c.metric === verdict.primary_metric)?.candidate ?? null;
}
