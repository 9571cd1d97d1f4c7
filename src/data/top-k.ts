/**
 * The frequent values of a high-cardinality categorical column (zip codes, product ids), counted
 * in bounded memory, so that the column keeps its top K values plus the out-of-vocabulary input
 * instead of being dropped.
 *
 * Counting is SpaceSaving (Metwally, Agrawal & El Abbadi, "Efficient computation of frequent and
 * top-k elements in data streams", ICDT 2005) with m counters in a min-heap: a value already
 * counted is incremented; a new value takes a free counter, or else replaces the smallest one and
 * inherits its count (recorded as the new counter's `error`). Guarantees after N values: every
 * value that occurs more than N/m times has a counter; each counter's count is an upper bound of
 * its value's true count, and count − error a lower bound, with error ≤ N/m. While the column has
 * at most m distinct values nothing is ever replaced and every count is exact.
 */

/** Counters per column by default: exact up to 10,000 distinct values, about 1 MB. */
export const defaultTopKCapacity = 10_000;

/** One counted value. */
export interface CountedValue {
  value: string;
  /** Upper bound of the true count (the true count while {@link TopKCounter.exact}). */
  count: number;
  /** How much `count` may overstate: count − error ≤ true count ≤ count. */
  error: number;
}

/** SpaceSaving counters over a stream of values (see the module comment). */
export class TopKCounter {
  /** Values added. */
  total = 0;
  /** Values that replaced another counter (0 while every count is exact). */
  replacements = 0;
  private readonly values: string[] = [];
  private readonly counts: number[] = [];
  private readonly errors: number[] = [];
  private readonly position = new Map<string, number>();

  constructor(readonly capacity = defaultTopKCapacity) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** Whether every count is exact (no value has been replaced). */
  get exact(): boolean {
    return this.replacements === 0;
  }

  /** Distinct values counted now (at most the capacity). */
  get size(): number {
    return this.values.length;
  }

  add(value: string): void {
    this.total++;
    const at = this.position.get(value);
    if (at !== undefined) {
      this.counts[at]!++;
      this.siftDown(at);
      return;
    }
    if (this.values.length < this.capacity) {
      this.values.push(value);
      this.counts.push(1);
      this.errors.push(0);
      this.position.set(value, this.values.length - 1);
      this.siftUp(this.values.length - 1);
      return;
    }
    // Replace the smallest counter: the new value inherits its count as the error bound.
    this.replacements++;
    this.position.delete(this.values[0]!);
    const floor = this.counts[0]!;
    this.values[0] = value;
    this.errors[0] = floor;
    this.counts[0] = floor + 1;
    this.position.set(value, 0);
    this.siftDown(0);
  }

  /** The counted values, most frequent first (ties by value, so the order is deterministic). */
  entries(): CountedValue[] {
    return this.values
      .map((value, i) => ({ value, count: this.counts[i]!, error: this.errors[i]! }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  private less(a: number, b: number): boolean {
    return this.counts[a]! < this.counts[b]!;
  }

  private swap(a: number, b: number): void {
    const { values, counts, errors, position } = this;
    [values[a], values[b]] = [values[b]!, values[a]!];
    [counts[a], counts[b]] = [counts[b]!, counts[a]!];
    [errors[a], errors[b]] = [errors[b]!, errors[a]!];
    position.set(values[a]!, a);
    position.set(values[b]!, b);
  }

  private siftUp(at: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(at, parent)) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const size = this.values.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.less(right, left) ? right : left;
      if (!this.less(child, at)) return;
      this.swap(at, child);
      at = child;
    }
  }
}

/** Defaults of {@link chooseTopK}. */
export const topKDefaults = {
  /** Most values kept (each is one input of the network). */
  maxK: 1000,
  /**
   * Fewest rows a kept value must have: a one-hot input seen in fewer rows is fitted on a handful
   * of examples and learns noise; those rows do better in the shared out-of-vocabulary input.
   */
  minCount: 10,
} as const;

/** The values a column keeps, and why, for `mlops init`'s comment. */
export interface TopKChoice {
  /** Kept values, most frequent first: the vocabulary. */
  vocabulary: string[];
  /** Rows holding a kept value (lower bound when counts are approximate). */
  covered: number;
  total: number;
  explanation: string;
}

function percent(part: number, whole: number): string {
  return `${whole === 0 ? '0.0' : ((part / whole) * 100).toFixed(1)}%`;
}

/**
 * Chooses K: every value whose guaranteed count (count − error) reaches `minCount`, at most
 * `maxK` of them, most frequent first. The rest share the out-of-vocabulary input.
 */
export function chooseTopK(counter: TopKCounter, options: { maxK?: number; minCount?: number } = {}): TopKChoice {
  const maxK = options.maxK ?? topKDefaults.maxK;
  const minCount = options.minCount ?? topKDefaults.minCount;
  const entries = counter.entries();
  const eligible = entries.filter((e) => e.count - e.error >= minCount);
  const kept = eligible.slice(0, maxK);
  const covered = kept.reduce((sum, e) => sum + e.count - e.error, 0);
  const total = counter.total;
  const distinct = counter.exact ? `${entries.length.toLocaleString('en-US')} distinct` : `more than ${counter.capacity.toLocaleString('en-US')} distinct`;
  const rule = kept.length < eligible.length ? `the ${maxK.toLocaleString('en-US')} most frequent (the most kept)` : `the ${kept.length.toLocaleString('en-US')} seen in at least ${minCount} rows each`;
  const rest = total - covered;
  const counts = counter.exact ? '' : `; counts are approximate (SpaceSaving with ${counter.capacity.toLocaleString('en-US')} counters: each may overstate by at most ${Math.max(0, ...entries.map((e) => e.error)).toLocaleString('en-US')}), and values are kept by their guaranteed count`;
  const explanation =
    kept.length === 0
      ? `no value occurs in ${minCount} rows or more (${distinct} values in ${total.toLocaleString('en-US')} rows): every value would be out of vocabulary, so the column carries nothing to learn${counts}`
      : `keeps ${rule}, of ${distinct} values in ${total.toLocaleString('en-US')} rows: they cover ${percent(covered, total)} of the rows; the other values (${percent(rest, total)} of the rows) share the out-of-vocabulary input${counts}`;
  return { vocabulary: kept.map((e) => e.value), covered, total, explanation };
}
