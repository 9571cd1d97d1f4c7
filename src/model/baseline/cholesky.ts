/**
 * Cholesky factorisation and solve for the small dense symmetric systems of the baseline fits
 * (normal equations, Newton steps). Matrices are row-major n×n Float64Arrays.
 */

/**
 * Factors a symmetric positive-definite matrix in place into L (lower triangle; the strict upper
 * triangle is left as it was) with A = L·Lᵀ. Returns -1 on success, or the index of the first pivot
 * that is not positive: A is singular or indefinite along that coordinate (relative to the
 * diagonal's scale, pivots below 1e−13 of it count as zero).
 */
export function choleskyFactor(a: Float64Array, n: number): number {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  const floor = 1e-13 * (scale > 0 ? scale : 1);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let pivot = a[rowJ + j]!;
    for (let k = 0; k < j; k++) pivot -= a[rowJ + k]! * a[rowJ + k]!;
    if (!(pivot > floor)) return j;
    const diagonal = Math.sqrt(pivot);
    a[rowJ + j] = diagonal;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j]!;
      for (let k = 0; k < j; k++) sum -= a[rowI + k]! * a[rowJ + k]!;
      a[rowI + j] = sum / diagonal;
    }
  }
  return -1;
}

/** Solves L·Lᵀ·x = b for x, given the factor from {@link choleskyFactor}; returns a new array. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let sum = x[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}
