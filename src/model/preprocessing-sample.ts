import { createRandom, randomInt, type Random } from '../core/rng.js';
import type { FeatureRecord } from './preprocessing.js';

/**
 * The rows preprocessing is fitted on when the training split streams past instead of sitting in
 * memory: a seeded uniform sample (reservoir sampling, Vitter's algorithm R) of at most
 * `capacity` training rows, taken in the same pass that reads them. With at most `capacity`
 * training rows the sample is every row, so the fit is exactly the in-memory one; beyond, means,
 * deviations, medians and vocabularies come from a uniform sample of 50,000 rows, and memory stays
 * the same however many rows there are.
 */
export class TrainingSample {
  readonly records: FeatureRecord[] = [];
  readonly targets: (string | number)[] = [];
  /** Rows offered so far. */
  seen = 0;
  private readonly random: Random;

  constructor(
    seed: number,
    readonly capacity = 50_000,
  ) {
    this.random = createRandom(seed);
  }

  add(record: FeatureRecord, target: string | number): void {
    const index = this.seen++;
    if (index < this.capacity) {
      this.records.push(record);
      this.targets.push(target);
      return;
    }
    const slot = randomInt(this.random, index + 1);
    if (slot < this.capacity) {
      this.records[slot] = record;
      this.targets[slot] = target;
    }
  }
}
