import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { MlopsConfig } from '../config/schema.js';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic-fs.js';
import type { DataProfile } from '../data/profile-schema.js';
import { columnFormat, formatNumber } from '../core/number-format.js';
import type { EvaluationReport, GateVerdict, GroupMetrics } from '../evaluation/report-schema.js';
import type { Lineage, LineageFeature } from '../registry/lineage-schema.js';
import { parseVersion } from '../registry/semver.js';
import { versionChange } from '../registry/version-bump.js';
import { describeSplitRule, describeTrainingKeys } from './split-text.js';
import modelCardJsonSchema from './model-card.schema.v0.0.2.json' with { type: 'json' };

/**
 * Model cards in the Model Card Toolkit v0.0.2 format (`model-card.schema.v0.0.2.json`). The
 * schema has no lineage fields, so lineage goes into its free-text fields: the dataset sha256 and
 * split sizes into `model_parameters.data[].description`, commit, config hash, hyperparameters and
 * the training run into `model_details.documentation`, the change from the parent into
 * `model_details.version.diff`. Metric values and interval bounds are strings in this schema.
 */

/** The schema version the cards are written against. */
export const modelCardSchemaVersion = '0.0.2';

/** A key/value pair (`keyval` in the schema). */
export interface CardKeyValue {
  key: string;
  value: string;
}

/** One dataset entry; `link` must be a URI, so a repository path goes into the description. */
export interface CardDataset {
  name: string;
  link?: string;
  description?: string;
}

/** One reported metric: on the whole test split, or on a slice named `column=value`. */
export interface CardPerformanceMetric {
  type: string;
  value: string;
  slice?: string;
  confidence_interval?: { lower_bound: string; upper_bound: string };
}

/** The subset of the Model Card Toolkit v0.0.2 schema these cards fill. */
export interface ModelCard {
  schema_version: string;
  model_details: {
    name: string;
    overview: string;
    documentation: string;
    version: { name: string; date: string; diff: string };
    references?: { reference: string }[];
    owners?: { name: string; contact?: string }[];
    licenses?: ({ identifier: string } | { custom_text: string })[];
  };
  model_parameters: {
    model_architecture: string;
    data: CardDataset[];
    input_format: string;
    input_format_map: CardKeyValue[];
    output_format: string;
  };
  quantitative_analysis: {
    performance_metrics: CardPerformanceMetric[];
  };
  considerations: {
    limitations: { description: string }[];
    use_cases?: { description: string }[];
  };
}

/** Everything a card is built from. */
export interface ModelCardInput {
  lineage: Lineage;
  evaluation: EvaluationReport;
  gate: GateVerdict;
  profile: DataProfile;
  config: MlopsConfig;
  /** The registered version, `MAJOR.MINOR.PATCH`. */
  version: string;
  /** The version this one was compared with, to describe the change in `version.diff`. */
  parent?: { version: string; lineage: Lineage } | null;
}

/** Builds a card valid against the MCT v0.0.2 schema (check with `validateModelCard`). */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const { lineage, evaluation, gate, profile, config, version } = input;
  const card: ModelCard = {
    schema_version: modelCardSchemaVersion,
    model_details: {
      name: lineage.model_name,
      overview: describeOverview(config, lineage),
      documentation: describeTraining(lineage, evaluation),
      version: { name: version, date: lineage.created_at.slice(0, 10), diff: describeDiff(input.parent ?? null, lineage) },
    },
    model_parameters: {
      model_architecture: describeArchitecture(lineage),
      data: describeData(lineage, profile),
      input_format: `One JSON object per instance with ${lineage.features.length} named fields: ${lineage.features
        .map((f) => f.name)
        .join(', ')}.`,
      input_format_map: lineage.features.map((feature) => ({ key: feature.name, value: describeFeature(feature) })),
      output_format: describeOutput(lineage),
    },
    quantitative_analysis: { performance_metrics: performanceMetrics(evaluation) },
    considerations: { limitations: describeLimitations(lineage, evaluation, gate, config) },
  };
  if (lineage.run_url !== null) card.model_details.references = [{ reference: lineage.run_url }];
  if (config.description.trim() !== '') card.considerations.use_cases = [{ description: config.description.trim() }];
  return card;
}

