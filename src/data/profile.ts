import type { MlopsConfig } from '../config/schema.js';
import { fnv1a32 } from '../core/hash.js';
import { createRandom, randomInt, type Random } from '../core/rng.js';
import type { CategoricalProfile, ColumnProfile, DataProfile, DateTimeProfile, NumericProfile } from './profile-schema.js';
import { missingCode, outOfVocabularyCode, type RowParser } from './row-schema.js';

/**
 * The streaming data profile: fed one parsed row at a time, it keeps per-column counts, Welford
 * moments, a bounded reservoir sample for quantiles and histograms, and bounded category
 * counts, so memory stays flat however many rows the file has. The result is the `DataProfile`
 * of profile-schema.ts: the baseline that drift monitoring compares live traffic with.
 */

/** The quantiles every numeric profile reports, keyed as in the profile. */
export const quantileLevels: Readonly<Record<string, number>> = {
  p01: 0.01,
  p05: 0.05,
  p25: 0.25,
  p50: 0.5,
  p75: 0.75,
  p95: 0.95,
  p99: 0.99,
};

/** Values kept per numeric column; quantiles are exact up to this many values, sampled above. */
export const defaultSampleSize = 100_000;
/** Most frequent values listed per categorical column; the rest are summed in `other`. */
export const maxListedCategories = 1000;
/**
 * Distinct values counted per categorical column. Beyond this the column is an identifier in
 * all but name; further new values are summed in `other` without being told apart, which keeps
 * memory bounded (and `distinct` stops growing).
 */
export const maxTrackedCategories = 100_000;
/** Histogram bins for drift: deciles. */
export const histogramBins = 10;

/**
 * The q-quantile (0 ≤ q ≤ 1) of ascending values by linear interpolation between the two
 * nearest ranks: numpy's default (`method="linear"`), i.e. position (n - 1)·q.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile level must be within [0, 1], got ${q}`);
  const position = (n - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, n - 1);
  const fraction = position - lower;
  const low = sorted[lower]!;
  return fraction === 0 ? low : low + fraction * (sorted[upper]! - low);
}

/** The profile's quantiles (p01 … p99) of ascending values; empty for no values. */
export function quantilesOf(sorted: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  if (sorted.length === 0) return out;
  for (const [key, level] of Object.entries(quantileLevels)) out[key] = quantile(sorted, level);
  return out;
}

/**
 * The bin of `value` in a histogram with these edges. Bin i holds edges[i] ≤ v < edges[i+1];
 * the last bin also holds its upper edge. The first and last bins are open-ended: values below
 * the first edge fall in bin 0, values above the last edge in the last bin. Drift monitoring
 * must bin live values with this same function.
 */
export function binIndex(edges: readonly number[], value: number): number {
  const last = edges.length - 2;
  if (last <= 0) return 0;
  if (value < edges[1]!) return 0;
  if (value >= edges[last]!) return last;
  let low = 1;
  let high = last - 1;
  // Largest i with edges[i] <= value.
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (edges[mid]! <= value) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Distinct values of an ascending array, up to `limit + 1` of them (enough to know it exceeds `limit`). */
function distinctSorted(sorted: ArrayLike<number>, limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < sorted.length && out.length <= limit; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
  }
  return out;
}

/**
 * Histogram edges for drift from ascending values. Continuous data: the deciles (min, p10, …,
 * max), with repeated edges removed. Discrete data with at most {@link histogramBins} distinct
 * values: one bin per value, edges at the midpoints between neighbours (plus min and max), since
 * deduplicated deciles would merge e.g. a 0/1 column into one bin and hide any shift between
 * its values. A constant column gets one bin [v, v].
 */
