import { DataError } from '../../core/errors.js';

/**
 * Training rows for the baseline models, read in blocks so that a fit never needs the whole
 * matrix in memory: each fit keeps only its sufficient statistics (O(d²) for d encoded inputs) and
 * asks for as many passes over the rows as it needs. The in-memory case is the same code over
 * blocks that are views of one matrix.
 */

/** Numbers in any array form: `number[]`, `Float32Array`, `Float64Array`, ... */
export type Numbers = ArrayLike<number>;

/** A block of training rows: `x` row-major, `rows × width` encoded inputs; `y` one target per row. */
export interface RowBlock {
  x: Numbers;
  /** Binary: 0/1 (1 = positive); multiclass: class index; regression: the value. */
  y: Numbers;
  rows: number;
}

/** All training rows, readable more than once (one call per pass), block by block. */
export type RowBlockSource = () => Iterable<RowBlock> | AsyncIterable<RowBlock>;

/** Receives the blocks of one pass, in order. */
export interface BlockAccumulator {
  add(block: RowBlock): void;
}

/**
 * A fit that needs one or more passes over the rows: `nextPass` hands out the accumulator for the
 * next pass (having digested the previous one), or null when the fit is complete; then `model()`.
 */
export interface MultiPassFit<M> {
  nextPass(): BlockAccumulator | null;
  model(): M;
}

/** Runs a fit over in-memory blocks (each pass calls `blocks()` again). */
export function fitFromBlocks<M>(fit: MultiPassFit<M>, blocks: () => Iterable<RowBlock>): M {
  for (let pass = fit.nextPass(); pass; pass = fit.nextPass()) {
    for (const block of blocks()) pass.add(block);
  }
  return fit.model();
}

/** Runs a fit over a streamed source, e.g. blocks read from an encoded matrix on disk. */
export async function fitFromSource<M>(fit: MultiPassFit<M>, source: RowBlockSource): Promise<M> {
  for (let pass = fit.nextPass(); pass; pass = fit.nextPass()) {
    for await (const block of source()) pass.add(block);
  }
  return fit.model();
}

/** Runs several fits over the same passes: each pass feeds every fit that still needs rows. */
export function fitTogether<A, B>(first: MultiPassFit<A>, second: MultiPassFit<B>): MultiPassFit<[A, B]> {
  let firstDone = false;
  let secondDone = false;
  return {
    nextPass() {
      const a = firstDone ? null : first.nextPass();
      const b = secondDone ? null : second.nextPass();
      firstDone = a === null;
      secondDone = b === null;
      if (!a && !b) return null;
      return {
        add(block) {
          a?.add(block);
          b?.add(block);
        },
      };
    },
    model: () => [first.model(), second.model()],
  };
}

/** Views of an in-memory row-major matrix as blocks of at most `blockRows` rows. */
export function matrixBlocks(x: Float32Array | Float64Array, y: Float32Array | Float64Array | Uint8Array | Int32Array | Uint32Array, width: number, blockRows = 4096): () => Iterable<RowBlock> {
  const rows = y.length;
  if (x.length !== rows * width) {
    throw new DataError(`The input matrix has ${x.length} values but ${rows} targets × ${width} inputs = ${rows * width} were expected`);
  }
  return function* () {
    for (let start = 0; start < rows; start += blockRows) {
      const end = Math.min(rows, start + blockRows);
      yield { x: x.subarray(start * width, end * width), y: y.subarray(start, end), rows: end - start };
    }
  };
}

/**
 * Checks a block's shape and values and calls `visit(r, row)` for each row: `r` is its index in
 * the block, `row` counts from the first row of the pass (for messages; `firstRow` is the count of
 * rows before this block). Throws a DataError naming the row and input column of a non-finite value.
 */
export function forEachCheckedRow(block: RowBlock, width: number, firstRow: number, visit: (r: number, row: number) => void): void {
  if (block.x.length !== block.rows * width || block.y.length !== block.rows) {
    throw new DataError(
      `A block of ${block.rows} training rows has ${block.x.length} inputs and ${block.y.length} targets; expected ${block.rows * width} inputs (${width} per row) and ${block.rows} targets`,
    );
  }
  for (let r = 0; r < block.rows; r++) {
    const offset = r * width;
    for (let j = 0; j < width; j++) {
      if (!Number.isFinite(block.x[offset + j]!)) {
        throw new DataError(`Training row ${firstRow + r}, input ${j} is ${block.x[offset + j]}; encoded inputs must be finite numbers`);
      }
    }
    visit(r, firstRow + r);
  }
}

/**
 * Gathers the non-zero inputs of the row at `offset` (most one-hot inputs are 0), then the
 * intercept's constant 1 as column `width`: `active[a]` is a column (ascending), `values[a]` its
 * value, for a < the returned count. Both arrays need width + 1 slots.
 */
export function gatherNonZeroInputs(x: Numbers, offset: number, width: number, active: Int32Array, values: Float64Array): number {
  let count = 0;
  for (let j = 0; j < width; j++) {
    const value = x[offset + j]!;
    if (value !== 0) {
      active[count] = j;
      values[count++] = value;
    }
  }
  active[count] = width;
  values[count] = 1;
  return count + 1;
}