let compiled: ValidateFunction | undefined;

/** Validates a card against the MCT v0.0.2 JSON schema (ajv, compiled once). */
export function validateModelCard(card: unknown): { valid: boolean; errors: string[] } {
  compiled ??= compileCardSchema();
  const valid = compiled(card);
  return { valid, errors: valid ? [] : (compiled.errors ?? []).map(formatAjvError) };
}

/**
 * Writes `<dir>/<version>.json` and `<dir>/<version>.md` atomically: the repository's
 * `model-cards/` folder, committed by the retrain workflow. The card is validated again (it may
 * have been read back from a registry folder); an invalid one is refused before anything is written.
 */
export async function writeModelCardFiles(
  dir: string,
  version: string,
  card: ModelCard | Record<string, unknown>,
  markdown: string,
): Promise<{ json: string; markdown: string }> {
  parseVersion(version); // the version names files: never a path
  const validation = validateModelCard(card);
  if (!validation.valid) {
    throw new Error(`Refusing to write model card ${version}: it does not match the MCT v0.0.2 schema: ${validation.errors.join('; ')}`);
  }
  const jsonPath = join(dir, `${version}.json`);
  const markdownPath = join(dir, `${version}.md`);
  await writeJsonAtomic(jsonPath, card);
  await writeFileAtomic(markdownPath, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return { json: jsonPath, markdown: markdownPath };
}

/** The slice name used in cards and reports. */
export function sliceName(column: string, value: string): string {
  return `${column}=${value}`;
}

function compileCardSchema(): ValidateFunction {
  // The MCT schema uses keywords ajv does not know in strict mode (contentMediaType) and formats.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(modelCardJsonSchema);
}

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

function formatAjvError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(card)' : error.instancePath;
  const extra = error.keyword === 'additionalProperties' ? ` '${String(error.params['additionalProperty'])}'` : '';
  return `${where} ${error.message ?? error.keyword}${extra}`;
}

function describeOverview(config: MlopsConfig, lineage: Lineage): string {
  const task = lineage.task;
  const what =
    task.type === 'binary'
      ? `A binary classifier predicting whether ${config.data.target} is '${task.positive_label}'`
      : task.type === 'multiclass'
        ? `A multiclass classifier predicting ${config.data.target} (${task.classes.length} classes)`
        : `A regression model predicting ${config.data.target}`;
  return `${what} from ${lineage.features.length} features, trained with TensorFlow.js.`;
}

function describeTraining(lineage: Lineage, evaluation: EvaluationReport): string {
  const { code, config, training } = lineage;
  const commit =
    code.commit === null
      ? 'not in a git checkout'
      : `${code.commit}${code.branch ? ` on ${code.branch}` : ''}${code.dirty ? ' (working tree had uncommitted changes)' : ''}`;
  const lines = [
    `Run ${lineage.run_id} trained this model; it finished at ${lineage.created_at}.`,
    ...(lineage.trigger ? [`Trained because: ${lineage.trigger.reason}${lineage.trigger.event ? ` (GitHub event: ${lineage.trigger.event})` : ''}.`] : []),
    `Code: commit ${commit}.`,
    `Config: ${config.path} (sha256 ${config.sha256}).`,
    `Data: ${lineage.dataset.path} (sha256 ${lineage.dataset.sha256}).`,
    ...(lineage.dataset.sources ?? []).map(
      (source, i) => `Data source ${i + 1}: ${source.type} ${source.location}, fetched ${source.fetched_at}${source.not_modified ? ' (not modified)' : ''}, ${source.bytes} bytes, ${source.rows} rows, sha256 ${source.sha256}.`,
    ),
    `Training rows: ${describeTrainingKeys(lineage) ?? 'not recorded'}.`,
    `Hyperparameters: ${JSON.stringify(lineage.hyperparameters)}.`,
    `Training: ${training.backend} backend, tfjs ${training.tfjs_version}, Node.js ${training.node_version}, ${training.platform}; ` +
      `${training.epochs_run} epochs run, best epoch ${training.best_epoch} (validation loss ${formatNumber(training.best_validation_loss, columnFormat)}), ` +
      `${Math.round(training.duration_ms)} ms, ${Math.round(training.samples_per_second)} samples/s.`,
    evaluation.resamples > 0
      ? `Intervals: ${Math.round(evaluation.confidence * 100)}% bootstrap intervals from ${evaluation.resamples} resamples of the test rows.`
      : 'Intervals: none (no bootstrap resamples).',
  ];
  if (lineage.run_url !== null) lines.push(`CI run: ${lineage.run_url}.`);
  if (lineage.run_duration_ms !== undefined) lines.push(`Pipeline run time: ${Math.round(lineage.run_duration_ms)} ms.`);
  return lines.join('\n');
}

