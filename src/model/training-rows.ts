import { seededPermutation, type Random } from '../core/rng.js';

/**
 * How the trainer reads rows: the training split epoch by epoch in training order, the
 * validation split in a fixed order, both as chunks of encoded rows. The rows may be in memory or
 * in an encoded file on disk (src/model/encoded-matrix.ts); the trainer regroups chunks into
 * whole batches, so the batches do not depend on the chunk sizes.
 */

/** Encoded rows: `x` is rows × input_width, `y` rows × output width, both row-major. */
export interface EncodedSplit {
  x: Float32Array;
  y: Float32Array;
  rows: number;
}

/** The training split. A chunk is valid until the next one is requested (sources reuse buffers). */
export interface TrainingRows {
  rows: number;
  /** One epoch's rows in training order, shuffled with `random` (the trainer's seeded generator). */
  epoch(epoch: number, random: Random): AsyncIterable<EncodedSplit>;
}

/** The validation split, for the watched value of early stopping. */
export interface ValidationRows {
  rows: number;
  /** The rows, always in the same order. A chunk is valid until the next one is requested. */
  chunks(): AsyncIterable<EncodedSplit>;
  /** The targets as metrics read them, in the same order: 0/1, class index, or value in target units. */
  targets: Float64Array;
}

/** Rows per chunk handed out by the in-memory sources. */
const chunkRows = 8192;

/** Training rows held in memory: each epoch is a seeded permutation of all rows. */
export function inMemoryTrainingRows(split: EncodedSplit): TrainingRows {
  const width = split.rows > 0 ? split.x.length / split.rows : 0;
  const outputs = split.rows > 0 ? split.y.length / split.rows : 0;
  return {
    rows: split.rows,
    async *epoch(_epoch, random) {
      const order = seededPermutation(split.rows, random);
      const x = new Float32Array(Math.min(chunkRows, split.rows) * width);
      const y = new Float32Array(Math.min(chunkRows, split.rows) * outputs);
      for (let start = 0; start < split.rows; start += chunkRows) {
        const rows = Math.min(chunkRows, split.rows - start);
        for (let i = 0; i < rows; i++) {
          const source = order[start + i]!;
          x.set(split.x.subarray(source * width, (source + 1) * width), i * width);
          y.set(split.y.subarray(source * outputs, (source + 1) * outputs), i * outputs);
        }
        yield { x: x.subarray(0, rows * width), y: y.subarray(0, rows * outputs), rows };
      }
    },
  };
}

/** Validation rows held in memory. */
export function inMemoryValidationRows(split: EncodedSplit, targets: Float64Array): ValidationRows {
  return {
    rows: split.rows,
    targets,
    async *chunks() {
      if (split.rows > 0) yield split;
    },
  };
}
