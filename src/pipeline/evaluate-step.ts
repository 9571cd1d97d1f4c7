import { registryPath } from '../config/paths.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { GateRejectedError } from '../core/errors.js';
import type { DatasetRow } from '../data/load-dataset.js';
import { evaluateCandidate } from '../evaluation/evaluate-candidate.js';
import { evaluateGate } from '../evaluation/gate.js';
import { renderGateMarkdown } from '../evaluation/gate-markdown.js';
import type { GateVerdict, TestComparison } from '../evaluation/report-schema.js';
import { selectBackend } from '../model/backend.js';
import { loadModel } from '../model/model-io.js';
import { predictRows } from '../model/predict.js';
import { outputWidth, type PreprocessingSpec } from '../model/preprocessing.js';
import type { MlopsConfig } from '../config/schema.js';
import { ModelRegistry } from '../registry/registry.js';
import { applyUnscorableChampionPolicy, findChampion, scoreChampion } from './champion-scoring.js';
import { loadSplitDataset } from './dataset-split.js';
import { recordExperiment } from './experiments.js';
import { comparableTestRows, minComparableRows } from './fair-comparison.js';
import { readCurrentRun, readCurrentTraining } from './freshness.js';
import type { StepContext } from './step-context.js';
import { fitInRunBaselines, testRowsInput } from './test-rows.js';

/**
 * evaluate: scores the candidate, the champion (through its own preprocessing) and the in-run
 * baselines on the same held-out rows — the test rows the champion did not train on (fair
 * comparison) — compares them pairwise and applies the gate. Writes metrics.json (the candidate on
 * every test row, with the baselines), champion-metrics.json, gate.json and gate.md; a rejection
 * is recorded as an experiment and thrown as GateRejectedError after everything is written.
 */
export async function evaluateStep(ctx: StepContext): Promise<GateVerdict> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  await readCurrentTraining(ctx, run);
  const registry = await ModelRegistry.open(registryPath(loaded));
  // The champion's own feature list decides which raw columns the data pass keeps.
  const found = await findChampion(registry, config);
  const { dataset, split } = await loadSplitDataset(ctx, { extraColumns: found.champion?.plan.raw.map((feature) => feature.name) });
  const test = split.test.map((i) => dataset.rows[i]!);
  const train = split.train.map((i) => dataset.rows[i]!);
  await selectBackend(config.model.backend, logger);
  // Fair comparison: both models are gated only on test rows the champion did not train on.
  const fair = await comparableTestRows({ registry, loaded, dataset, test });
  const comparable = fair.rows.length >= minComparableRows;
  const gated = comparable && fair.comparison.excluded_rows > 0 ? fair.rows : test;
  const candidateModel = await loadModel(workspace.path('modelDir'));
  const spec = candidateModel.spec;
  let candidateOn: (rows: readonly DatasetRow[]) => Float32Array;
  let gatedPredictions: Float32Array;
  let testPredictions: Float32Array;
  try {
    candidateOn = (rows) => predictRows(candidateModel.network, spec, rows.map((row) => row.features));
    testPredictions = candidateOn(test);
    gatedPredictions = gated === test ? testPredictions : candidateOn(gated);
  } finally {
    candidateModel.network.dispose();
  }
  const baselines = fitInRunBaselines(spec, train, gated);
  if (!Array.isArray(baselines)) logger.warn(`Gate: ${baselines.problem}.`);

  const championVersion = found.version;
  let championNote = found.note;
  let championPredictions: Float64Array | null = null;
  if (found.champion && championVersion) {
    if (!comparable) championNote = `Champion ${championVersion} cannot be compared: the comparison has only ${fair.comparison.note}, fewer than ${minComparableRows}.`;
    else {
      const scored = await scoreChampion(championVersion, found.champion, gated, dataset, outputWidth(spec));
      championPredictions = scored.predictions;
      championNote = scored.note;
    }
  }
  if (championNote) logger.warn(championNote);
  if (fair.comparison.basis === 'unverified') logger.warn(`Gate compared on ${fair.comparison.note}.`);
  else if (fair.comparison.excluded_rows > 0) logger.info(`Gate compared on ${fair.comparison.note}.`);
  const evaluation = evaluateCandidate({
    ...testRowsInput(config, spec, gated),
    gate: config.gate,
    candidate: gatedPredictions,
    champion: championPredictions,
    baselines: Array.isArray(baselines) ? baselines : [],
  });
  const candidate = gated === test ? evaluation.candidate : candidateOnAllTestRows(config, spec, train, test, testPredictions);
  await workspace.write('metrics', candidate);
  if (evaluation.champion) await workspace.write('championMetrics', evaluation.champion);
  const gateVerdict = evaluateGate({
    gate: config.gate,
    task: config.task.type,
    candidate: evaluation.candidate,
    candidateId: run.run_id,
    champion: evaluation.champion && championVersion ? { version: championVersion, report: evaluation.champion } : null,
    championNote,
    comparisons: evaluation.comparisons,
    baselineNote: Array.isArray(baselines) ? undefined : baselines.problem,
  });
  const verdict = withComparison(applyUnscorableChampionPolicy(gateVerdict, { note: championNote, championVersion }, config.gate.on_unscorable_champion), fair.comparison);
  await workspace.write('gate', verdict);
  await writeFileAtomic(workspace.path('gateMarkdown'), renderGateMarkdown(verdict));
  if (!verdict.passed) {
    await recordExperiment(ctx, registry, { status: 'rejected', verdict, candidate, version: null, championVersion });
    throw new GateRejectedError(verdict.summary);
  }
  logger.info(verdict.summary);
  return verdict;
}

/** metrics.json when the gate compared on fewer rows: the candidate and its baselines on every test row. */
function candidateOnAllTestRows(config: MlopsConfig, spec: PreprocessingSpec, train: readonly DatasetRow[], test: readonly DatasetRow[], predictions: Float32Array) {
  const baselines = fitInRunBaselines(spec, train, test);
  return evaluateCandidate({ ...testRowsInput(config, spec, test), gate: config.gate, candidate: predictions, champion: null, baselines: Array.isArray(baselines) ? baselines : [] }).candidate;
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
