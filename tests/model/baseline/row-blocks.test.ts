import { describe, expect, test } from 'vitest';
import { DataError } from '../../../src/core/errors.js';
import { fitFromBlocks, fitTogether, forEachCheckedRow, matrixBlocks, type MultiPassFit } from '../../../src/model/baseline/row-blocks.js';

/** A fit that needs `passes` passes and records the rows it saw in each. */
function countingFit(passes: number): MultiPassFit<number[]> & { seen: number[] } {
  const seen: number[] = [];
  return {
    seen,
    nextPass() {
      if (seen.length === passes) return null;
      seen.push(0);
      return { add: (block) => (seen[seen.length - 1]! += block.rows) };
    },
    model: () => seen,
  };
}

describe('matrixBlocks', () => {
  test('views a matrix as blocks of at most blockRows rows, every pass again', () => {
    const x = Float64Array.from({ length: 14 }, (_, i) => i);
    const y = Float64Array.from([0, 1, 0, 1, 1, 0, 1]);
    const blocks = matrixBlocks(x, y, 2, 3);
    const first = [...blocks()];
    expect(first.map((b) => b.rows)).toEqual([3, 3, 1]);
    expect(Array.from(first[2]!.x)).toEqual([12, 13]);
    expect(Array.from(first[1]!.y)).toEqual([1, 1, 0]);
    expect([...blocks()].map((b) => b.rows)).toEqual([3, 3, 1]);
  });
});

describe('fitTogether', () => {
  test('feeds both fits while either needs passes, then returns both models', () => {
    const short = countingFit(1);
    const long = countingFit(3);
    const [a, b] = fitFromBlocks(fitTogether(short, long), matrixBlocks(new Float64Array(10), new Float64Array(5), 2, 2));
    expect(a).toEqual([5]);
    expect(b).toEqual([5, 5, 5]);
  });
});

describe('forEachCheckedRow', () => {
  test('visits each row with its index in the block and its number in the pass', () => {
    const visits: [number, number][] = [];
    forEachCheckedRow({ x: [1, 2, 3, 4], y: [0, 1], rows: 2 }, 2, 10, (r, row) => visits.push([r, row]));
    expect(visits).toEqual([
      [0, 10],
      [1, 11],
    ]);
  });

  test.each([
    [{ x: [1, 2, 3], y: [0, 1], rows: 2 }, /A block of 2 training rows has 3 inputs and 2 targets; expected 4 inputs \(2 per row\) and 2 targets/],
    [{ x: [1, 2, 3, 4], y: [0], rows: 2 }, /has 4 inputs and 1 targets/],
    [{ x: [1, Infinity, 3, 4], y: [0, 1], rows: 2 }, /Training row 5, input 1 is Infinity; encoded inputs must be finite numbers/],
  ])('%j is a DataError', (block, message) => {
    expect(() => forEachCheckedRow(block, 2, 5, () => undefined)).toThrow(DataError);
    expect(() => forEachCheckedRow(block, 2, 5, () => undefined)).toThrow(message);
  });
});
