import { registryPath } from '../config/paths.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { GateRejectedError } from '../core/errors.js';
import { evaluateGate } from '../evaluation/gate.js';
import { renderGateMarkdown } from '../evaluation/gate-markdown.js';
import type { GateVerdict, TestComparison } from '../evaluation/report-schema.js';
import { selectBackend } from '../model/backend.js';
import { loadModel } from '../model/model-io.js';
import { ModelRegistry } from '../registry/registry.js';
import { applyUnscorableChampionPolicy, scoreChampion, scoreTestRows, type ScoredChampion } from './champion-scoring.js';
import { testRowsFor } from './dataset-split.js';
import { recordExperiment } from './experiments.js';
import { comparableTestRows, minComparableRows } from './fair-comparison.js';
import { readCurrentRun, readCurrentTraining } from './freshness.js';
import type { StepContext } from './step-context.js';

/**
 * evaluate: scores the candidate and the champion on the same held-out rows and applies the
 * gate. Writes metrics.json, gate.json and gate.md; a rejection is recorded as an experiment and
 * thrown as GateRejectedError after everything is written.
 */
export async function evaluateStep(ctx: StepContext): Promise<GateVerdict> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  await readCurrentTraining(ctx, run);
  const test = await testRowsFor(ctx, run.data_sha256);
  await selectBackend(config.model.backend, logger);
  const registry = await ModelRegistry.open(registryPath(loaded));
  const candidateModel = await loadModel(workspace.path('modelDir'));
  const candidate = await scoreTestRows(config, candidateModel, test);
  // Fair comparison: both models are gated only on test rows the champion did not train on.
  const fair = await comparableTestRows({ registry, loaded, test, testRows: candidate.overall.rows });
  const enough = fair.comparison.comparable_rows >= minComparableRows;
  const compared = fair.comparison.excluded_rows > 0 && enough ? await scoreTestRows(config, candidateModel, fair.rows) : candidate;
  candidateModel.network.dispose();
  await workspace.write('metrics', candidate);

  const scored = enough ? await scoreChampion(registry, config, fair.rows) : await tooFewComparableRows(registry, fair.comparison.note);
  if (scored.champion) await workspace.write('championMetrics', scored.champion.report);
  if (scored.note) logger.warn(scored.note);
  if (fair.comparison.basis === 'unverified') logger.warn(`Gate compared on ${fair.comparison.note}.`);
  else if (fair.comparison.excluded_rows > 0) logger.info(`Gate compared on ${fair.comparison.note}.`);
  const gateVerdict = evaluateGate({ gate: config.gate, task: config.task.type, candidate: compared, candidateId: run.run_id, champion: scored.champion, championNote: scored.note });
  const verdict = withComparison(
    applyUnscorableChampionPolicy(gateVerdict, { note: scored.note, championVersion: scored.version }, config.gate.on_unscorable_champion),
    fair.comparison,
  );
  await workspace.write('gate', verdict);
  await writeFileAtomic(workspace.path('gateMarkdown'), renderGateMarkdown(verdict));
  if (!verdict.passed) {
    await recordExperiment(ctx, registry, { status: 'rejected', verdict, candidate, version: null, championVersion: scored.version });
    throw new GateRejectedError(verdict.summary);
  }
  logger.info(verdict.summary);
  return verdict;
}

/** A champion that cannot be compared: too few test rows are rows it did not train on. */
async function tooFewComparableRows(registry: ModelRegistry, note: string): Promise<ScoredChampion> {
  const version = (await registry.champion())?.version ?? null;
  return { version, champion: null, note: `Champion ${version} cannot be compared: the comparison has only ${note}, fewer than ${minComparableRows}.` };
}

/** The verdict with the rows it compared on; the summary says so when rows were left out. */
function withComparison(verdict: GateVerdict, comparison: TestComparison): GateVerdict {
  const count = (n: number) => n.toLocaleString('en-US');
  const summary =
    comparison.excluded_rows > 0
      ? `${verdict.summary} (compared on ${count(comparison.comparable_rows)} of ${count(comparison.test_rows)} test rows: ${count(comparison.excluded_rows)} were the champion's training rows)`
      : verdict.summary;
  return { ...verdict, summary, comparison };
}