function describeDiff(parent: { version: string; lineage: Lineage } | null, lineage: Lineage): string {
  if (parent === null) {
    return lineage.parent_version === null ? 'First version.' : `Compared with ${lineage.parent_version}.`;
  }
  const change = versionChange(parent.lineage, lineage);
  return `${change.level} change from ${parent.version}: ${change.reasons.join('; ')}.`;
}

function describeArchitecture(lineage: Lineage): string {
  const hp = lineage.hyperparameters;
  // Versions registered before model.kind existed were plain MLPs (or linear without hidden units).
  const kind = typeof hp['kind'] === 'string' ? hp['kind'] : 'mlp';
  const hidden = kind !== 'linear' && Array.isArray(hp['hidden_units']) ? (hp['hidden_units'] as unknown[]).map(String) : [];
  const numeric = lineage.features.filter((f) => f.type === 'numeric').length;
  const dates = lineage.features.filter((f) => f.type === 'datetime').length;
  const categorical = lineage.features.length - numeric - dates;
  const deep =
    `hidden dense layers of ${hidden.join(', ')} units with ${String(hp['activation'] ?? 'relu')} activation` +
    `, dropout ${String(hp['dropout'] ?? 0)}, L2 ${String(hp['l2'] ?? 0)}`;
  const [name, layers] =
    hidden.length === 0
      ? ['Linear model', 'no hidden layers']
      : kind === 'wide_deep'
        ? ['Wide & deep network', `${deep}, and a linear path from the inputs to the output beside them`]
        : ['Dense MLP', deep];
  const task = lineage.task;
  const head =
    task.type === 'binary'
      ? 'one sigmoid output unit'
      : task.type === 'multiclass'
        ? `a softmax output over ${task.classes.length} classes`
        : 'one linear output unit';
  const target =
    task.type !== 'regression'
      ? ''
      : task.target_transform === 'log'
        ? ' Target: trained on the standardised logarithm of the target (task.target_transform: log); predictions and metrics are in the target\'s units.'
        : ' Target: standardised with training statistics (task.target_transform: none); predictions and metrics are in the target\'s units.';
  return (
    `${name} (TensorFlow.js Layers): ${layers}; ${head}. Inputs: ${numeric} numeric features standardised with ` +
    `training statistics, ${categorical} categorical features one-hot encoded with an out-of-vocabulary slot` +
    (dates > 0 ? ` and ${dates} datetime feature${dates === 1 ? '' : 's'} as standardised calendar parts (never one-hot dates).` : '.') +
    target
  );
}

function describeData(lineage: Lineage, profile: DataProfile): CardDataset[] {
  const { dataset } = lineage;
  const source = `${dataset.path} (sha256 ${dataset.sha256}; ${dataset.rows} rows, ${dataset.valid_rows} valid)`;
  const split = describeSplitRule(lineage);
  const target = describeTarget(profile);
  const link = httpLink(dataset.path);
  const entry = (name: string, description: string): CardDataset => (link ? { name, link, description } : { name, description });
  return [
    entry(`train: ${dataset.path}`, `Training split of ${source}; ${split}. The validation rows drive early stopping. ${target}`.trim()),
    entry(`test: ${dataset.path}`, `Held-out evaluation split of ${source}: ${dataset.test_rows} rows, never seen in training. The metrics below are computed on it.`),
  ];
}

