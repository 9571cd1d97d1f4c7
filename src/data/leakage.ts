import type { ClassCountTable } from './class-counts.js';

/**
 * Suspected target leakage: a feature that alone predicts the target almost perfectly on the
 * training split, or is present (or missing) only for one class, is most likely recorded after
 * the outcome — a "cancel reason" filled in when a customer leaves — and gives a model that is
 * perfect in the pipeline and useless in production. The check works on class counts per
 * feature value (class-counts.ts), so it streams, and gives three pieces of evidence:
 *
 * 1. Single-feature AUC. Numeric: the value itself as the score, in whichever direction separates
 *    better (max(AUC, 1 − AUC)); missing values are left out (evidence 3 covers them). When
 *    values were merged into ranges, rows within a range are ties, and the exact AUC lies within
 *    ± half the share of (positive, negative) pairs that fall in one range: reported as bounds.
 *    If scoring by the rates of its values (below) separates better — a class in the middle of
 *    the range — that AUC is taken instead.
 *    Categorical: each row is scored by its value's rate of the class, leave-one-out (the row's
 *    own label is left out of the rate) and smoothed towards the overall rate (`smoothing`
 *    pseudo-rows): a value seen once scores exactly the overall rate, so an id column with a
 *    distinct value per row has AUC 0.5 instead of the 1.0 an in-sample rate would give, while a
 *    real leak, whose values hold many rows each, keeps its ~1.0. Missing is a value of its own.
 *    Binary: the positive class. Multiclass: one-vs-rest for each class; the verdict uses their
 *    mean (one class that a feature separates well is ordinary, every class is not), and the
 *    evidence names the best-separated class.
 * 2. The best single-feature rule: each value (numeric: each value or range) predicts its most
 *    frequent class (leave-one-out, as above), or for numeric features one threshold with a class
 *    on each side plus a class for missing, whichever is right more often. Its accuracy against always predicting the majority class, as the share of that
 *    baseline's errors it removes.
 * 3. Missingness by class: "present only for churned customers" — at least 99% of the rows that
 *    have a value (or that lack one) belong to one class, with enough rows of the others.
 */

/** When the evidence says "suspected". */
export interface LeakageThresholds {
  /** Single-feature AUC (binary) or mean one-vs-rest AUC (multiclass) at or above which a feature is suspected. */
  auc: number;
  /** Share of the majority baseline's errors that the best single-feature rule must remove to be suspected. */
  errorReduction: number;
  /** Largest share of other classes among the rows where a feature is present (or missing) for "only for one class". */
  presence: number;
  /** Fewest rows each class needs for the check to judge (fewer: not judged, said so). */
  minClassRows: number;
  /** Pseudo-rows of the overall rate mixed into each categorical value's leave-one-out rate. */
  smoothing: number;
}

/**
 * Defaults. The strongest honest single features of the datasets tested here stay far below
 * them: on the full telco churn data, `contract` and `tenure` reach AUC 0.74 and no single-feature
 * rule removes more than 8.3% of the errors; on the penguin fixture (multiclass) the best mean
 * one-vs-rest AUC is 0.90 (flipper length, though it separates Gentoo at 0.995) and the best rule
 * removes 68% of the errors. The leaky fixtures reach 1.0.
 */
export const defaultLeakageThresholds: LeakageThresholds = { auc: 0.98, errorReduction: 0.9, presence: 0.01, minClassRows: 20, smoothing: 1 };

/** What the check found for one feature. */
export interface LeakageEvidence {
  feature: string;
  kind: ClassCountTable['kind'];
  rows: number;
  /** Single-feature AUC (see the module comment); null when no row has a value. */
  auc: {
    /** Binary: the AUC; multiclass: the mean one-vs-rest AUC (what the verdict uses). */
    value: number;
    /** Bounds of the exact value when numeric values were merged into ranges (equal to `value` otherwise). */
    low: number;
    high: number;
    /** The class best separated and its one-vs-rest AUC. */
    bestClass: string;
    bestClassAuc: number;
  } | null;
  rule: { accuracy: number; baseline: number; errorReduction: number; description: string };
  /** Per class: rows and rows with a value. */
  presence: { class: string; rows: number; present: number }[];
  /** "present only for" / "missing only for" a class, or null. */
  missingness: { only: 'present' | 'missing'; class: string } | null;
}

