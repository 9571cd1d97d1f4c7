import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lowerIsBetter } from '../config/schema.js';
import { describeError, RegistryError } from '../core/errors.js';
import { evaluationReportSchema, gateVerdictSchema, type GateVerdict } from '../evaluation/report-schema.js';
import { GateRejectedError } from '../core/errors.js';
import { registryPath } from '../config/paths.js';
import { ModelRegistry } from '../registry/registry.js';
import { evaluateStep } from './evaluate-step.js';
import { recordExperiment, recordFailedRun } from './experiments.js';
import type { StepContext } from './step-context.js';
import { trainStep } from './train-step.js';
import { validateStep } from './validate-step.js';
import { RunWorkspace, runManifestSchema, workspaceFiles, type SweepMembership } from './workspace.js';

/**
 * A hyperparameter sweep: every candidate of `sweep.candidates` (config overrides of model.*
 * keys) is validated, trained and evaluated in its own work dir — by a worker process of
 * `mlops sweep` on this machine, or by one runner of the retrain workflow's job matrix, whose
 * work dirs come back as artifacts; the best candidate that passed the gate, ranked by the
 * primary metric on the same test split, is registered.
 */

/**
 * One candidate, start to verdict, in its own workspace: validate (with its overrides), train,
 * evaluate. A gate rejection is a result, not an error (it is recorded as an experiment by
 * evaluate); any other failure is recorded as a failed run and thrown.
 */
export async function runSweepCandidate(ctx: StepContext, membership: SweepMembership): Promise<{ passed: boolean; summary: string }> {
  await ctx.workspace.ensure();
  await ctx.workspace.write('sweep', membership);
  try {
    await validateStep(ctx);
    await trainStep(ctx);
    const verdict = await evaluateStep(ctx);
    return { passed: verdict.passed, summary: verdict.summary };
  } catch (error) {
    if (error instanceof GateRejectedError) return { passed: false, summary: error.message };
    await recordFailedRun(ctx, error);
    throw error;
  }
}

/** Records a candidate that passed the gate but was not registered, because another ranked higher. */
export async function recordNotSelected(ctx: StepContext, chosen: SweepCandidate): Promise<void> {
  const verdict = await ctx.workspace.read('gate', gateVerdictSchema, 'evaluate');
  const candidate = await ctx.workspace.read('metrics', evaluationReportSchema, 'evaluate');
  const registry = await ModelRegistry.open(registryPath(ctx.loaded));
  await recordExperiment(ctx, registry, {
    status: 'passed',
    verdict: { ...verdict, summary: `${verdict.summary}; not registered: candidate ${chosen.id} ranked higher (${chosen.primaryMetric} ${chosen.value})` },
    candidate,
    version: null,
    championVersion: verdict.champion_version ?? null,
  });
}

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