function describeTarget(profile: DataProfile): string {
  const target = profile.target;
  if (target.type === 'categorical') {
    const total = Object.values(target.frequencies).reduce((a, b) => a + b, 0) + target.other;
    if (total === 0) return '';
    const shares = Object.entries(target.frequencies)
      .map(([label, n]) => `${label} ${formatNumber(n / total, { percent: true })}`)
      .join(', ');
    return `Target distribution in the file: ${shares}.`;
  }
  if (target.type !== 'numeric' || target.mean === null) return '';
  return `Target in the file: mean ${formatNumber(target.mean, columnFormat)}, range ${String(target.min)} to ${String(target.max)}.`;
}

function httpLink(path: string): string | undefined {
  // The schema wants a URI; a repository path is not one, so only URLs become links.
  return /^https?:\/\//.test(path) ? path : undefined;
}

function describeFeature(feature: LineageFeature): string {
  if (feature.type === 'datetime') {
    const parts = Array.isArray(feature['parts']) ? (feature['parts'] as unknown[]).map(String) : [];
    return `date string (its column's format or ISO 8601); the model reads ${parts.length > 0 ? parts.join(', ') : 'no calendar parts'}${feature['age'] !== undefined ? ' and an age in days' : ''}`;
  }
  if (feature.type === 'categorical') {
    const vocabulary = Array.isArray(feature['vocabulary']) ? (feature['vocabulary'] as unknown[]).map(String) : [];
    if (vocabulary.length === 0) return 'string (categorical)';
    const shown = vocabulary.slice(0, 20).join(', ');
    return `string, one of: ${shown}${vocabulary.length > 20 ? `, … (${vocabulary.length} values)` : ''}; other values use the out-of-vocabulary slot`;
  }
  const min = typeof feature['min'] === 'number' ? feature['min'] : undefined;
  const max = typeof feature['max'] === 'number' ? feature['max'] : undefined;
  const range = min !== undefined && max !== undefined ? `, seen range ${min} to ${max}` : '';
  return `number${feature['integer'] === true ? ' (integer)' : ''}${range}`;
}

function describeOutput(lineage: Lineage): string {
  const task = lineage.task;
  switch (task.type) {
    case 'binary':
      return `For each instance: the probability that the target is '${task.positive_label}', and the label ('${task.positive_label}' when the probability is at least ${task.threshold}, else '${task.negative_label}').`;
    case 'multiclass':
      return `For each instance: a probability for each class (${task.classes.join(', ')}) and the most probable class.`;
    case 'regression':
      return 'For each instance: the predicted value of the target.';
  }
}

/**
 * The model's metrics overall and per slice, then the in-run baselines' overall metrics on the
 * same rows, typed `<metric> (<baseline> baseline)` so that readers of the model's own metrics
 * (type without a suffix) are not confused by them.
 */
function performanceMetrics(evaluation: EvaluationReport): CardPerformanceMetric[] {
  const metrics = groupMetrics(evaluation.overall);
  for (const [column, values] of Object.entries(evaluation.slices)) {
    for (const [value, group] of Object.entries(values)) metrics.push(...groupMetrics(group, sliceName(column, value)));
  }
  for (const baseline of evaluation.baselines ?? []) metrics.push(...groupMetrics(baseline.overall, undefined, ` (${baseline.name} baseline)`));
  return metrics;
}

function groupMetrics(group: GroupMetrics, slice?: string, typeSuffix = ''): CardPerformanceMetric[] {
  return Object.entries(group.metrics).map(([name, value]) => {
    const type = `${name}${typeSuffix}`;
    const metric: CardPerformanceMetric = { type, value: formatNumber(value, columnFormat) };
    if (slice !== undefined) metric.slice = slice;
    const interval = group.intervals[name];
    if (interval) {
      metric.confidence_interval = { lower_bound: formatNumber(interval.low, columnFormat), upper_bound: formatNumber(interval.high, columnFormat) };
    }
    return metric;
  });
}

