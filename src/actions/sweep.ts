import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lowerIsBetter } from '../config/schema.js';
import { describeError, RegistryError } from '../core/errors.js';
import { evaluationReportSchema, gateVerdictSchema, type GateVerdict } from '../evaluation/report-schema.js';
import { workspaceFiles } from '../pipeline/workspace.js';

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
    const candidateDir = join(dir, entry.name);
    const gateText = await readFile(join(candidateDir, workspaceFiles.gate), 'utf8').catch(() => null);
    if (gateText === null) continue;
    const verdict = parseOr(gateVerdictSchema, gateText, `${candidateDir}/${workspaceFiles.gate}`);
    const metricsText = await readFile(join(candidateDir, workspaceFiles.metrics), 'utf8').catch(() => null);
    const metrics = metricsText === null ? null : parseOr(evaluationReportSchema, metricsText, `${candidateDir}/${workspaceFiles.metrics}`);
    candidates.push({
      id: entry.name,
      dir: candidateDir,
      passed: verdict.passed,
      primaryMetric: verdict.primary_metric,
      value: metrics?.overall.metrics[verdict.primary_metric] ?? primaryFromVerdict(verdict),
    });
  }
  if (candidates.length === 0) throw new RegistryError(`No candidate work dirs (with ${workspaceFiles.gate}) under ${dir}.`);
  return candidates;
}

function primaryFromVerdict(verdict: GateVerdict): number | null {
  return verdict.checks.find((c) => c.scope === 'overall' && c.metric === verdict.primary_metric)?.candidate ?? null;
}

function parseOr<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, text: string, path: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RegistryError(`${path} is not valid JSON.`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new RegistryError(`${path} does not have the expected shape.`);
  return parsed.data;
}
