/**
 * Counts of target classes per value of one feature, gathered in one streaming pass in bounded
 * memory: the input of the leakage check (leakage.ts), which needs no rows, only these tables.
 * Categorical features count per value (up to a bound, then one shared group); numeric features
 * count per distinct value while there are few, then per adjacent value range, merged so that
 * every range holds about the same number of rows.
 */

/** One group of rows: a category, a numeric value or a numeric range, with its rows per class. */
export interface ClassCountGroup {
  /** The category, or the value or range (`[1.5, 2.25]`) as text, for messages. */
  label: string;
  /** Numeric groups: the smallest and largest value in the group. */
  low: number;
  high: number;
  /** Rows per class index. */
  counts: Float64Array;
}

/** Rows per class for each group of one feature's values, plus the rows where it is missing. */
export interface ClassCountTable {
  kind: 'numeric' | 'categorical';
  /** Number of classes (class indices 0 … classes − 1). */
  classes: number;
  /**
   * Numeric: ascending, non-overlapping. Categorical: the known vocabulary's values that occur (in
   * its order), then the others in first-seen order.
   */
  groups: ClassCountGroup[];
  /** Rows per class where the feature is missing. */
  missing: Float64Array;
  /**
   * Numeric: whether every group is one value (false once values were merged into ranges, whose
   * inner order is then unknown). Categorical: whether every value has its own group.
   */
  exact: boolean;
}

/** Distinct categories counted per feature; later new values share one group. */
export const maxCountedCategories = 10_000;
/** The label of the group shared by categories beyond {@link maxCountedCategories}. */
export const otherCategoriesLabel = '(other values)';

/**
 * Class counts per category of a categorical feature. Values of a known vocabulary (the config's,
 * as a row parser codes them) are counted in one dense array by code, with no lookup by text: a
 * validation pass adds every row.
 */
export class CategoryClassCounts {
  private readonly groups = new Map<string, Float64Array>();
  private readonly missing: Float64Array;
  private other: Float64Array | null = null;
  private readonly known: Float64Array;
  private readonly knownIndex: ReadonlyMap<string, number>;

  constructor(
    readonly classes: number,
    private readonly maxCategories = maxCountedCategories,
    private readonly vocabulary: readonly string[] = [],
  ) {
    this.missing = new Float64Array(classes);
    this.known = new Float64Array(vocabulary.length * classes);
    this.knownIndex = new Map(vocabulary.map((value, code) => [value, code]));
  }

  /** Adds a row whose category is `vocabulary[code]`. */
  addKnown(code: number, classIndex: number): void {
    this.known[code * this.classes + classIndex]!++;
  }

  /** Adds a row: its category (null when missing) and its class index. */
  add(value: string | null, classIndex: number): void {
    if (value === null) {
      this.missing[classIndex]!++;
      return;
    }
    const code = this.knownIndex.get(value);
    if (code !== undefined) return this.addKnown(code, classIndex);
    let counts = this.groups.get(value);
    if (counts === undefined) {
      if (this.groups.size >= this.maxCategories) counts = this.other ??= new Float64Array(this.classes);
      else this.groups.set(value, (counts = new Float64Array(this.classes)));
    }
    counts[classIndex]!++;
  }

  table(): ClassCountTable {
    const groups: ClassCountGroup[] = [];
    this.vocabulary.forEach((label, code) => {
      const counts = this.known.slice(code * this.classes, (code + 1) * this.classes);
      if (counts.some((n) => n > 0)) groups.push({ label, low: Number.NaN, high: Number.NaN, counts });
    });
    for (const [label, counts] of this.groups) groups.push({ label, low: Number.NaN, high: Number.NaN, counts });
    if (this.other) groups.push({ label: otherCategoriesLabel, low: Number.NaN, high: Number.NaN, counts: this.other });
    return { kind: 'categorical', classes: this.classes, groups, missing: this.missing, exact: this.other === null };
  }
}

/** Default number of groups a numeric feature is kept in. */
export const defaultNumericGroups = 1024;

/** Class counts per value (or value range) of a numeric feature. */
export class NumericClassCounts {
  private groups: ClassCountGroup[] = [];
  private readonly missing: Float64Array;
  private readonly bufferValues: Float64Array;
  private readonly bufferClasses: Int32Array;
  private buffered = 0;
  private merged = false;

  constructor(
    readonly classes: number,
    private readonly capacity = defaultNumericGroups,
  ) {
    if (capacity < 8) throw new RangeError(`capacity must be at least 8, got ${capacity}`);
    this.missing = new Float64Array(classes);
    this.bufferValues = new Float64Array(capacity);
    this.bufferClasses = new Int32Array(capacity);
  }