function describeLimitations(lineage: Lineage, evaluation: EvaluationReport, gate: GateVerdict, config: MlopsConfig): { description: string }[] {
  const limitations: string[] = [];
  const minRows = config.gate.min_slice_rows;
  const small: string[] = [];
  const undefinedMetrics: string[] = [];
  const overallMetrics = Object.keys(evaluation.overall.metrics);
  for (const [column, values] of Object.entries(evaluation.slices)) {
    for (const [value, group] of Object.entries(values)) {
      if (group.rows < minRows) small.push(`${sliceName(column, value)} (${group.rows} rows)`);
      const absent = overallMetrics.filter((metric) => group.metrics[metric] === undefined);
      if (absent.length > 0) undefinedMetrics.push(`${absent.join(', ')} on ${sliceName(column, value)}`);
    }
  }
  if (small.length > 0) {
    limitations.push(
      `Slices with fewer than ${minRows} test rows are reported but not gated, and their metrics are uncertain: ${small.join(', ')}.`,
    );
  }
  if (undefinedMetrics.length > 0) {
    limitations.push(`Some metrics are undefined on some slices (for example AUC when a slice holds one class): ${undefinedMetrics.join('; ')}.`);
  }
  limitations.push(
    `Evaluated on ${lineage.dataset.test_rows} held-out rows of the training file (${lineage.dataset.path}); ` +
      'performance on data from another period or population can differ, which is what the serving drift monitor watches for.',
  );
  if (evaluation.resamples === 0) limitations.push('No confidence intervals were computed (bootstrap resamples set to 0).');
  if (lineage.code.commit === null) {
    limitations.push('The training code is not identified: the run was not in a git checkout.');
  } else if (lineage.code.dirty === true) {
    limitations.push(`The working tree had uncommitted changes: commit ${lineage.code.commit} does not fully describe the training code.`);
  }
  const baselines = describeBaselines(evaluation, gate.primary_metric);
  if (baselines) limitations.push(baselines);
  limitations.push(describeGate(gate));
  return limitations.map((description) => ({ description }));
}

/** The candidate beside the simple models trained in the same run, on the primary metric. */
function describeBaselines(evaluation: EvaluationReport, metric: string): string | null {
  const baselines = evaluation.baselines ?? [];
  if (baselines.length === 0) return null;
  const values = baselines.map((b) => `${b.name} ${formatNumber(b.overall.metrics[metric], columnFormat)}`).join(', ');
  return (
    `Simple models trained in the same run on the same rows and inputs score ${metric} ${values} on the same test rows ` +
    `(this model: ${formatNumber(evaluation.overall.metrics[metric], columnFormat)}).`
  );
}

function describeGate(gate: GateVerdict): string {
  const counts = { pass: 0, fail: 0, skipped: 0 };
  for (const check of gate.checks) counts[check.outcome] += 1;
  const tally = `${gate.checks.length} checks: ${counts.pass} passed, ${counts.fail} failed, ${counts.skipped} skipped`;
  const against = gate.champion_version === null ? 'no champion' : `champion ${gate.champion_version}`;
  const note = (gate.champion_note ? ` ${gate.champion_note}` : '') + (gate.comparison && gate.comparison.basis !== 'no_champion' ? ` Compared on ${gate.comparison.note}.` : '');
  const rule = gate.method ? ` Regressions were judged by the ${gate.method.comparison} rule at alpha ${formatNumber(gate.method.alpha, { trimZeros: true })}.` : '';
  return gate.passed
    ? `Release gate passed (against ${against}): ${gate.summary} (${tally}).${rule}${note}`
    : `Release gate REJECTED this model (against ${against}) and it was registered anyway (forced): ${gate.summary} (${tally}).${rule}${note}`;
}
