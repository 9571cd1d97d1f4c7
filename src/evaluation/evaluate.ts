import type { TaskType } from '../config/schema.js';
import { DataError } from '../core/errors.js';
import { fnv1a32 } from '../core/hash.js';
import { createRandom, seededPermutation } from '../core/rng.js';
import { bootstrapIntervals, type BootstrapSettings } from './bootstrap.js';
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
  const { task, yTrue, predictions, bootstrap } = input;
  const rows = yTrue.length;
  if (rows === 0) throw new DataError('Cannot evaluate: the test split has no rows');
  const classes = resolveClasses(task, input.classes);
  const options: MetricOptions = { threshold: input.threshold ?? defaultThreshold, classCount: classes.length };
  const width = task === 'multiclass' ? classes.length : 1;
  // Validates yTrue and predictions once, naming rows of the whole split, before any slicing.
  const all = prepareMetrics(task, yTrue, predictions, options);

  const group = (scope: string, indices: Uint32Array | null): GroupMetrics => {
    const groupTrue = indices ? selectRows(yTrue, indices, 1) : yTrue;
    const prepared = indices ? prepareMetrics(task, groupTrue, selectRows(predictions, indices, width), options) : all;
    return {
      rows: prepared.rows,
      metrics: prepared.compute(),
      // Seeded per group by its name, so that two models evaluated on the same split draw the same rows.
      intervals: bootstrapIntervals(prepared, { ...bootstrap, seed: fnv1a32(scope, bootstrap.seed) }),
      target_summary: summariseTarget(task, groupTrue, classes),
    };
  };

  const report: EvaluationReport = {
    task,
    confidence: bootstrap.confidence,
    resamples: bootstrap.resamples,
    overall: group('overall', null),
    slices: {},
  };
  for (const [column, values] of Object.entries(input.slices ?? {})) {
    if (values.length !== rows) {
      throw new DataError(`Slice column '${column}' has ${values.length} values but the test split has ${rows} rows`);
    }
    const slices: Record<string, GroupMetrics> = {};
    for (const [value, indices] of groupRowsByValue(values)) slices[value] = group(`${column}=${value}`, indices);
    report.slices[column] = slices;
  }

  if (task === 'binary') {
    report.confusion = {
      labels: [...classes],
      matrix: confusionMatrix(yTrue, binaryPredictions(predictions, options.threshold), 2),
    };
    report.calibration = calibrationBins(yTrue, predictions);
  } else if (task === 'multiclass') {
    report.confusion = { labels: [...classes], matrix: confusionMatrix(yTrue, predictedClasses(predictions, width), width) };
  } else {
    report.residuals = sampleResiduals(yTrue, predictions, bootstrap.seed);
  }
  return report;
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
