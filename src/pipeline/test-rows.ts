import type { MlopsConfig } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import type { DatasetRow } from '../data/load-dataset.js';
import type { BaselinePredictions } from '../evaluation/evaluate-candidate.js';
import type { EvaluatePredictionsInput } from '../evaluation/evaluate.js';
import { baselineTaskOf, fitBaselines, predictBaseline, type BaselineModel } from '../model/baseline/baseline.js';
import { classIndices, encodeFeatures, type PreprocessingSpec } from '../model/preprocessing.js';

/**
 * What the evaluate step scores models on: the test rows in the metrics' representation, and the
 * in-run baselines — a linear model and a constant one fitted on the training rows through the
 * candidate's own preprocessing (the same encoded inputs the network saw).
 */

/** Targets of rows in the task's numeric form for metrics: 0/1, class index, or value. */
export function metricTargets(spec: PreprocessingSpec, rows: readonly DatasetRow[]): Float64Array {
  const target = spec.target;
  if (target.type === 'binary') return Float64Array.from(rows, (row) => (row.target === target.positive_label ? 1 : 0));
  if (target.type === 'multiclass') return Float64Array.from(classIndices(spec, rows.map((row) => row.target)));
  return Float64Array.from(rows, (row) => Number(row.target));
}

/** The test rows as `evaluatePredictions` reads them (true values, classes, threshold, slice values), without predictions. */
export function testRowsInput(config: MlopsConfig, spec: PreprocessingSpec, test: readonly DatasetRow[]): Omit<EvaluatePredictionsInput, 'predictions' | 'bootstrap'> {
  const target = spec.target;
  const slices: Record<string, (string | null)[]> = {};
  for (const column of config.slices) slices[column] = test.map((row) => row.slices[column] ?? null);
  return {
    task: target.type,
    yTrue: metricTargets(spec, test),
    classes: target.type === 'binary' ? [target.negative_label, target.positive_label] : target.type === 'multiclass' ? target.classes : undefined,
    threshold: target.type === 'binary' ? target.threshold : undefined,
    slices,
  };
}

/** How reports name each baseline model. */
export const baselineNames: Record<BaselineModel['kind'], string> = {
  logistic: 'logistic regression',
  ridge: 'ridge regression',
  prior: 'class prior',
  mean: 'training mean',
};

/** How reports record each baseline model (`model` of a baseline report). */
export const reportModel = { logistic: 'logistic_regression', ridge: 'ridge', prior: 'prior', mean: 'mean' } as const;

/**
 * Fits the in-run baselines on the training rows with the candidate's preprocessing and predicts the
 * test rows. Returns the reason instead when they cannot be fitted (a design too wide for the
 * logistic regression's Newton steps, say): the gate then reports the baseline check as skipped.
 */
export function fitInRunBaselines(spec: PreprocessingSpec, train: readonly DatasetRow[], test: readonly DatasetRow[]): BaselinePredictions[] | { problem: string } {
  try {
    const x = encodeFeatures(spec, train.map((row) => row.features));
    const { linear, constant } = fitBaselines(baselineTaskOf(spec), x, metricTargets(spec, train), spec.input_width);
    const testInputs = encodeFeatures(spec, test.map((row) => row.features));
    return [
      { kind: 'linear', model: reportModel[linear.kind], name: baselineNames[linear.kind], predictions: predictBaseline(linear, testInputs) },
      { kind: 'constant', model: reportModel[constant.kind], name: baselineNames[constant.kind], predictions: predictBaseline(constant, testInputs) },
    ];
  } catch (error) {
    return { problem: `the in-run baseline could not be fitted: ${describeError(error)}` };
  }
}
