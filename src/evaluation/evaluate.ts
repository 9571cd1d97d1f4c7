import { metricsForTask } from '../config/load.js';
import type { TaskType } from '../config/schema.js';
import { DataError } from '../core/errors.js';
import { fnv1a32 } from '../core/hash.js';
import { createRandom, seededPermutation } from '../core/rng.js';
import { drawSharedResamples, resampledIntervals, type BootstrapSettings, type SharedResamples } from './bootstrap.js';
import { binaryPredictions, calibrationBins } from './metrics-binary.js';
import { predictedClasses } from './metrics-multiclass.js';
import { confusionMatrix } from './metrics-shared.js';
import { defaultThreshold, prepareMetrics, type MetricOptions, type Numbers } from './metrics.js';
import type { EvaluationReport, GroupMetrics } from './report-schema.js';

/** The slice value that stands for a missing cell. */
export const missingSliceValue = '(missing)';

/** At most this many (predicted, residual) pairs are kept for regression residual plots. */
export const maxResidualSamples = 500;

/** Everything needed to evaluate one model's predictions on a test split. */
export interface EvaluatePredictionsInput {
  task: TaskType;
  /** Binary: 0/1 (1 = positive); multiclass: class index into `classes`; regression: observed value. */
  yTrue: Numbers;
  /** Binary: P(positive) per row; multiclass: row-major probabilities, `classes.length` per row; regression: predicted value. */
  predictions: Numbers;
  /**
   * Binary: `[negative_label, positive_label]` (confusion labels; default `['0', '1']`).
   * Multiclass: every class, in probability-column order (required). Regression: unused.
   */
  classes?: readonly string[];
  /** Binary: probability at or above which a row is predicted positive (default 0.5). */
  threshold?: number;
  /** Slice column → the column's value for each test row (null = missing). */
  slices?: Record<string, readonly (string | null)[]>;
  bootstrap: BootstrapSettings;
}

/**
 * Evaluates predictions on a test split: every task metric with bootstrap intervals, overall and
 * for each value of each slice column (missing values form the slice "(missing)"); the confusion
 * matrix (classification), reliability bins (binary) and a residual sample (regression).
 * Throws a DataError when the inputs do not fit the task's representation.
 */
export function evaluatePredictions(input: EvaluatePredictionsInput): EvaluationReport {
  const { predictions, ...rest } = input;
  return evaluateModels({ ...rest, models: [predictions] }).reports[0]!;
}

/** Several models' predictions of the same test rows (see {@link evaluateModels}). */
export interface EvaluateModelsInput extends Omit<EvaluatePredictionsInput, 'predictions'> {
  /** Each model's predictions of the same rows, in the task's representation; reports come back in this order. */
  models: readonly Numbers[];
}

/** One scope (all rows, or one slice value) as the shared resamples saw it, for comparing models. */
export interface ScopeResamples {
  /** `overall`, or `column=value`. */
  scope: string;
  column?: string;
  value?: string;
  rows: number;
  /** Classification: rows of each class (binary: [negatives, positives]); regression: empty. */
  classRows: number[];
  /** The scope's true values and each model's predictions of its rows. */
  yTrue: Numbers;
  predictions: Numbers[];
  /** Each model's metrics on all of the scope's rows (undefined metrics absent). */
  metrics: Record<string, number>[];
  /** Each model's metrics on the same resamples. */
  resamples: SharedResamples;
}

/**
 * Evaluates several models on the same test rows in one pass: per scope, one set of resamples
 * scores every model (`drawSharedResamples`), which gives each model's intervals — identical to
 * evaluating it alone with {@link evaluatePredictions} — and, through `inspect`, the paired draws
 * that comparisons between the models need. `inspect` is called once per scope while its
 * resamples are alive (they are dropped after, so thousands of slices stay in bounded memory);
 * what it returns is collected in scope order.
 */
export function evaluateModels<T = never>(input: EvaluateModelsInput, inspect?: (scope: ScopeResamples) => T): { reports: EvaluationReport[]; scopes: T[] } {
  const { task, yTrue, models, bootstrap } = input;
  const rows = yTrue.length;
  if (rows === 0) throw new DataError('Cannot evaluate: the test split has no rows');
  if (models.length === 0) throw new RangeError('evaluateModels needs at least one model');
  const classes = resolveClasses(task, input.classes);
  const options: MetricOptions = { threshold: input.threshold ?? defaultThreshold, classCount: classes.length };
  const width = task === 'multiclass' ? classes.length : 1;
  const metricNames = metricsForTask(task);
  // Validates yTrue and predictions once, naming rows of the whole split, before any slicing.
  const all = models.map((predictions) => prepareMetrics(task, yTrue, predictions, options));
  const inspected: T[] = [];

  const group = (scope: { scope: string; column?: string; value?: string }, indices: Uint32Array | null): GroupMetrics[] => {
    const groupTrue = indices ? selectRows(yTrue, indices, 1) : yTrue;
    const groupPredictions = indices ? models.map((predictions) => selectRows(predictions, indices, width)) : [...models];
    const prepared = indices ? groupPredictions.map((predictions) => prepareMetrics(task, groupTrue, predictions, options)) : all;
    // Seeded per group by its name, so that models evaluated on the same split draw the same rows.
    const settings = { ...bootstrap, seed: fnv1a32(scope.scope, bootstrap.seed) };
    const resamples = drawSharedResamples(prepared, metricNames, settings);
    const metrics = prepared.map((p) => p.compute());
    const targetSummary = summariseTarget(task, groupTrue, classes);
    if (inspect) {
      inspected.push(
        inspect({ ...scope, rows: groupTrue.length, classRows: countClasses(task, groupTrue, classes.length), yTrue: groupTrue, predictions: groupPredictions, metrics, resamples }),
      );
    }
    return prepared.map((p, m) => ({
      rows: p.rows,
      metrics: metrics[m]!,
      intervals: resampledIntervals(resamples.values[m]!, bootstrap.confidence),
      target_summary: targetSummary,
    }));
  };

  const reports: EvaluationReport[] = group({ scope: 'overall' }, null).map((overall) => ({
    task,
    confidence: bootstrap.confidence,
    resamples: bootstrap.resamples,
    overall,
    slices: {},
  }));
  for (const [column, values] of Object.entries(input.slices ?? {})) {
    if (values.length !== rows) {
      throw new DataError(`Slice column '${column}' has ${values.length} values but the test split has ${rows} rows`);
    }
    for (const report of reports) report.slices[column] = {};
    for (const [value, indices] of groupRowsByValue(values)) {
      group({ scope: `${column}=${value}`, column, value }, indices).forEach((metrics, m) => (reports[m]!.slices[column]![value] = metrics));
    }
  }
  models.forEach((predictions, m) => addDiagnostics(reports[m]!, yTrue, predictions, classes, options, width, bootstrap.seed));
  return { reports, scopes: inspected };
}

