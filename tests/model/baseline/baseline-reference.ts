import { readFileSync } from 'node:fs';

/** A case of tests/fixtures/reference/baselines/baseline-reference.json (scikit-learn 1.2.1; R 4.2.2 glm/glmnet/lm). */
export interface BaselineReferenceCase {
  name: string;
  note: string;
  task: 'binary' | 'multiclass' | 'regression';
  classes?: number;
  l2?: number;
  alpha?: number;
  width: number;
  x_train: number[];
  y_train: number[];
  x_test: number[];
  y_test: number[];
  sklearn: {
    coef: number[] | number[][];
    intercept: number | number[];
    proba_test?: number[];
    predict_test?: number[];
    prior?: number[];
    mean?: number;
  };
  r?: { method: string; coef_with_intercept_last: number[][] };
}

/** The committed reference cases. */
export function loadBaselineReference(): BaselineReferenceCase[] {
  const path = new URL('../../fixtures/reference/baselines/baseline-reference.json', import.meta.url);
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: BaselineReferenceCase[] }).cases;
}

/** Row k of a row-major outputs × (width + 1) coefficient array. */
export function coefficientRows(coefficients: Float64Array, outputs: number): number[][] {
  const stride = coefficients.length / outputs;
  return Array.from({ length: outputs }, (_, k) => Array.from(coefficients.subarray(k * stride, (k + 1) * stride)));
}

/**
 * Softmax intercepts are defined up to a shared constant (adding c to every class's intercept
 * changes no probability): compare them after subtracting their mean.
 */
export function centreIntercepts(rows: number[][]): number[][] {
  if (rows.length < 2) return rows;
  const mean = rows.reduce((sum, row) => sum + row[row.length - 1]!, 0) / rows.length;
  return rows.map((row) => [...row.slice(0, -1), row[row.length - 1]! - mean]);
}

/** Largest |a − b| over two equally shaped matrices. */
export function largestDifference(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, k) => row.map((value, j) => Math.abs(value - b[k]![j]!))));
}

/** Blocks of `size` rows of a row-major matrix, as an async generator (a stand-in for rows read from disk). */
export function asyncBlocks(x: Float64Array, y: Float64Array, width: number, size: number) {
  return async function* () {
    for (let start = 0; start < y.length; start += size) {
      const end = Math.min(y.length, start + size);
      await Promise.resolve();
      yield { x: x.subarray(start * width, end * width), y: y.subarray(start, end), rows: end - start };
    }
  };
}
