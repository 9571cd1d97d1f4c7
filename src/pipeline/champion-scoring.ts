import type { GateConfig, MlopsConfig } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import type { DatasetRow } from '../data/load-dataset.js';
import { listNames, parseNumber } from '../data/row-schema.js';
import type { GateVerdict } from '../evaluation/report-schema.js';
import { loadModel, readPreprocessingSpec } from '../model/model-io.js';
import { predictRows } from '../model/predict.js';
import type { FeatureRecord, FeatureValue, PreprocessingSpec } from '../model/preprocessing.js';
import type { ModelRegistry } from '../registry/registry.js';

/**
 * Scoring the champion for the gate, as TFMA scores each model through its own signature: the
 * champion reads the raw test rows through its OWN preprocessing and feature list, so a candidate
 * that drops, adds or retypes a feature is compared like any other. A champion "cannot be scored"
 * only when the data lacks a column it needs (named), or when it predicts another target or task;
 * `gate.on_unscorable_champion` then decides what that means for the verdict.
 */

/** How the champion reads the test rows and how its outputs map onto the config's task. */
export interface ChampionPlan {
  /** Features the config parses exactly as the champion does: read from `row.features`. */
  shared: string[];
  /** Features the config does not have (or types differently): parsed from the raw cells with the champion's type. */
  raw: { name: string; type: 'numeric' | 'categorical' }[];
  /**
   * `same`: outputs are in the config's representation; `swap`: a binary champion whose labels are
   * the other way round (its P(positive) is the config's P(negative)); `reorder`: multiclass
   * probability columns in another order (`columns[c]` is the champion's column of config class c).
   */
  output: { kind: 'same' } | { kind: 'swap' } | { kind: 'reorder'; columns: number[] };
}

/**
 * How the champion can be scored on data read with `config`, or why it cannot (another task,
 * other labels or classes, another target column). Missing data columns are found when the data
 * is read (see {@link championFeatureRecords}).
 */
export function planChampionScoring(spec: PreprocessingSpec, config: MlopsConfig, championTarget: string | null): ChampionPlan | { problem: string } {
  if (championTarget !== null && championTarget !== config.data.target) {
    return { problem: `the champion predicts column '${championTarget}', the config '${config.data.target}'` };
  }
  const target = spec.target;
  const task = config.task;
  let output: ChampionPlan['output'] = { kind: 'same' };
  if (target.type !== task.type) return { problem: `the champion is a ${target.type} model, the config a ${task.type} task` };
  if (target.type === 'binary' && task.type === 'binary') {
    const same = target.positive_label === task.positive_label && target.negative_label === task.negative_label;
    const swapped = target.positive_label === task.negative_label && target.negative_label === task.positive_label;
    if (!same && !swapped) {
      return { problem: `the champion predicts '${target.positive_label}' against '${target.negative_label}', the config '${task.positive_label}' against '${task.negative_label}'` };
    }
    if (swapped) output = { kind: 'swap' };
  }
  if (target.type === 'multiclass' && task.type === 'multiclass') {
    const columns = task.classes.map((c) => target.classes.indexOf(c));
    if (columns.includes(-1) || target.classes.length !== task.classes.length) {
      return { problem: `the champion predicts the classes ${listNames(target.classes)}, the config ${listNames(task.classes)}` };
    }
    if (columns.some((column, c) => column !== c)) output = { kind: 'reorder', columns };
  }
  const current = new Map(config.features.map((f) => [f.name, f.type]));
  const shared: string[] = [];
  const raw: ChampionPlan['raw'] = [];
  for (const feature of spec.features) {
    if (current.get(feature.name) === feature.type) shared.push(feature.name);
    else if (feature.type === 'datetime') return { problem: `the champion reads '${feature.name}' as a date, which the config does not` };
    else raw.push({ name: feature.name, type: feature.type });
  }
  return { shared, raw, output };
}

/**
 * The champion's input records for the rows: shared features as the config parsed them, the others
 * parsed from each row's raw cells (`row.extra`) with the champion's type. Returns the problem
 * instead when a column is not in the data (naming it and the file) or a cell cannot be read as
 * the champion reads it (naming the line).
 */
export function championFeatureRecords(plan: ChampionPlan, rows: readonly DatasetRow[], data: { file: string; absentColumns: readonly string[] }): FeatureRecord[] | { problem: string } {
  const absent = plan.raw.filter((feature) => data.absentColumns.includes(feature.name)).map((feature) => feature.name);
  if (absent.length > 0) {
    return { problem: `it needs the column${absent.length === 1 ? '' : 's'} ${listNames(absent)}, which ${data.file} does not have` };
  }
  const records: FeatureRecord[] = [];
  for (const row of rows) {
    if (plan.raw.length === 0) {
      records.push(row.features);
      continue;
    }
    const record: Record<string, FeatureValue> = {};
    for (const name of plan.shared) record[name] = row.features[name] ?? null;
    for (const { name, type } of plan.raw) {
      const cell = row.extra?.[name];
      if (cell === undefined) return { problem: `the column '${name}' was not read from ${data.file}` };
      if (cell === null || type === 'categorical') {
        record[name] = cell;
        continue;
      }
      const value = parseNumber(cell);
      if (typeof value !== 'number') return { problem: `line ${row.line}, column '${name}' holds ${JSON.stringify(cell)}, which the champion reads as a number` };
      record[name] = value;
    }
    records.push(record);
  }
  return records;
}

