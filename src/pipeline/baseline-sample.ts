import { createRandom, randomInt, type Random } from '../core/rng.js';
import type { DatasetRow } from '../data/load-dataset.js';
import { encodeFeatures, type PreprocessingSpec } from '../model/preprocessing.js';
import { metricTargets } from './test-rows.js';

/**
 * The training rows the in-run baselines are fitted on when evaluate streams the data: a seeded
 * uniform sample (reservoir sampling, Vitter's algorithm R) of at most `capacity` training rows,
 * held encoded (Float32 inputs through the candidate's preprocessing, Float64 metric targets), so
 * memory is bounded whatever the row count. The rows come back in the order of their keys, the
 * order the in-memory split gives (split.ts), so with at most `capacity` training rows the sample
 * is every training row in exactly that order and the fit is the in-memory fit, bit for bit.
 * Beyond, a linear model over a few dozen inputs is estimated from 100,000 rows as well as from
 * millions (its coefficients' sampling error is far below the gate's tolerance).
 */

/** Bytes the sample may hold at most (inputs, target, key order). */
export const baselineSampleBytes = 64 * 2 ** 20;

/** Rows the sample keeps at most for `width` encoded inputs: 100,000, or fewer for wide inputs (64 MiB). */
export function baselineSampleCapacity(width: number): number {
  return Math.max(1000, Math.min(100_000, Math.floor(baselineSampleBytes / (4 * width + 24))));
}

/** Rows encoded at a time (accepted rows wait in a buffer until then). */
const encodeBatchRows = 4096;

/** The first 52 bits of a row key (hex sha256): exact in a double, and ordered as the key text is. */
export function keyOrder(key: string): number {
  return Number.parseInt(key.slice(0, 13), 16);
}

export class BaselineSample {
  /** Training rows offered so far. */
  seen = 0;
  private readonly random: Random;
  private readonly inputs: Float32Array;
  private readonly targets: Float64Array;
  private readonly order: Float64Array;
  private readonly arrival: Float64Array;
  private pending: { row: DatasetRow; slot: number; arrival: number }[] = [];

  constructor(
    private readonly spec: PreprocessingSpec,
    seed: number,
    readonly capacity = baselineSampleCapacity(spec.input_width),
  ) {
    this.random = createRandom(seed);
    this.inputs = new Float32Array(capacity * spec.input_width);
    this.targets = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
    this.arrival = new Float64Array(capacity);
  }

  /** Offers one training row. */
  add(row: DatasetRow): void {
    const index = this.seen++;
    const slot = index < this.capacity ? index : randomInt(this.random, index + 1);
    if (slot >= this.capacity) return;
    this.pending.push({ row, slot, arrival: index });
    if (this.pending.length >= encodeBatchRows) this.flush();
  }

  /** Rows held. */
  get rows(): number {
    return Math.min(this.seen, this.capacity);
  }

  /** The sampled rows in key order: `x` rows × input_width, `y` their metric targets. */
  finish(): { x: Float32Array; y: Float64Array; rows: number } {
    this.flush();
    const rows = this.rows;
    const width = this.spec.input_width;
    const sorted = Uint32Array.from({ length: rows }, (_, i) => i).sort((a, b) => this.order[a]! - this.order[b]! || this.arrival[a]! - this.arrival[b]!);
    const x = new Float32Array(rows * width);
    const y = new Float64Array(rows);
    sorted.forEach((slot, i) => {
      x.set(this.inputs.subarray(slot * width, (slot + 1) * width), i * width);
      y[i] = this.targets[slot]!;
    });
    return { x, y, rows };
  }

  /** Encodes the waiting rows into their slots, in arrival order (a later row replaces an earlier one in the same slot). */
  private flush(): void {
    if (this.pending.length === 0) return;
    const width = this.spec.input_width;
    const rows = this.pending.map((p) => p.row);
    const x = encodeFeatures(this.spec, rows.map((row) => row.features));
    const y = metricTargets(this.spec, rows);
    this.pending.forEach(({ row, slot, arrival }, i) => {
      this.inputs.set(x.subarray(i * width, (i + 1) * width), slot * width);
      this.targets[slot] = y[i]!;
      this.order[slot] = keyOrder(row.key);
      this.arrival[slot] = arrival;
    });
    this.pending = [];
  }
}
