import type { GateConfig, MlopsConfig } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import type { DatasetRow, LoadedDataset } from '../data/load-dataset.js';
import { evaluatePredictions } from '../evaluation/evaluate.js';
import type { GateChampion } from '../evaluation/gate.js';
import type { EvaluationReport, GateVerdict } from '../evaluation/report-schema.js';
import { loadModel } from '../model/model-io.js';
import { predictRows } from '../model/predict.js';
import { classIndices, encodeTargets, type PreprocessingSpec } from '../model/preprocessing.js';
import type { ModelRegistry } from '../registry/registry.js';

/**
 * Scoring for the gate: the candidate and the champion are scored on the same held-out rows; a
 * champion whose input contract the current config no longer matches cannot be scored, and
 * `gate.on_unscorable_champion` decides what that means for the verdict.
 */

/** A loaded model, as scoring needs it. */
export type LoadedModel = Awaited<ReturnType<typeof loadModel>>;

/** Targets of rows as the task's numeric form for metrics: 0/1, class index, or value. */
export function metricTargets(spec: PreprocessingSpec, rows: readonly DatasetRow[]): Float64Array {
  const targets = rows.map((row) => row.target);
  if (spec.target.type === 'binary') return Float64Array.from(encodeTargets(spec, targets));
  if (spec.target.type === 'multiclass') return Float64Array.from(classIndices(spec, targets));
  return Float64Array.from(targets, Number);
}

/**
 * The test split as scoring reads it: chunks of rows, whether held in memory or streamed from the
 * file (dataset-split.ts), so a model is scored keeping only its predictions, never the rows.
 */
export interface TestRows {
  /** Hands every test row over, in the same order each time; resolves to the key columns the rows' keys were computed over. */
  forEachChunk(onChunk: (rows: readonly DatasetRow[]) => void): Promise<LoadedDataset['rowKey']>;
}

/** Test rows held in memory, with the key columns of their dataset. */
export function testRowsOf(rows: readonly DatasetRow[], rowKey: LoadedDataset['rowKey']): TestRows {
  return {
    forEachChunk: async (onChunk) => {
      if (rows.length > 0) onChunk(rows);
      return rowKey;
    },
  };
}

/** Joins chunks of numbers into one typed array. */
function joined<T extends Float32Array | Float64Array>(chunks: readonly T[], make: (length: number) => T): T {
  const out = make(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Scores a model on the test rows: metrics overall and per slice, with bootstrap intervals. */
export async function scoreTestRows(config: MlopsConfig, model: LoadedModel, test: TestRows): Promise<EvaluationReport> {
  const spec = model.spec;
  const predictionChunks: Float32Array[] = [];
  const targetChunks: Float64Array[] = [];
  const slices: Record<string, (string | null)[]> = Object.fromEntries(config.slices.map((column) => [column, []]));
  await test.forEachChunk((rows) => {
    predictionChunks.push(predictRows(model.network, spec, rows.map((r) => r.features)));
    targetChunks.push(metricTargets(spec, rows));
    for (const column of config.slices) for (const row of rows) slices[column]!.push(row.slices[column] ?? null);
  });
  return evaluatePredictions({
    task: spec.target.type,
    yTrue: joined(targetChunks, (n) => new Float64Array(n)),
    predictions: joined(predictionChunks, (n) => new Float32Array(n)),
    classes:
      spec.target.type === 'binary'
        ? [spec.target.negative_label, spec.target.positive_label]
        : spec.target.type === 'multiclass'
          ? spec.target.classes
          : undefined,
    threshold: spec.target.type === 'binary' ? spec.target.threshold : undefined,
    slices,
    bootstrap: config.gate.bootstrap,
  });
}

/** Why a champion cannot be scored on the current data, or null when it can. */
export function championIncompatibility(championSpec: PreprocessingSpec, config: MlopsConfig): string | null {
  const current = new Map(config.features.map((f) => [f.name, f.type]));
  for (const feature of championSpec.features) {
    const type = current.get(feature.name);
    if (type === undefined) return `the champion uses feature '${feature.name}', which the current config does not have`;
    if (type !== feature.type) return `the champion uses '${feature.name}' as ${feature.type}, the current config as ${type}`;
  }
  if (championSpec.target.type !== config.task.type) return `the champion is a ${championSpec.target.type} model, the config a ${config.task.type} task`;
  if (championSpec.target.type === 'multiclass' && config.task.type === 'multiclass') {
    if (championSpec.target.classes.join('\u0000') !== config.task.classes.join('\u0000')) return 'the champion predicts a different set of classes';
  }
  if (championSpec.target.type === 'binary' && config.task.type === 'binary') {
    if (championSpec.target.positive_label !== config.task.positive_label || championSpec.target.negative_label !== config.task.negative_label) {
      return 'the champion uses different target labels';
    }
  }
  return null;
}

/** The registry's champion scored on the test rows, or why it could not be. */
export interface ScoredChampion {
  /** The champion's version, or null when the registry has none. */
  version: string | null;
  /** Its report on the same test rows; null when there is none or it could not be scored. */
  champion: GateChampion | null;
  /** Why a champion exists but was not scored. */
  note?: string;
}

/** Loads the champion and scores it on the test rows; a champion that cannot be scored gets a note, never an exception. */
export async function scoreChampion(registry: ModelRegistry, config: MlopsConfig, test: TestRows): Promise<ScoredChampion> {
  const entry = await registry.champion();
  if (!entry) return { version: null, champion: null };
  const version = entry.version;
  let model: LoadedModel;
  try {
    model = await loadModel(registry.versionDir(version));
  } catch (error) {
    return { version, champion: null, note: `Champion ${version} could not be loaded: ${describeError(error)}.` };
  }
  try {
    const incompatible = championIncompatibility(model.spec, config);
    if (incompatible) return { version, champion: null, note: `Champion ${version} cannot be scored on this data: ${incompatible}.` };
    return { version, champion: { version, report: await scoreTestRows(config, model, test) } };
  } catch (error) {
    return { version, champion: null, note: `Champion ${version} could not be scored: ${describeError(error)}.` };
  } finally {
    model.network.dispose();
  }
}

/**
 * `gate.on_unscorable_champion`: when a champion exists but could not be scored (a new input
 * contract, a model that does not load), the gate has judged the candidate on absolute bounds
 * alone. `floors_only` accepts that verdict; `fail` (the default) rejects the candidate, because
 * a regression against the model in production could not be ruled out.
 */
export function applyUnscorableChampionPolicy(
  verdict: GateVerdict,
  unscorable: { note: string | undefined; championVersion: string | null },
  policy: GateConfig['on_unscorable_champion'],
): GateVerdict {
  if (unscorable.note === undefined || policy !== 'fail') return verdict;
  return {
    ...verdict,
    passed: false,
    summary: `Rejected: ${unscorable.note} (gate.on_unscorable_champion is 'fail'; set it to 'floors_only' to accept a model with a new input contract on absolute bounds alone).`,
    champion_version: unscorable.championVersion,
  };
}
