import { describe, expect, test } from 'vitest';
import { choleskyFactor, choleskySolve } from '../../../src/model/baseline/cholesky.js';

describe('choleskyFactor and choleskySolve', () => {
  test('solve A x = b for a symmetric positive-definite A (numpy.linalg.solve gives x = [1, -2, 3])', () => {
    // A = [[4, 2, -2], [2, 10, 4], [-2, 4, 9]], b = A · [1, -2, 3]
    const a = Float64Array.from([4, 2, -2, 2, 10, 4, -2, 4, 9]);
    expect(choleskyFactor(a, 3)).toBe(-1);
    // L of numpy.linalg.cholesky(A): [[2, 0, 0], [1, 3, 0], [-1, 5/3, sqrt(9 - 1 - 25/9)]]
    expect(a[0]).toBe(2);
    expect(a[3]).toBe(1);
    expect(a[4]).toBe(3);
    expect(a[7]).toBeCloseTo(5 / 3, 15);
    expect(a[8]).toBeCloseTo(Math.sqrt(9 - 1 - 25 / 9), 15);
    const x = choleskySolve(a, 3, Float64Array.from([-6, -6, 17]));
    expect(Array.from(x).map((v) => Number(v.toFixed(12)))).toEqual([1, -2, 3]);
  });

  test.each([
    ['singular (a repeated row)', [1, 1, 1, 1], 1],
    ['indefinite', [1, 2, 2, 1], 1],
    ['a zero first pivot', [0, 0, 0, 1], 0],
    ['a NaN', [Number.NaN, 0, 0, 1], 0],
  ])('%s: returns the failing pivot', (_name, values, pivot) => {
    expect(choleskyFactor(Float64Array.from(values), 2)).toBe(pivot);
  });
});