export function histogramEdges(sorted: ArrayLike<number>): number[] {
  if (sorted.length === 0) return [];
  const distinct = distinctSorted(sorted, histogramBins);
  if (distinct.length === 1) return [distinct[0]!, distinct[0]!];
  if (distinct.length <= histogramBins) {
    const edges = [distinct[0]!];
    for (let i = 1; i < distinct.length; i++) edges.push((distinct[i - 1]! + distinct[i]!) / 2);
    edges.push(distinct[distinct.length - 1]!);
    return edges;
  }
  const edges: number[] = [];
  for (let i = 0; i <= histogramBins; i++) {
    const edge = quantile(sorted, i / histogramBins);
    if (edges.length === 0 || edge !== edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

/**
 * Counts ascending values into bins (see {@link binIndex}). When the values are a sample of
 * `total` values, the counts are scaled to `total` (largest remainder, so they sum to it
 * exactly): estimates of the counts of all values.
 */
export function histogramCounts(sorted: ArrayLike<number>, edges: readonly number[], total = sorted.length): number[] {
  if (edges.length < 2) return [];
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < sorted.length; i++) counts[binIndex(edges, sorted[i]!)]!++;
  if (total === sorted.length || sorted.length === 0) return counts;
  return scaleCounts(counts, total);
}

/** Scales counts to sum to `total`, rounding by largest remainder. */
export function scaleCounts(counts: readonly number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum === 0) return counts.map(() => 0);
  const exact = counts.map((c) => (c * total) / sum);
  const scaled = exact.map(Math.floor);
  let left = total - scaled.reduce((a, b) => a + b, 0);
  const order = exact.map((value, i) => ({ i, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    scaled[i]!++;
    left--;
  }
  return scaled;
}

/** Streaming statistics of one numeric column. */
export class NumericAccumulator {
  count = 0;
  missing = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly sample: number[] = [];
  private random: Random | null = null;

  /** `seed` drives the reservoir; the same data and seed always give the same profile. */
  constructor(
    private readonly seed: number,
    private readonly capacity = defaultSampleSize,
  ) {}

  add(value: number): void {
    this.count++;
    // Welford's update: numerically stable mean and sum of squared deviations in one pass.
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.sample.length < this.capacity) {
      this.sample.push(value);
    } else {
      // Reservoir sampling (Algorithm R): every value seen so far is kept with equal probability.
      this.random ??= createRandom(this.seed);
      const slot = randomInt(this.random, this.count);
      if (slot < this.capacity) this.sample[slot] = value;
    }
  }

  addMissing(): void {
    this.missing++;
  }

  /** Values held in the reservoir: at most the capacity, however many were added. */
  get sampleSize(): number {
    return this.sample.length;
  }

  /** Population standard deviation (ddof 0), or null with no values. */
  get std(): number | null {
    return this.count === 0 ? null : Math.sqrt(this.m2 / this.count);
  }

  toProfile(): NumericProfile {
    if (this.count === 0) {
      return { type: 'numeric', count: 0, missing: this.missing, min: null, max: null, mean: null, std: null, quantiles: {}, histogram: { edges: [], counts: [] }, sampled: false };
    }
    const sorted = Float64Array.from(this.sample).sort();
    const edges = histogramEdges(sorted);
    return {
      type: 'numeric',
      count: this.count,
      missing: this.missing,
      min: this.min,
      max: this.max,
      mean: this.mean,
      std: this.std,
      quantiles: quantilesOf(sorted),
      histogram: { edges, counts: histogramCounts(sorted, edges, this.count) },
      sampled: sorted.length < this.count,
    };
  }
}

/** Streaming counts of one categorical column, by vocabulary index and, outside it, by value. */
export class CategoricalAccumulator {
  count = 0;
  missing = 0;
  outOfVocabulary = 0;
  /** Counts of vocabulary values, by index. */
  readonly vocabularyCounts: Float64Array;
  private readonly unseen = new Map<string, number>();
  private untracked = 0;

  constructor(private readonly vocabulary: readonly string[]) {
    this.vocabularyCounts = new Float64Array(vocabulary.length);
  }

  /** Adds a value by its vocabulary index, or by its text when it is out of the vocabulary. */
  addCode(code: number, text: string): void {
    this.count++;
    if (code >= 0) {
      this.vocabularyCounts[code]!++;
      return;
    }
    this.outOfVocabulary++;
    const seen = this.unseen.get(text);
    if (seen !== undefined) this.unseen.set(text, seen + 1);
    else if (this.unseen.size < maxTrackedCategories) this.unseen.set(text, 1);
    else this.untracked++;
  }

  addMissing(): void {
    this.missing++;
  }

  /** Vocabulary values seen at least once. */
  presentValues(): string[] {
    return this.vocabulary.filter((_, i) => this.vocabularyCounts[i]! > 0);
  }

  toProfile(): CategoricalProfile {
    const entries: [string, number][] = [];
    this.vocabulary.forEach((value, i) => {
      if (this.vocabularyCounts[i]! > 0) entries.push([value, this.vocabularyCounts[i]!]);
    });
    for (const entry of this.unseen) entries.push(entry);
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const listed = entries.slice(0, maxListedCategories);
    const other = entries.slice(maxListedCategories).reduce((sum, [, n]) => sum + n, 0) + this.untracked;
    return {
      type: 'categorical',
      count: this.count,
      missing: this.missing,
      distinct: entries.length,
      // fromEntries defines own properties, so a value such as "__proto__" stays a plain key.
      frequencies: Object.fromEntries(listed),
      other,
      out_of_vocabulary: this.outOfVocabulary,
    };
  }
}

/** Metadata of the profiled file, added when the profile is finished. */
export interface ProfileMetadata {
  file: string;
  sha256: string;
  rows: number;
  valid_rows: number;
  columns: readonly string[];
  /** ISO timestamp; defaults to now. */
  created_at?: string;
}

/** Target labels in the order of {@link RowParser.targetCode}. */
export function targetLabels(task: MlopsConfig['task']): string[] | null {
  if (task.type === 'binary') return [task.negative_label, task.positive_label];
  if (task.type === 'multiclass') return [...task.classes];
  return null;
}

/** Counts and range of a datetime feature (values in epoch ms). */
export class DateTimeAccumulator {
  count = 0;
  missing = 0;
  private min = Infinity;
  private max = -Infinity;

  add(millis: number): void {
    this.count++;
    if (millis < this.min) this.min = millis;
    if (millis > this.max) this.max = millis;
  }

  addMissing(): void {
    this.missing++;
  }

  toProfile(): DateTimeProfile {
    const iso = (millis: number) => (this.count === 0 ? null : new Date(millis).toISOString());
    return { type: 'datetime', count: this.count, missing: this.missing, min: iso(this.min), max: iso(this.max) };
  }
}

/** One feature's accumulator. */
type FeatureAccumulator = NumericAccumulator | CategoricalAccumulator | DateTimeAccumulator;

/**
 * Builds a DataProfile from parsed rows: one accumulator per feature and one for the target
 * (categorical for classification, numeric for regression). Feed it valid rows only.
 */
export class ProfileBuilder {
  readonly features: FeatureAccumulator[];
  readonly target: NumericAccumulator | CategoricalAccumulator;
  private readonly names: readonly string[];

  constructor(config: MlopsConfig, sampleSize = defaultSampleSize) {
    this.names = config.features.map((f) => f.name);
    this.features = config.features.map((f): FeatureAccumulator => {
      if (f.type === 'numeric') return new NumericAccumulator(fnv1a32(f.name), sampleSize);
      if (f.type === 'datetime') return new DateTimeAccumulator();
      return new CategoricalAccumulator(f.vocabulary);
    });
    const labels = targetLabels(config.task);
    this.target = labels ? new CategoricalAccumulator(labels) : new NumericAccumulator(fnv1a32(config.data.target), sampleSize);
  }

  /** Adds the row a RowParser has just parsed (which must be valid). */
  add(row: RowParser): void {
    const features = this.features;
    for (let slot = 0; slot < features.length; slot++) {
      const accumulator = features[slot]!;
      const code = row.codes[slot]!;
      if (code === missingCode) accumulator.addMissing();
      else if (accumulator instanceof CategoricalAccumulator) accumulator.addCode(code, code === outOfVocabularyCode ? row.texts[slot]! : '');
      else accumulator.add(row.numbers[slot]!);
    }
    if (this.target instanceof NumericAccumulator) this.target.add(row.targetNumber);
    else this.target.addCode(row.targetCode, row.targetText);
  }

  /** The finished profile. */
  finish(metadata: ProfileMetadata): DataProfile {
    const features: Record<string, ColumnProfile> = Object.fromEntries(
      this.features.map((accumulator, i) => [this.names[i]!, accumulator.toProfile()] as const),
    );
    return {
      file: metadata.file,
      sha256: metadata.sha256,
      rows: metadata.rows,
      valid_rows: metadata.valid_rows,
      columns: [...metadata.columns],
      features,
      target: this.target.toProfile(),
      created_at: metadata.created_at ?? new Date().toISOString(),
    };
  }
}