/** The confusion matrix (classification), reliability bins (binary) or residual sample (regression). */
function addDiagnostics(report: EvaluationReport, yTrue: Numbers, predictions: Numbers, classes: readonly string[], options: MetricOptions, width: number, seed: number): void {
  if (report.task === 'binary') {
    report.confusion = {
      labels: [...classes],
      matrix: confusionMatrix(yTrue, binaryPredictions(predictions, options.threshold!), 2),
    };
    report.calibration = calibrationBins(yTrue, predictions);
  } else if (report.task === 'multiclass') {
    report.confusion = { labels: [...classes], matrix: confusionMatrix(yTrue, predictedClasses(predictions, width), width) };
  } else {
    report.residuals = sampleResiduals(yTrue, predictions, seed);
  }
}

/** Rows of each class: binary [negatives, positives], multiclass one count per class, regression none. */
export function countClasses(task: TaskType, yTrue: Numbers, classCount: number): number[] {
  if (task === 'regression') return [];
  const counts = new Array<number>(task === 'binary' ? 2 : classCount).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const c = yTrue[i]!;
    if (c >= 0 && c < counts.length) counts[c]! += 1;
  }
  return counts;
}

function resolveClasses(task: TaskType, classes: readonly string[] | undefined): readonly string[] {
  if (task === 'binary') {
    if (classes === undefined) return ['0', '1'];
    if (classes.length !== 2) {
      throw new DataError(`Binary evaluation needs classes [negative, positive], got ${classes.length} (${classes.join(', ')})`);
    }
    return classes;
  }
  if (task === 'multiclass') {
    if (!classes || classes.length < 2) throw new DataError('Multiclass evaluation needs the list of classes in probability-column order');
    return classes;
  }
  return [];
}

/** Rows of each slice value, values sorted with "(missing)" last so reports are stable. */
function groupRowsByValue(values: readonly (string | null)[]): [string, Uint32Array][] {
  const groups = new Map<string, number[]>();
  values.forEach((value, row) => {
    const key = value ?? missingSliceValue;
    const list = groups.get(key);
    if (list) list.push(row);
    else groups.set(key, [row]);
  });
  return [...groups.entries()]
    .sort(([a], [b]) => {
      if (a === missingSliceValue || b === missingSliceValue) return a === missingSliceValue ? 1 : -1;
      return a < b ? -1 : a > b ? 1 : 0;
    })
    .map(([value, list]) => [value, Uint32Array.from(list)]);
}

/** The chosen rows of a row-major array with `width` values per row. */
function selectRows(values: Numbers, indices: Uint32Array, width: number): Float64Array {
  const out = new Float64Array(indices.length * width);
  for (let j = 0; j < indices.length; j++) {
    const row = indices[j]!;
    for (let c = 0; c < width; c++) out[j * width + c] = values[row * width + c]!;
  }
  return out;
}

/**
 * The target's distribution in a group: binary `{ positive_rate }`; multiclass the share of each
 * class, keyed by class name; regression `{ mean }`.
 */
export function summariseTarget(task: TaskType, yTrue: Numbers, classes: readonly string[]): Record<string, number> {
  const n = yTrue.length;
  if (n === 0) return {};
  if (task === 'binary') {
    let positives = 0;
    for (let i = 0; i < n; i++) positives += yTrue[i] === 1 ? 1 : 0;
    return { positive_rate: positives / n };
  }
  if (task === 'multiclass') {
    const counts = new Float64Array(classes.length);
    for (let i = 0; i < n; i++) counts[yTrue[i]!]! += 1;
    return Object.fromEntries(classes.map((name, c) => [name, counts[c]! / n]));
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yTrue[i]!;
  return { mean: sum / n };
}

/**
 * At most 500 (predicted, residual = observed − predicted) pairs, in row order. With more rows,
 * which rows are kept is drawn with the given seed, so it is the same on every run.
 */
export function sampleResiduals(yTrue: Numbers, yPred: Numbers, seed: number): { predicted: number; residual: number }[] {
  const n = yTrue.length;
  let rows: ArrayLike<number>;
  if (n <= maxResidualSamples) rows = Uint32Array.from({ length: n }, (_, i) => i);
  else rows = seededPermutation(n, createRandom(seed)).subarray(0, maxResidualSamples).sort();
  return Array.from(rows, (row) => ({ predicted: yPred[row]!, residual: yTrue[row]! - yPred[row]! }));
}
