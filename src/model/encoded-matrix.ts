import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { seededPermutation } from '../core/rng.js';
import type { EncodedSplit, TrainingRows, ValidationRows } from './training-rows.js';

/**
 * Encoded rows on disk, for training on more rows than fit in memory: one file per split, each
 * row its `width` encoded inputs then its `outputs` encoded targets, all little-endian Float32,
 * row after row (4 × (width + outputs) bytes a row). Written once by the encoding pass, read
 * block by block each epoch, so memory holds a window of rows whatever the row count.
 */

/** One split's encoded file. */
export interface EncodedFile {
  path: string;
  rows: number;
  width: number;
  outputs: number;
}

/** Bytes of one encoded row. */
export function encodedRowBytes(width: number, outputs: number): number {
  return 4 * (width + outputs);
}

/** Appends encoded rows to a new file (created or truncated). */
export class EncodedMatrixWriter {
  private readonly fd: number;
  private rows = 0;
  private closed = false;

  constructor(
    readonly path: string,
    readonly width: number,
    readonly outputs: number,
  ) {
    this.fd = openSync(path, 'w');
  }

  /** Writes `rows` rows: `x` is rows × width, `y` rows × outputs. */
  append(x: Float32Array, y: Float32Array, rows: number): void {
    const stride = this.width + this.outputs;
    const out = new Float32Array(rows * stride);
    for (let r = 0; r < rows; r++) {
      out.set(x.subarray(r * this.width, (r + 1) * this.width), r * stride);
      out.set(y.subarray(r * this.outputs, (r + 1) * this.outputs), r * stride + this.width);
    }
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    for (let written = 0; written < bytes.length; ) written += writeSync(this.fd, bytes, written, bytes.length - written);
    this.rows += rows;
  }

  /** Closes the file and describes it. */
  close(): EncodedFile {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    return { path: this.path, rows: this.rows, width: this.width, outputs: this.outputs };
  }
}

/** Reads rows [start, start + rows) of an encoded file into `into` (interleaved as stored). */
function readRows(fd: number, file: EncodedFile, start: number, rows: number, into: Float32Array): void {
  const rowBytes = encodedRowBytes(file.width, file.outputs);
  const bytes = new Uint8Array(into.buffer, into.byteOffset, rows * rowBytes);
  let done = 0;
  while (done < bytes.length) {
    const read = readSync(fd, bytes, done, bytes.length - done, start * rowBytes + done);
    if (read === 0) throw new Error(`${file.path} ended after ${start + Math.floor(done / rowBytes)} rows; expected ${file.rows}`);
    done += read;
  }
}

/** Rows handed to the trainer at a time. */
const chunkRows = 8192;

/** How an epoch is shuffled: blocks of rows in a seeded order, then rows within a window of blocks. */
export interface BlockShuffle {
  /** Rows per block: the unit read from disk. */
  blockRows: number;
  /** Blocks shuffled together: the window held in memory (blockRows × windowBlocks rows). */
  windowBlocks: number;
}

/** 4,096-row blocks, 16 at a time: a 65,536-row window (about 13 MB at 50 inputs). */
export const defaultBlockShuffle: BlockShuffle = { blockRows: 4096, windowBlocks: 16 };

/**
 * Training rows read from an encoded file. Each epoch visits the blocks in a seeded random order;
 * each window of `windowBlocks` consecutive blocks of that order is read into memory and its rows
 * are handed out in a seeded random permutation. Every row is seen once per epoch; two rows of
 * different windows never swap places, which costs nothing measurable for SGD when a window holds
 * many batches, and keeps memory at one window.
 */
export function fileTrainingRows(file: EncodedFile, shuffle: BlockShuffle = defaultBlockShuffle): TrainingRows {
  const { width, outputs } = file;
  const stride = width + outputs;
  return {
    rows: file.rows,
    async *epoch(_epoch, random) {
      const blocks = Math.ceil(file.rows / shuffle.blockRows);
      const order = seededPermutation(blocks, random);
      const windowRows = Math.min(file.rows, shuffle.blockRows * shuffle.windowBlocks);
      const window = new Float32Array(windowRows * stride);
      const x = new Float32Array(Math.min(chunkRows, windowRows) * width);
      const y = new Float32Array(Math.min(chunkRows, windowRows) * outputs);
      const fd = openSync(file.path, 'r');
      try {
        for (let first = 0; first < blocks; first += shuffle.windowBlocks) {
          let held = 0;
          for (let b = first; b < Math.min(blocks, first + shuffle.windowBlocks); b++) {
            const start = order[b]! * shuffle.blockRows;
            const rows = Math.min(shuffle.blockRows, file.rows - start);
            readRows(fd, file, start, rows, window.subarray(held * stride));
            held += rows;
          }
          const permutation = seededPermutation(held, random);
          for (let from = 0; from < held; from += chunkRows) {
            const rows = Math.min(chunkRows, held - from);
            for (let i = 0; i < rows; i++) {
              const source = permutation[from + i]! * stride;
              x.set(window.subarray(source, source + width), i * width);
              y.set(window.subarray(source + width, source + stride), i * outputs);
            }
            yield { x: x.subarray(0, rows * width), y: y.subarray(0, rows * outputs), rows };
          }
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Validation rows read from an encoded file in file order, chunk by chunk. */
export function fileValidationRows(file: EncodedFile, targets: Float64Array): ValidationRows {
  return {
    rows: file.rows,
    targets,
    chunks: () => readChunks(file),
  };
}

/** Every row of an encoded file in order, as chunks of at most 8,192 rows. */
export async function* readChunks(file: EncodedFile): AsyncIterable<EncodedSplit> {
  const { width, outputs } = file;
  const stride = width + outputs;
  const buffer = new Float32Array(Math.min(chunkRows, file.rows) * stride);
  const x = new Float32Array(Math.min(chunkRows, file.rows) * width);
  const y = new Float32Array(Math.min(chunkRows, file.rows) * outputs);
  const fd = openSync(file.path, 'r');
  try {
    for (let start = 0; start < file.rows; start += chunkRows) {
      const rows = Math.min(chunkRows, file.rows - start);
      readRows(fd, file, start, rows, buffer);
      for (let i = 0; i < rows; i++) {
        x.set(buffer.subarray(i * stride, i * stride + width), i * width);
        y.set(buffer.subarray(i * stride + width, (i + 1) * stride), i * outputs);
      }
      yield { x: x.subarray(0, rows * width), y: y.subarray(0, rows * outputs), rows };
    }
  } finally {
    closeSync(fd);
  }
}
