import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createRandom } from '../../src/core/rng.js';
import { EncodedMatrixWriter, encodedRowBytes, fileTrainingRows, fileValidationRows, type EncodedFile } from '../../src/model/encoded-matrix.js';
import type { TrainingRows } from '../../src/model/training-rows.js';

/** A file of `rows` rows whose inputs are [row, row + 0.5] and target [-row]: every value says which row it is. */
function writeNumbered(rows: number, appendEvery = 1000): EncodedFile {
  const path = join(mkdtempSync(join(tmpdir(), 'mlops-encoded-')), 'train.f32');
  const writer = new EncodedMatrixWriter(path, 2, 1);
  for (let start = 0; start < rows; start += appendEvery) {
    const n = Math.min(appendEvery, rows - start);
    const x = Float32Array.from({ length: n * 2 }, (_, i) => start + (i >> 1) + (i % 2) * 0.5);
    const y = Float32Array.from({ length: n }, (_, i) => -(start + i));
    writer.append(x, y, n);
  }
  return writer.close();
}

/** The row numbers of one epoch, in the order training sees them, checking each row's values stayed together. */
async function epochOrder(source: TrainingRows, seed: number): Promise<number[]> {
  const random = createRandom(seed);
  const order: number[] = [];
  for await (const chunk of source.epoch(1, random)) {
    for (let i = 0; i < chunk.rows; i++) {
      const row = chunk.x[i * 2]!;
      expect([chunk.x[i * 2 + 1], chunk.y[i]]).toEqual([row + 0.5, -row]);
      order.push(row);
    }
  }
  return order;
}

describe('encoded matrix files', () => {
  test('hold 4 × (inputs + targets) bytes a row, row after row, little-endian Float32', () => {
    const file = writeNumbered(3);
    expect(file).toMatchObject({ rows: 3, width: 2, outputs: 1 });
    expect(statSync(file.path).size).toBe(3 * encodedRowBytes(2, 1));
    const bytes = readFileSync(file.path);
    expect(Array.from({ length: 9 }, (_, i) => bytes.readFloatLE(i * 4))).toEqual([0, 0.5, -0, 1, 1.5, -1, 2, 2.5, -2]);
  });

  test.each([
    ['one block', 100, { blockRows: 128, windowBlocks: 4 }],
    ['blocks smaller than the window', 10_000, { blockRows: 64, windowBlocks: 8 }],
    ['a last partial block and window', 9_999, { blockRows: 100, windowBlocks: 7 }],
  ])('an epoch hands out every row exactly once, shuffled (%s)', async (_name, rows, shuffle) => {
    const source = fileTrainingRows(writeNumbered(rows), shuffle);
    const order = await epochOrder(source, 42);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i));
    expect(order).not.toEqual(Array.from({ length: rows }, (_, i) => i));
  });

  test('the order is a function of the seed alone: the same seed gives the same order, another seed another', async () => {
    const file = writeNumbered(5_000);
    const shuffle = { blockRows: 64, windowBlocks: 8 };
    const first = await epochOrder(fileTrainingRows(file, shuffle), 7);
    expect(await epochOrder(fileTrainingRows(file, shuffle), 7)).toEqual(first);
    expect(await epochOrder(fileTrainingRows(file, shuffle), 8)).not.toEqual(first);
  });

  test('rows travel far: blocks are visited in a random order, so early rows can come late', async () => {
    const order = await epochOrder(fileTrainingRows(writeNumbered(20_000), { blockRows: 100, windowBlocks: 10 }), 3);
    // The first window of the epoch holds 10 random blocks out of 200, not the first 1,000 rows.
    const firstWindow = order.slice(0, 1000);
    expect(Math.max(...firstWindow)).toBeGreaterThan(5000);
    expect(new Set(firstWindow.map((row) => Math.floor(row / 100))).size).toBe(10);
  });

  test('validation rows come back in file order, with their targets', async () => {
    const file = writeNumbered(20_000);
    const targets = Float64Array.from({ length: 20_000 }, (_, i) => i % 2);
    const validation = fileValidationRows(file, targets);
    const seen: number[] = [];
    for await (const chunk of validation.chunks()) for (let i = 0; i < chunk.rows; i++) seen.push(chunk.x[i * 2]!);
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    expect(validation.targets).toBe(targets);
  });

  test('a file shorter than its description is an error naming it', async () => {
    const file = writeNumbered(10);
    const source = fileTrainingRows({ ...file, rows: 12 }, { blockRows: 4, windowBlocks: 2 });
    await expect(epochOrder(source, 1)).rejects.toThrow(`${file.path} ended after`);
  });
});
