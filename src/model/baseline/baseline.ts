import { DataError } from '../../core/errors.js';
import type { PreprocessingSpec } from '../preprocessing.js';
import { createMeanFit, createPriorFit, predictMean, predictPrior, type MeanModel, type PriorModel } from './constant-predictor.js';
import { createLogisticFit, predictLogistic, type LogisticModel, type LogisticOptions } from './logistic-regression.js';
import { createRidgeFit, predictRidge, type RidgeModel, type RidgeOptions } from './ridge-regression.js';
import { fitFromBlocks, fitFromSource, fitTogether, matrixBlocks, type MultiPassFit, type Numbers, type RowBlockSource } from './row-blocks.js';

/**
 * The in-run baselines a candidate must beat, fitted on the same training rows and the same
 * encoded inputs (`encodeFeatures` of the shared preprocessing) as the network: a linear model
 * (logistic regression for classification, ridge for regression) and a constant one (class prior,
 * training mean). Pure TypeScript in Float64, independent of the tfjs backend, deterministic.
 * Targets are the metric targets: 0/1 for binary, class indices for multiclass, values for regression.
 */

/** What the baselines predict. */
export type BaselineTask = { type: 'binary' } | { type: 'multiclass'; classCount: number } | { type: 'regression' };

export type LinearBaseline = LogisticModel | RidgeModel;
export type ConstantBaseline = PriorModel | MeanModel;
export type BaselineModel = LinearBaseline | ConstantBaseline;

/** Both baselines of a task. */
export interface Baselines {
  linear: LinearBaseline;
  constant: ConstantBaseline;
}

/** Settings of the linear baseline: `l2`, `maxIterations`, `tolerance` for logistic regression; `alpha` for ridge. */
export type BaselineOptions = LogisticOptions & RidgeOptions;

/** The baseline task of a fitted preprocessing spec. */
export function baselineTaskOf(spec: PreprocessingSpec): BaselineTask {
  const target = spec.target;
  if (target.type === 'multiclass') return { type: 'multiclass', classCount: target.classes.length };
  return { type: target.type };
}

/** Both baselines as one multi-pass fit: the constant model reads the first pass of the linear one. */
export function createBaselineFit(task: BaselineTask, width: number, options: BaselineOptions = {}): MultiPassFit<Baselines> {
  const pair =
    task.type === 'regression'
      ? fitTogether<LinearBaseline, ConstantBaseline>(createRidgeFit(width, options), createMeanFit(width))
      : fitTogether<LinearBaseline, ConstantBaseline>(createLogisticFit(width, task, options), createPriorFit(width, task));
  return {
    nextPass: () => pair.nextPass(),
    model() {
      const [linear, constant] = pair.model();
      return { linear, constant };
    },
  };
}

/** Fits both baselines on an in-memory row-major matrix (`rows × width`) and its targets. */
export function fitBaselines(
  task: BaselineTask,
  x: Float32Array | Float64Array,
  y: Float32Array | Float64Array | Uint8Array | Int32Array | Uint32Array,
  width: number,
  options: BaselineOptions = {},
): Baselines {
  return fitFromBlocks(createBaselineFit(task, width, options), matrixBlocks(x, y, width));
}

/** Fits both baselines on rows streamed block by block (logistic regression reads the source once per Newton pass). */
export function fitBaselinesStreamed(task: BaselineTask, source: RowBlockSource, width: number, options: BaselineOptions = {}): Promise<Baselines> {
  return fitFromSource(createBaselineFit(task, width, options), source);
}

/**
 * A baseline's predictions for rows of encoded inputs (row-major, `model.width` per row), in the
 * task's representation for the metrics: binary P(positive) per row; multiclass row-major
 * probabilities; regression values.
 */
export function predictBaseline(model: BaselineModel, x: Numbers): Float64Array {
  if (x.length % model.width !== 0) throw new DataError(`The input matrix has ${x.length} values, not a whole number of rows of ${model.width}`);
  switch (model.kind) {
    case 'logistic':
      return predictLogistic(model, x);
    case 'ridge':
      return predictRidge(model, x);
    case 'prior':
      return predictPrior(model, x.length / model.width);
    case 'mean':
      return predictMean(model, x.length / model.width);
  }
}
