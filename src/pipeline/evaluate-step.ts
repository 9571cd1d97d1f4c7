import { registryPath } from '../config/paths.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { GateRejectedError } from '../core/errors.js';
import { evaluateGate } from '../evaluation/gate.js';
import { renderGateMarkdown } from '../evaluation/gate-markdown.js';
import type { GateVerdict } from '../evaluation/report-schema.js';
import { selectBackend } from '../model/backend.js';
import { loadModel } from '../model/model-io.js';
import { ModelRegistry } from '../registry/registry.js';
import { applyUnscorableChampionPolicy, scoreChampion, scoreTestRows } from './champion-scoring.js';
import { streamedTestRows } from './dataset-split.js';
import { recordExperiment } from './experiments.js';
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
  const test = streamedTestRows(ctx);
  await selectBackend(config.model.backend, logger);
  const candidateModel = await loadModel(workspace.path('modelDir'));
  const candidate = await scoreTestRows(config, candidateModel, test);
  candidateModel.network.dispose();
  await workspace.write('metrics', candidate);

  const registry = await ModelRegistry.open(registryPath(loaded));
  const scored = await scoreChampion(registry, config, test);
  if (scored.champion) await workspace.write('championMetrics', scored.champion.report);
  if (scored.note) logger.warn(scored.note);
  const gateVerdict = evaluateGate({ gate: config.gate, task: config.task.type, candidate, candidateId: run.run_id, champion: scored.champion, championNote: scored.note });
  const verdict = applyUnscorableChampionPolicy(gateVerdict, { note: scored.note, championVersion: scored.version }, config.gate.on_unscorable_champion);
  await workspace.write('gate', verdict);
  await writeFileAtomic(workspace.path('gateMarkdown'), renderGateMarkdown(verdict));
  if (!verdict.passed) {
    await recordExperiment(ctx, registry, { status: 'rejected', verdict, candidate, version: null, championVersion: scored.version });
    throw new GateRejectedError(verdict.summary);
  }
  logger.info(verdict.summary);
  return verdict;
}
