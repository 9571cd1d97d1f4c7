import { registryPath } from '../config/paths.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { GateRejectedError } from '../core/errors.js';
import { evaluateCandidate } from '../evaluation/evaluate-candidate.js';
import { evaluateGate } from '../evaluation/gate.js';
import { renderGateMarkdown } from '../evaluation/gate-markdown.js';
import type { GateVerdict } from '../evaluation/report-schema.js';
import { selectBackend } from '../model/backend.js';
import { loadModel } from '../model/model-io.js';
import { predictRows } from '../model/predict.js';
import { outputWidth } from '../model/preprocessing.js';
import { ModelRegistry } from '../registry/registry.js';
import { applyUnscorableChampionPolicy, findChampion, scoreChampion } from './champion-scoring.js';
import { loadSplitDataset } from './dataset-split.js';
import { recordExperiment } from './experiments.js';
import { readCurrentRun, readCurrentTraining } from './freshness.js';
import type { StepContext } from './step-context.js';
import { fitInRunBaselines, testRowsInput } from './test-rows.js';

/**
 * evaluate: scores the candidate, the champion (through its own preprocessing) and the in-run
 * baselines on the same held-out rows, compares them pairwise and applies the gate. Writes
 * metrics.json (the candidate, with the baselines), champion-metrics.json, gate.json and gate.md;
 * a rejection is recorded as an experiment and thrown as GateRejectedError after everything is written.
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
  await selectBackend(config.model.backend, logger);
  const candidateModel = await loadModel(workspace.path('modelDir'));
  const spec = candidateModel.spec;
  let candidatePredictions: Float32Array;
  try {
    candidatePredictions = predictRows(candidateModel.network, spec, test.map((row) => row.features));
  } finally {
    candidateModel.network.dispose();
  }
  const baselines = fitInRunBaselines(spec, split.train.map((i) => dataset.rows[i]!), test);
  if (!Array.isArray(baselines)) logger.warn(`Gate: ${baselines.problem}.`);

  const scored = found.champion && found.version ? await scoreChampion(found.version, found.champion, test, dataset, outputWidth(spec)) : null;
  const championNote = found.note ?? scored?.note;
  if (championNote) logger.warn(championNote);
  const evaluation = evaluateCandidate({
    ...testRowsInput(config, spec, test),
    gate: config.gate,
    candidate: candidatePredictions,
    champion: scored?.predictions ?? null,
    baselines: Array.isArray(baselines) ? baselines : [],
  });
  await workspace.write('metrics', evaluation.candidate);
  if (evaluation.champion) await workspace.write('championMetrics', evaluation.champion);
  const gateVerdict = evaluateGate({
    gate: config.gate,
    task: config.task.type,
    candidate: evaluation.candidate,
    candidateId: run.run_id,
    champion: evaluation.champion && found.version ? { version: found.version, report: evaluation.champion } : null,
    championNote,
    comparisons: evaluation.comparisons,
    baselineNote: Array.isArray(baselines) ? undefined : baselines.problem,
  });
  const verdict = applyUnscorableChampionPolicy(gateVerdict, { note: championNote, championVersion: found.version }, config.gate.on_unscorable_champion);
  await workspace.write('gate', verdict);
  await writeFileAtomic(workspace.path('gateMarkdown'), renderGateMarkdown(verdict));
  if (!verdict.passed) {
    await recordExperiment(ctx, registry, { status: 'rejected', verdict, candidate: evaluation.candidate, version: null, championVersion: found.version });
    throw new GateRejectedError(verdict.summary);
  }
  logger.info(verdict.summary);
  return verdict;
}
