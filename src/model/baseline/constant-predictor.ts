import { ConfigError, DataError } from '../../core/errors.js';
import { forEachCheckedRow, type MultiPassFit, type RowBlock } from './row-blocks.js';

/**
 * The simplest baselines, which ignore the inputs: for classification the training class
 * frequencies (scikit-learn's `DummyClassifier(strategy='prior')`: its probabilities are the
 * priors and its predicted label is the majority class), for regression the training mean
 * (`DummyRegressor(strategy='mean')`). A model that does not beat these has learned nothing.
 */

/** Class frequencies in training: binary P(positive); multiclass one probability per class. */
export interface PriorModel {
  kind: 'prior';
  /** Binary: [P(1)]; multiclass: the share of each class, in class-index order. */
  probabilities: Float64Array;
  /** Encoded inputs per row (ignored, kept so predictions can count rows). */
  width: number;
  rows: number;
}

/** The training mean of a regression target. */
export interface MeanModel {
  kind: 'mean';
  mean: number;
  /** Encoded inputs per row (ignored, kept so predictions can count rows). */
  width: number;
  rows: number;
}

/** What the prior is counted over: binary 0/1 labels or class indices 0..classCount−1. */
export type PriorTarget = { type: 'binary' } | { type: 'multiclass'; classCount: number };

/** A one-pass fit that calls `visit(y, row)` for every target of the pass, then builds its model. */
function onePassFit<M>(width: number, visit: (y: number, row: number) => void, build: (rows: number) => M): MultiPassFit<M> {
  let rows = 0;
  let state: 'new' | 'reading' | 'done' = 'new';
  let model: M | null = null;
  return {
    nextPass() {
      if (state === 'reading') {
        model = build(rows);
        state = 'done';
      }
      if (state === 'done') return null;
      state = 'reading';
      return {
        add(block: RowBlock) {
          forEachCheckedRow(block, width, rows, (r, row) => visit(block.y[r]!, row));
          rows += block.rows;
        },
      };
    },
    model() {
      if (model === null) throw new Error('The fit is not complete: call nextPass() until it returns null');
      return model;
    },
  };
}

/** The class-prior predictor as a one-pass fit (see row-blocks.ts). Throws a DataError on a bad label or no rows. */
export function createPriorFit(width: number, target: PriorTarget): MultiPassFit<PriorModel> {
  const classCount = target.type === 'binary' ? 2 : target.classCount;
  if (!Number.isInteger(classCount) || classCount < 2) throw new ConfigError(`A class prior needs at least 2 classes, got ${classCount}`);
  const counts = new Float64Array(classCount);
  return onePassFit(
    width,
    (y, row) => {
      if (!Number.isInteger(y) || y < 0 || y >= classCount) {
        const expected = target.type === 'binary' ? '0 (negative) or 1 (positive)' : `a class index 0..${classCount - 1}`;
        throw new DataError(`Training row ${row}: the target is ${y}; expected ${expected}`);
      }
      counts[y]! += 1;
    },
    (rows) => {
      if (rows === 0) throw new DataError('The class-prior baseline got no training rows');
      const shares = counts.map((count) => count / rows);
      return { kind: 'prior', probabilities: target.type === 'binary' ? shares.slice(1, 2) : shares, width, rows };
    },
  );
}

/** The mean predictor as a one-pass fit (see row-blocks.ts). Throws a DataError on a non-finite target or no rows. */
export function createMeanFit(width: number): MultiPassFit<MeanModel> {
  let sum = 0;
  return onePassFit(
    width,
    (y, row) => {
      if (!Number.isFinite(y)) throw new DataError(`Training row ${row}: the target is ${y}; regression targets must be finite numbers`);
      sum += y;
    },
    (rows) => {
      if (rows === 0) throw new DataError('The mean baseline got no training rows');
      return { kind: 'mean', mean: sum / rows, width, rows };
    },
  );
}

/** The prior's predictions for `rows` rows: binary P(positive) per row; multiclass row-major class shares. */
export function predictPrior(model: PriorModel, rows: number): Float64Array {
  const width = model.probabilities.length;
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(model.probabilities, r * width);
  return out;
}

/** The mean predictor's predictions for `rows` rows. */
export function predictMean(model: MeanModel, rows: number): Float64Array {
  return new Float64Array(rows).fill(model.mean);
}