/** The champion's predictions in the config's representation (see `ChampionPlan.output`). */
export function alignChampionOutputs(plan: ChampionPlan, predictions: Float32Array, classCount: number): Float64Array {
  const { output } = plan;
  if (output.kind === 'same') return Float64Array.from(predictions);
  if (output.kind === 'swap') return Float64Array.from(predictions, (p) => 1 - p);
  const rows = predictions.length / classCount;
  const aligned = new Float64Array(predictions.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < classCount; c++) aligned[r * classCount + c] = predictions[r * classCount + output.columns[c]!]!;
  }
  return aligned;
}

/** The registry's champion, ready to be scored, or why it cannot be. */
export interface ChampionLookup {
  /** The champion's version; null when the registry has none. */
  version: string | null;
  /** Where its model is and how to score it; null when there is none or it cannot be scored. */
  champion: { dir: string; plan: ChampionPlan } | null;
  /** Why a champion exists but cannot be scored. */
  note?: string;
}

/**
 * Finds the champion and plans its scoring from its preprocessing.json and lineage, without
 * loading its network: the evaluate step then reads the data once with the raw columns it needs.
 */
export async function findChampion(registry: ModelRegistry, config: MlopsConfig): Promise<ChampionLookup> {
  const entry = await registry.champion();
  if (!entry) return { version: null, champion: null };
  const version = entry.version;
  const dir = registry.versionDir(version);
  let spec: PreprocessingSpec;
  let target: string | null;
  try {
    spec = await readPreprocessingSpec(dir);
    target = championTargetColumn((await registry.lineage(version)).config.content);
  } catch (error) {
    return { version, champion: null, note: `Champion ${version} could not be loaded: ${describeError(error)}.` };
  }
  const plan = planChampionScoring(spec, config, target);
  if ('problem' in plan) return { version, champion: null, note: `Champion ${version} cannot be scored on this data: ${plan.problem}.` };
  return { version, champion: { dir, plan } };
}

/** The target column recorded in a lineage's config content, or null when it is not readable. */
function championTargetColumn(content: Record<string, unknown>): string | null {
  const data = content['data'];
  if (typeof data !== 'object' || data === null) return null;
  const target = (data as Record<string, unknown>)['target'];
  return typeof target === 'string' ? target : null;
}

/** The champion loaded for scoring chunk after chunk of test rows (see {@link openChampionScorer}). */
export interface ChampionScorer {
  /** Its raw outputs (Float32, its own representation) for the rows; null once it cannot be scored (see `problem`). */
  score(rows: readonly DatasetRow[]): Float32Array | null;
  /** Why it could not be scored, naming the column or line; undefined while it can. */
  readonly problem: string | undefined;
  /** Frees the network. */
  dispose(): void;
}

/**
 * Loads the champion to score test rows through its own preprocessing, chunk by chunk, so the rows
 * are never held together. Never throws for a champion that cannot be scored: `problem` says why
 * (a note for the verdict, as in {@link scoreChampion}).
 */
export async function openChampionScorer(version: string, champion: { dir: string; plan: ChampionPlan }, file: string): Promise<ChampionScorer> {
  let model: Awaited<ReturnType<typeof loadModel>> | null = null;
  let problem: string | undefined;
  try {
    model = await loadModel(champion.dir);
  } catch (error) {
    problem = `Champion ${version} could not be loaded: ${describeError(error)}.`;
  }
  return {
    get problem() {
      return problem;
    },
    score(rows) {
      if (problem !== undefined || model === null) return null;
      const records = championFeatureRecords(champion.plan, rows, { file, absentColumns: [] });
      if (!Array.isArray(records)) {
        problem = `Champion ${version} cannot be scored on this data: ${records.problem}.`;
        return null;
      }
      try {
        return predictRows(model.network, model.spec, records);
      } catch (error) {
        problem = `Champion ${version} could not be scored: ${describeError(error)}.`;
        return null;
      }
    },
    dispose() {
      model?.network.dispose();
      model = null;
    },
  };
}

/**
 * Scores the champion on test rows held in memory through its own preprocessing. Never throws for
 * a champion that cannot be scored: the note says why, naming the column or line.
 */
export async function scoreChampion(
  version: string,
  champion: { dir: string; plan: ChampionPlan },
  test: readonly DatasetRow[],
  data: { file: string; absentColumns: readonly string[] },
  classCount: number,
): Promise<{ predictions: Float64Array; note?: undefined } | { predictions: null; note: string }> {
  const absent = championFeatureRecords(champion.plan, [], data);
  if (!Array.isArray(absent)) return { predictions: null, note: `Champion ${version} cannot be scored on this data: ${absent.problem}.` };
  const scorer = await openChampionScorer(version, champion, data.file);
  try {
    const predictions = scorer.score(test);
    return predictions ? { predictions: alignChampionOutputs(champion.plan, predictions, classCount) } : { predictions: null, note: scorer.problem! };
  } finally {
    scorer.dispose();
  }
}

/**
 * `gate.on_unscorable_champion`: when a champion exists but could not be scored (a column it needs
 * is gone, another target, a model that does not load), the gate has judged the candidate on
 * absolute bounds and the baseline alone. `floors_only` accepts that verdict; `fail` (the default)
 * rejects the candidate, because a regression against the model in production could not be ruled out.
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
    summary: `Rejected: ${unscorable.note} (gate.on_unscorable_champion is 'fail'; set it to 'floors_only' to accept the candidate on absolute bounds and the baseline alone).`,
    champion_version: unscorable.championVersion,
  };
}
