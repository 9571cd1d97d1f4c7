import { registryPath } from '../config/paths.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { describeError, GateRejectedError } from '../core/errors.js';
import { evaluateCandidate } from '../evaluation/evaluate-candidate.js';
import { evaluateGate } from '../evaluation/gate.js';
import { renderGateMarkdown } from '../evaluation/gate-markdown.js';
import type { GateVerdict, TestComparison } from '../evaluation/report-schema.js';
import { selectBackend } from '../model/backend.js';
import { baselineTaskOf, fitBaselines, type Baselines } from '../model/baseline/baseline.js';
import { loadModel } from '../model/model-io.js';
import { outputWidth, type PreprocessingSpec } from '../model/preprocessing.js';
import { ModelRegistry } from '../registry/registry.js';
import { BaselineSample } from './baseline-sample.js';
import { alignChampionOutputs, applyUnscorableChampionPolicy, championFeatureRecords, findChampion, openChampionScorer, type ChampionScorer } from './champion-scoring.js';
import { splitRowsFor } from './dataset-split.js';
import { recordExperiment } from './experiments.js';
import { championTrainingRows, comparableTestRows, minComparableRows, type ComparableTest } from './fair-comparison.js';
import { readCurrentRun, readCurrentTraining } from './freshness.js';
import type { StepContext } from './step-context.js';
import { GrowingArray, scoredInput, selectScored, TestScoreCollector, type ScoredTest } from './test-scores.js';

/**
 * evaluate: scores the candidate, the champion (through its own preprocessing) and the in-run
 * baselines on the same held-out rows — the test rows the champion did not train on (fair
 * comparison) — compares them pairwise and applies the gate. Writes metrics.json (the candidate on
 * every test row, with the baselines), champion-metrics.json, gate.json and gate.md; a rejection
 * is recorded as an experiment and thrown as GateRejectedError after everything is written.
 *
 * Memory stays flat as rows grow: two passes over the data (dataset-split.ts `splitRowsFor`) keep
 * no rows. The first samples the training rows the baselines are fitted on (baseline-sample.ts)
 * and marks, one byte per test row, the rows the champion trained on; the second scores every
 * model chunk by chunk, keeping typed arrays of predictions (test-scores.ts).
 */
export async function evaluateStep(ctx: StepContext): Promise<GateVerdict> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  await readCurrentTraining(ctx, run);
  const registry = await ModelRegistry.open(registryPath(loaded));
  // The champion's own feature list decides which raw columns the data passes keep.
  const found = await findChampion(registry, config);
  const trainedOn = await championTrainingRows(registry);
  const source = await splitRowsFor(ctx, run.data_sha256, { extraColumns: found.champion?.plan.raw.map((feature) => feature.name) });
  await selectBackend(config.model.backend, logger);
  const candidateModel = await loadModel(workspace.path('modelDir'));
  const spec = candidateModel.spec;
  const outputs = outputWidth(spec);
  let scorer: ChampionScorer | null = null;
  let championNote = found.note;
  let fair: ComparableTest;
  let baselines: Baselines | { problem: string };
  let scored: ScoredTest;
  try {
    // Pass 1: the baselines' training sample, and which test rows the champion trained on.
    const sample = new BaselineSample(spec, config.model.seed);
    const lines = new GrowingArray(Float64Array);
    const marks = new GrowingArray(Uint8Array);
    const first = await source.forEach((row, split) => {
      if (split === 'train') sample.add(row);
      else if (split === 'test') {
        lines.push(row.line);
        marks.push(trainedOn.kind === 'keys' && trainedOn.set.has(row.key) ? 1 : 0);
      }
    });
    fair = await comparableTestRows({ trainedOn, loaded, rowKey: first.rowKey, lines: lines.finish(), marks: marks.finish() });
    baselines = fitSampledBaselines(spec, sample);
    if (sample.seen > sample.capacity) logger.info(`Gate: the in-run baselines were fitted on a seeded sample of ${sample.capacity.toLocaleString('en-US')} of the ${sample.seen.toLocaleString('en-US')} training rows.`);
    if (found.champion && found.version) {
      const absent = championFeatureRecords(found.champion.plan, [], { file: first.file, absentColumns: first.absentColumns });
      if (fair.comparison.comparable_rows < minComparableRows) {
        championNote = `Champion ${found.version} cannot be compared: the comparison has only ${fair.comparison.note}, fewer than ${minComparableRows}.`;
      } else if (!Array.isArray(absent)) championNote = `Champion ${found.version} cannot be scored on this data: ${absent.problem}.`;
      else scorer = await openChampionScorer(found.version, found.champion, first.file);
    }
    // Pass 2: every model on every test row, chunk by chunk.
    const collector = new TestScoreCollector(config, spec, candidateModel.network, 'problem' in baselines ? null : baselines, scorer, fair.excluded);
    await source.forEach((row, split) => {
      if (split === 'test') collector.add(row);
    });
    scored = collector.finish();
    if (scorer?.problem) championNote = scorer.problem;
  } finally {
    candidateModel.network.dispose();
    scorer?.dispose();
  }
  if ('problem' in baselines) logger.warn(`Gate: ${baselines.problem}.`);
  const comparable = fair.comparison.comparable_rows >= minComparableRows;
  const excluded = comparable ? scored.excluded : null;
  const gated = selectScored(scored, excluded ? (row) => excluded[row] === 0 : null, outputs);
  const championVersion = found.version;
  const championPredictions = scored.champion && found.champion ? alignChampionOutputs(found.champion.plan, gated.champion!, outputs) : null;
  if (championNote) logger.warn(championNote);
  if (fair.comparison.basis === 'unverified') logger.warn(`Gate compared on ${fair.comparison.note}.`);
  else if (fair.comparison.excluded_rows > 0) logger.info(`Gate compared on ${fair.comparison.note}.`);
  const evaluation = evaluateCandidate({ ...scoredInput(spec, gated), gate: config.gate, candidate: gated.candidate, champion: championPredictions, baselines: gated.baselines });
  const candidate =
    gated === scored
      ? evaluation.candidate
      : evaluateCandidate({ ...scoredInput(spec, scored), gate: config.gate, candidate: scored.candidate, champion: null, baselines: scored.baselines }).candidate;
  await workspace.write('metrics', candidate);
  if (evaluation.champion) await workspace.write('championMetrics', evaluation.champion);
  const baselineNote = 'problem' in baselines ? baselines.problem : undefined;
  const gateVerdict = evaluateGate({
    gate: config.gate,
    task: config.task.type,
    candidate: evaluation.candidate,
    candidateId: run.run_id,
    champion: evaluation.champion && championVersion ? { version: championVersion, report: evaluation.champion } : null,
    championNote,
    comparisons: evaluation.comparisons,
    baselineNote,
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

/** The in-run baselines fitted on the sampled training rows, or why they could not be (the gate then skips the baseline check). */
function fitSampledBaselines(spec: PreprocessingSpec, sample: BaselineSample): Baselines | { problem: string } {
  try {
    const { x, y } = sample.finish();
    return fitBaselines(baselineTaskOf(spec), x, y, spec.input_width);
  } catch (error) {
    return { problem: `the in-run baseline could not be fitted: ${describeError(error)}` };
  }
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