  /** Adds a row: its value (NaN when missing) and its class index. */
  add(value: number, classIndex: number): void {
    if (Number.isNaN(value)) {
      this.missing[classIndex]!++;
      return;
    }
    this.bufferValues[this.buffered] = value;
    this.bufferClasses[this.buffered] = classIndex;
    if (++this.buffered === this.capacity) this.flush();
  }

  /**
   * The buffered (value, class) pairs in ascending order of value. With few classes, each class's
   * values are sorted natively (a typed array sort, no comparator) and the runs merged: several
   * times faster than sorting indices with a comparator, which remains for many classes.
   */
  private sortedBuffer(): { values: Float64Array; classes: Int32Array } {
    const n = this.buffered;
    const values = new Float64Array(n);
    const classes = new Int32Array(n);
    if (this.classes > 8) {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.bufferValues[a]! - this.bufferValues[b]! || a - b);
      order.forEach((i, k) => {
        values[k] = this.bufferValues[i]!;
        classes[k] = this.bufferClasses[i]!;
      });
      return { values, classes };
    }
    const runs: Float64Array[] = [];
    for (let c = 0; c < this.classes; c++) {
      let size = 0;
      for (let i = 0; i < n; i++) if (this.bufferClasses[i] === c) size++;
      const run = new Float64Array(size);
      for (let i = 0, k = 0; i < n; i++) if (this.bufferClasses[i] === c) run[k++] = this.bufferValues[i]!;
      runs.push(run.sort());
    }
    const at = new Int32Array(this.classes);
    for (let k = 0; k < n; k++) {
      let best = -1;
      for (let c = 0; c < runs.length; c++) if (at[c]! < runs[c]!.length && (best < 0 || runs[c]![at[c]!]! < runs[best]![at[best]!]!)) best = c;
      values[k] = runs[best]![at[best]!++]!;
      classes[k] = best;
    }
    return { values, classes };
  }

  /** Merges the buffered values into the groups (sorted merge), then halves the groups if there are too many. */
  private flush(): void {
    const sorted = this.sortedBuffer();
    const out: ClassCountGroup[] = [];
    let j = 0;
    for (let k = 0; k < this.buffered; k++) {
      const value = sorted.values[k]!;
      const classIndex = sorted.classes[k]!;
      while (j < this.groups.length && this.groups[j]!.high < value) out.push(this.groups[j++]!);
      const pending = this.groups[j];
      const last = out[out.length - 1];
      if (pending !== undefined && pending.low <= value) pending.counts[classIndex]!++;
      else if (last !== undefined && last.high === value) last.counts[classIndex]!++;
      else {
        const counts = new Float64Array(this.classes);
        counts[classIndex] = 1;
        out.push({ label: '', low: value, high: value, counts });
      }
    }
    while (j < this.groups.length) out.push(this.groups[j++]!);
    this.groups = out.length > this.capacity ? this.halve(out) : out;
    this.buffered = 0;
  }

  /**
   * Merges adjacent groups greedily while a merged group stays within an equal share of the rows
   * (total / (capacity/2 − 1)): a single heavy value keeps its own group, sparse ranges merge.
   */
  private halve(groups: ClassCountGroup[]): ClassCountGroup[] {
    this.merged = true;
    const totals = groups.map((g) => g.counts.reduce((a, b) => a + b, 0));
    const budget = totals.reduce((a, b) => a + b, 0) / (Math.floor(this.capacity / 2) - 1);
    const out: ClassCountGroup[] = [];
    let current = groups[0]!;
    let currentTotal = totals[0]!;
    for (let i = 1; i < groups.length; i++) {
      const next = groups[i]!;
      if (currentTotal + totals[i]! <= budget) {
        current = { label: '', low: current.low, high: next.high, counts: current.counts.map((c, k) => c + next.counts[k]!) };
        currentTotal += totals[i]!;
      } else {
        out.push(current);
        current = next;
        currentTotal = totals[i]!;
      }
    }
    out.push(current);
    return out;
  }

  table(): ClassCountTable {
    if (this.buffered > 0) this.flush();
    const groups = this.groups.map((g) => ({ ...g, label: g.low === g.high ? String(g.low) : `[${g.low}, ${g.high}]` }));
    return { kind: 'numeric', classes: this.classes, groups, missing: this.missing, exact: !this.merged };
  }
}