/** The verdict for one feature. */
export interface LeakageVerdict {
  /** Whether there were enough rows of each class to judge. */
  judged: boolean;
  suspected: boolean;
  /** Why it is suspected (empty when not), or why it was not judged. */
  reasons: string[];
  evidence: LeakageEvidence;
  /** One line for `mlops init` and validation: the feature, the verdict and the evidence. */
  summary: string;
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

/** A scored block of rows: all rows in it share one score. */
interface Scored {
  score: number;
  positives: number;
  negatives: number;
}

/** Counts of (positive, negative) pairs of scored blocks: won (positive scored higher), tied, in all. */
function pairCounts(blocks: Scored[]): { wins: number; tied: number; pairs: number } {
  blocks.sort((a, b) => a.score - b.score);
  let positives = 0;
  let negatives = 0;
  for (const b of blocks) {
    positives += b.positives;
    negatives += b.negatives;
  }
  let below = 0;
  let wins = 0;
  let tied = 0;
  for (let i = 0; i < blocks.length; ) {
    let p = 0;
    let n = 0;
    const score = blocks[i]!.score;
    for (; i < blocks.length && blocks[i]!.score === score; i++) {
      p += blocks[i]!.positives;
      n += blocks[i]!.negatives;
    }
    wins += p * below;
    tied += p * n;
    below += n;
  }
  return { wins, tied, pairs: positives * negatives };
}

/**
 * One-vs-rest AUC of class `c` for a numeric table, scoring rows by their value in whichever
 * direction separates better (present values only), with the bounds of the exact AUC when values
 * were merged into ranges. NaN when a side has no rows.
 */
export function orderedAuc(table: ClassCountTable, c: number): { auc: number; low: number; high: number } {
  const blocks = table.groups.map((g, i) => ({ score: i, positives: g.counts[c]!, negatives: sum(g.counts) - g.counts[c]! }));
  const { wins, tied, pairs } = pairCounts(blocks);
  if (pairs === 0) return { auc: Number.NaN, low: Number.NaN, high: Number.NaN };
  const auc = (wins + tied / 2) / pairs;
  const tiedShare = tied / pairs;
  const flip = auc < 0.5;
  const value = flip ? 1 - auc : auc;
  // Ties of one exact value are real ties: the AUC is exact. Within merged ranges the order is unknown.
  const slack = table.exact ? 0 : tiedShare / 2;
  return { auc: value, low: Math.max(0, value - slack), high: Math.min(1, value + slack) };
}

/** Every group of a table, the missing rows as one more. */
function valueGroups(table: ClassCountTable): Float64Array[] {
  return [...table.groups.map((g) => g.counts), table.missing];
}

/**
 * One-vs-rest AUC of class `c` with leave-one-out smoothed rates as scores. A positive and a
 * negative row of the same value are a tie (the feature cannot tell them apart), although their
 * leave-one-out rates differ by one row; the sort counts those pairs as lost, so they are given
 * back as ties. Pairs across values compare leave-one-out rates, which for an uninformative
 * feature are independent of the rows' own labels: AUC 0.5 in expectation, whatever the number
 * of values.
 */
export function valueRateAuc(table: ClassCountTable, c: number, prior: number, smoothing: number): number {
  const blocks: Scored[] = [];
  let sameValue = 0;
  for (const counts of valueGroups(table)) {
    const n = sum(counts);
    const k = counts[c]!;
    if (n === 0) continue;
    const rate = (own: number) => (k - own + smoothing * prior) / (n - 1 + smoothing);
    if (k > 0) blocks.push({ score: rate(1), positives: k, negatives: 0 });
    if (n - k > 0) blocks.push({ score: rate(0), positives: 0, negatives: n - k });
    sameValue += k * (n - k);
  }
  const { wins, tied, pairs } = pairCounts(blocks);
  return pairs === 0 ? Number.NaN : (wins + tied / 2 + sameValue / 2) / pairs;
}

/** The class a group predicts for a row of class `y`, its own row left out; ties go to the more frequent class overall. */
function leaveOneOutPrediction(counts: Float64Array, y: number, priors: readonly number[], smoothing: number): number {
  let best = -1;
  let bestScore = -Infinity;
  for (let c = 0; c < counts.length; c++) {
    const score = counts[c]! - (c === y ? 1 : 0) + smoothing * priors[c]!;
    if (score > bestScore || (score === bestScore && priors[c]! > priors[best]!)) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** Rows a leave-one-out "each value predicts its most frequent class" rule gets right. */
function groupRuleCorrect(table: ClassCountTable, priors: readonly number[], smoothing: number): number {
  let correct = 0;
  for (const counts of valueGroups(table)) {
    for (let y = 0; y < counts.length; y++) if (counts[y]! > 0 && leaveOneOutPrediction(counts, y, priors, smoothing) === y) correct += counts[y]!;
  }
  return correct;
}

const groupRule = 'each value predicts its most frequent class (leave-one-out)';

/**
 * The best single-feature rule: correct rows and its description. Categorical: the per-value
 * rule. Numeric: the better of one threshold and the per-value (or per-range) rule, which also
 * catches a feature that encodes a class in the middle of its range.
 */
function bestRule(table: ClassCountTable, labels: readonly string[], priors: readonly number[], smoothing: number): { correct: number; description: string } {
  const grouped = { correct: groupRuleCorrect(table, priors, smoothing), description: groupRule };
  if (table.kind === 'categorical') return grouped;
  const threshold = thresholdRule(table, labels);
  return grouped.correct > threshold.correct ? grouped : threshold;
}

/** One threshold: groups before it predict one class, groups from it another; missing its own. */
function thresholdRule(table: ClassCountTable, labels: readonly string[]): { correct: number; description: string } {
  const k = table.classes;
  const total = new Float64Array(k);
  for (const g of table.groups) for (let c = 0; c < k; c++) total[c]! += g.counts[c]!;
  const left = new Float64Array(k);
  const missingCorrect = Math.max(...table.missing);
  let best = { correct: -1, at: 0 };
  for (let at = 0; at <= table.groups.length; at++) {
    if (at > 0) for (let c = 0; c < k; c++) left[c]! += table.groups[at - 1]!.counts[c]!;
    let leftBest = 0;
    let rightBest = 0;
    for (let c = 0; c < k; c++) {
      leftBest = Math.max(leftBest, left[c]!);
      rightBest = Math.max(rightBest, total[c]! - left[c]!);
    }
    if (leftBest + rightBest > best.correct) best = { correct: leftBest + rightBest, at };
  }
  const before = new Float64Array(k);
  for (let i = 0; i < best.at; i++) for (let c = 0; c < k; c++) before[c]! += table.groups[i]!.counts[c]!;
  const after = total.map((t, c) => t - before[c]!);
  const cut = best.at === 0 || best.at === table.groups.length ? null : table.groups[best.at - 1]!.high;
  const description =
    cut === null
      ? `one class for every value (${JSON.stringify(labels[argmax(total)])})`
      : `value ≤ ${cut} → ${JSON.stringify(labels[argmax(before)])}, above → ${JSON.stringify(labels[argmax(after)])}${sum(table.missing) > 0 ? `, missing → ${JSON.stringify(labels[argmax(table.missing)])}` : ''}`;
  return { correct: best.correct + missingCorrect, description };
}

/** "Present only for" or "missing only for" one class (see the module comment), or null. */
function missingnessOnlyFor(present: readonly number[], absent: readonly number[], labels: readonly string[], thresholds: LeakageThresholds) {
  for (const [only, side, other] of [['present', present, absent], ['missing', absent, present]] as const) {
    const total = sum(side);
    if (total < thresholds.minClassRows) continue;
    const c = argmax(side);
    const othersOnSide = total - side[c]!;
    const othersElsewhere = sum(other) - other[c]!;
    if (othersOnSide <= thresholds.presence * total && othersElsewhere >= thresholds.minClassRows) return { only, class: labels[c]! };
  }
  return null;
}

/**
 * Judges one feature's class counts (gathered on the training split) against the thresholds.
 * `labels` are the class names by index; for a binary task index 1 is the positive class.
 */
export function assessLeakage(feature: string, table: ClassCountTable, labels: readonly string[], thresholds: LeakageThresholds = defaultLeakageThresholds): LeakageVerdict {
  const k = table.classes;
  const classRows = new Float64Array(k);
  const presentRows = new Float64Array(k);
  for (const g of table.groups) for (let c = 0; c < k; c++) presentRows[c]! += g.counts[c]!;
  for (let c = 0; c < k; c++) classRows[c] = presentRows[c]! + table.missing[c]!;
  const rows = sum(classRows);
  const priors = Array.from(classRows, (n) => n / rows);
  const presence = labels.map((label, c) => ({ class: label, rows: classRows[c]!, present: presentRows[c]! }));
  const evaluated = k === 2 ? [1] : labels.map((_, c) => c);
  const aucs = evaluated.map((c) => {
    const byRate = valueRateAuc(table, c, priors[c]!, thresholds.smoothing);
    const rated = { auc: byRate, low: byRate, high: byRate };
    if (table.kind === 'categorical') return rated;
    // Numeric: the value's order, or its values' rates when they separate better (a class in the middle of the range).
    const ordered = orderedAuc(table, c);
    return Number.isNaN(ordered.auc) || byRate > ordered.auc ? rated : ordered;
  });
  const defined = aucs.map((a, i) => ({ ...a, c: evaluated[i]! })).filter((a) => !Number.isNaN(a.auc));
  const mean = (pick: (a: { auc: number; low: number; high: number }) => number) => defined.reduce((s, a) => s + pick(a), 0) / defined.length;
  const best = defined.reduce((b, a) => (b === null || a.auc > b.auc ? a : b), null as (typeof defined)[number] | null);
  const auc = best === null ? null : { value: mean((a) => a.auc), low: mean((a) => a.low), high: mean((a) => a.high), bestClass: labels[best.c]!, bestClassAuc: best.auc };
  const baselineCorrect = Math.max(...classRows);
  const { correct, description } = bestRule(table, labels, priors, thresholds.smoothing);
  const baseline = baselineCorrect / rows;
  const accuracy = correct / rows;
  const errorReduction = baseline >= 1 ? 0 : Math.max(0, (accuracy - baseline) / (1 - baseline));
  const missingness = missingnessOnlyFor(Array.from(presentRows), Array.from(table.missing), labels, thresholds);
  const evidence: LeakageEvidence = { feature, kind: table.kind, rows, auc, rule: { accuracy, baseline, errorReduction, description }, presence, missingness };

  const small = labels.filter((_, c) => classRows[c]! < thresholds.minClassRows);
  if (small.length > 0) {
    const reason = `not judged: ${small.map((l) => JSON.stringify(l)).join(', ')} ${small.length === 1 ? 'has' : 'have'} fewer than ${thresholds.minClassRows} training rows`;
    return { judged: false, suspected: false, reasons: [reason], evidence, summary: `"${feature}": ${reason}` };
  }
  const reasons: string[] = [];
  const aucText = auc === null ? 'no values' : `single-feature AUC ${auc.value.toFixed(3)}${auc.low !== auc.high ? ` (between ${auc.low.toFixed(3)} and ${auc.high.toFixed(3)})` : ''}${k > 2 ? ` (mean one-vs-rest; best "${auc.bestClass}" ${auc.bestClassAuc.toFixed(3)})` : ''}`;
  if (auc !== null && auc.value >= thresholds.auc) reasons.push(`${aucText} ≥ ${thresholds.auc}`);
  const ruleText = `the rule "${description}" is ${percent(accuracy)} accurate where always predicting ${JSON.stringify(labels[argmax(classRows)])} is ${percent(baseline)} (it removes ${percent(errorReduction)} of the errors)`;
  if (errorReduction >= thresholds.errorReduction) reasons.push(ruleText);
  const presenceText = presence.map((p) => `${percent(p.present / p.rows)} of ${JSON.stringify(p.class)} rows`).join(', ');
  if (missingness !== null) reasons.push(`${missingness.only} only for ${JSON.stringify(missingness.class)}: it has a value in ${presenceText}`);
  const suspected = reasons.length > 0;
  const summary = suspected
    ? `"${feature}" is suspected target leakage: ${reasons.join('; ')}. A feature known only after the outcome makes a model that is perfect here and useless in production; remove it (data.ignore_columns) unless it is known at prediction time`
    : `"${feature}": no sign of leakage (${aucText}; best rule removes ${percent(errorReduction)} of the errors; a value in ${presenceText})`;
  return { judged: true, suspected, reasons, evidence, summary };
}

