import { DataError } from '../../core/errors.js';
import type { Interval } from '../report-schema.js';
import type { Numbers } from '../metrics.js';
import { normalCdf, normalQuantile, twoSidedNormalPValue } from './normal.js';

/**
 * DeLong's test for the difference of two correlated AUCs measured on the same rows (DeLong,
 * DeLong & Clarke-Pearson, Biometrics 1988), as R's `pROC::roc.test(method = "delong",
 * paired = TRUE)` computes it, and the DeLong interval of one AUC (`pROC::ci.auc(method =
 * "delong")`). Placements are computed from one sort per model (the midrank idea of Sun & Xu,
 * IEEE SPL 2014): O(n log n). Ties count one half, as in `prepareMetrics`' AUC.
 *
 * A score is read as "higher means positive" (pROC's `direction = "<"`): a model worse than random
 * keeps its AUC below 0.5 instead of being flipped.
 */

/** Why DeLong's statistics do not exist for some rows. */
export interface DelongUndefined {
  defined: false;
  cases: number;
  controls: number;
  /** Plain-language reason, e.g. "1 positive row: DeLong's variance needs at least 2 of each class". */
  reason: string;
}

/** DeLong's comparison of two models' AUCs on the same rows. */
export interface DelongComparison {
  defined: true;
  /** Positive rows (label 1). */
  cases: number;
  /** Negative rows (label 0). */
  controls: number;
  /** AUC of the candidate's scores. */
  candidate: number;
  /** AUC of the champion's scores. */
  champion: number;
  /** candidate − champion. */
  delta: number;
  /** DeLong variance of each AUC and their covariance (pROC's `var(roc)` and `cov(roc1, roc2)`). */
  variance: { candidate: number; champion: number; covariance: number };
  /** DeLong standard error of the delta: sqrt(var(candidate) + var(champion) − 2·cov). */
  standardError: number;
  /** delta / standardError (0 when both are 0, as in pROC). */
  z: number;
  /** Two-sided p-value of H0: the two AUCs are equal, 2·Φ(−|z|). */
  pValue: number;
  /** Confidence of `interval`. */
  confidence: number;
  /** Two-sided normal interval of the delta: delta ± Φ⁻¹(1 − (1 − confidence)/2) · standardError. */
  interval: Interval;
}

/** DeLong's interval of one model's AUC. */
export interface DelongAuc {
  defined: true;
  cases: number;
  controls: number;
  auc: number;
  /** DeLong variance of the AUC. */
  variance: number;
  confidence: number;
  /** Normal interval auc ± z·sqrt(variance), clipped to [0, 1] like pROC. */
  interval: Interval;
}

/**
 * Each row's placement: for a positive row, the share of negative rows scored below it; for a
 * negative row, the share of positive rows scored above it (ties count one half). Their mean over
 * either class is the AUC.
 */
interface Placements {
  values: Float64Array;
  auc: number;
}

/** Counts the classes and checks that every label is 0 or 1. */
function countClasses(yTrue: Numbers): { cases: number; controls: number } {
  let cases = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i]!;
    if (y === 1) cases++;
    else if (y !== 0) throw new DataError(`yTrue[${i}] is ${y}; DeLong's test needs labels 0 (negative) or 1 (positive)`);
  }
  return { cases, controls: yTrue.length - cases };
}

function checkScores(name: string, scores: Numbers, rows: number): void {
  if (scores.length !== rows) throw new DataError(`${name} has ${scores.length} scores but yTrue has ${rows} rows`);
  for (let i = 0; i < rows; i++) {
    if (Number.isNaN(scores[i]!)) throw new DataError(`${name}[${i}] is NaN; every row needs a score`);
  }
}

/** Row indices by ascending score, and the end (exclusive) of each run of equal scores. */
function sortedBlocks(scores: Numbers): { order: Uint32Array; blockEnds: number[] } {
  const order = Uint32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const blockEnds: number[] = [];
  for (let i = 1; i <= order.length; i++) {
    if (i === order.length || scores[order[i]!]! !== scores[order[i - 1]!]!) blockEnds.push(i);
  }
  return { order, blockEnds };
}

function placements(yTrue: Numbers, scores: Numbers, cases: number, controls: number): Placements {
  const { order, blockEnds } = sortedBlocks(scores);
  const values = new Float64Array(yTrue.length);
  // First pass (ascending): negatives strictly below each block; second (descending): positives strictly above.
  let start = 0;
  let negativesBelow = 0;
  let area = 0;
  for (let b = 0; b < blockEnds.length; b++) {
    const end = blockEnds[b]!;
    let negatives = 0;
    for (let j = start; j < end; j++) if (yTrue[order[j]!] !== 1) negatives++;
    const casePlacement = (negativesBelow + 0.5 * negatives) / controls;
    for (let j = start; j < end; j++) {
      const row = order[j]!;
      if (yTrue[row] === 1) {
        values[row] = casePlacement;
        area += casePlacement;
      }
    }
    negativesBelow += negatives;
    start = end;
  }
  let end = yTrue.length;
  let positivesAbove = 0;
  for (let b = blockEnds.length - 1; b >= 0; b--) {
    const blockStart = b === 0 ? 0 : blockEnds[b - 1]!;
    let positives = 0;
    for (let j = blockStart; j < end; j++) if (yTrue[order[j]!] === 1) positives++;
    const controlPlacement = (positivesAbove + 0.5 * positives) / cases;
    for (let j = blockStart; j < end; j++) {
      const row = order[j]!;
      if (yTrue[row] !== 1) values[row] = controlPlacement;
    }
    positivesAbove += positives;
    end = blockStart;
  }
  return { values, auc: area / cases };
}

/** Sample covariance (denominator count − 1) of two models' placements over the rows of one class. */
function placementCovariance(yTrue: Numbers, label: 0 | 1, a: Placements, b: Placements, count: number): number {
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if ((yTrue[i] === 1 ? 1 : 0) !== label) continue;
    sum += (a.values[i]! - a.auc) * (b.values[i]! - b.auc);
  }
  return sum / (count - 1);
}

/** DeLong variance components: S = S10/cases + S01/controls for the pair (a, b). */
function delongCovariance(yTrue: Numbers, a: Placements, b: Placements, cases: number, controls: number): number {
  return placementCovariance(yTrue, 1, a, b, cases) / cases + placementCovariance(yTrue, 0, a, b, controls) / controls;
}

function undefinedReason(cases: number, controls: number): string | undefined {
  if (cases >= 2 && controls >= 2) return undefined;
  const few = cases < 2 ? `${cases} positive row${cases === 1 ? '' : 's'}` : `${controls} negative row${controls === 1 ? '' : 's'}`;
  return `${few}: DeLong's variance needs at least 2 rows of each class`;
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1 (exclusive), got ${confidence}`);
}

/** The two-sided normal critical value for a confidence level, e.g. 1.959964 for 0.95. */
function criticalValue(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/**
 * DeLong's paired test of candidate AUC − champion AUC on the same rows (`yTrue` 0/1, one score
 * per row from each model; higher means positive). Matches `pROC::roc.test(roc_candidate,
 * roc_champion, method = "delong", paired = TRUE, conf.level = confidence)` for the statistic,
 * p-value and interval. Undefined (with the reason) when either class has fewer than 2 rows, where
 * DeLong's variance does not exist. Throws a DataError for labels other than 0/1, NaN scores or
 * mismatched lengths.
 */
export function delongTest(
  yTrue: Numbers,
  candidateScores: Numbers,
  championScores: Numbers,
  confidence = 0.95,
): DelongComparison | DelongUndefined {
  checkConfidence(confidence);
  const { cases, controls } = countClasses(yTrue);
  checkScores('candidate scores', candidateScores, yTrue.length);
  checkScores('champion scores', championScores, yTrue.length);
  const reason = undefinedReason(cases, controls);
  if (reason !== undefined) return { defined: false, cases, controls, reason };
  const a = placements(yTrue, candidateScores, cases, controls);
  const b = placements(yTrue, championScores, cases, controls);
  // var(a − b) from the placement differences directly: never negative, unlike S11 + S22 − 2·S12 in floats.
  const difference: Placements = {
    values: a.values.map((value, i) => value - b.values[i]!),
    auc: a.auc - b.auc,
  };
  const variance = delongCovariance(yTrue, difference, difference, cases, controls);
  const delta = a.auc - b.auc;
  const standardError = Math.sqrt(variance);
  const z = delta === 0 && standardError === 0 ? 0 : delta / standardError;
  const half = criticalValue(confidence) * standardError;
  return {
    defined: true,
    cases,
    controls,
    candidate: a.auc,
    champion: b.auc,
    delta,
    variance: {
      candidate: delongCovariance(yTrue, a, a, cases, controls),
      champion: delongCovariance(yTrue, b, b, cases, controls),
      covariance: delongCovariance(yTrue, a, b, cases, controls),
    },
    standardError,
    z,
    pValue: twoSidedNormalPValue(z),
    confidence,
    interval: { low: delta - half, high: delta + half },
  };
}

/**
 * The AUC of one model with DeLong's variance and interval, like `pROC::ci.auc(roc, method =
 * "delong", conf.level = confidence)` and `pROC::var(roc, method = "delong")`. Undefined (with
 * the reason) when either class has fewer than 2 rows.
 */
export function delongAuc(yTrue: Numbers, scores: Numbers, confidence = 0.95): DelongAuc | DelongUndefined {
  checkConfidence(confidence);
  const { cases, controls } = countClasses(yTrue);
  checkScores('scores', scores, yTrue.length);
  const reason = undefinedReason(cases, controls);
  if (reason !== undefined) return { defined: false, cases, controls, reason };
  const p = placements(yTrue, scores, cases, controls);
  const variance = delongCovariance(yTrue, p, p, cases, controls);
  const half = criticalValue(confidence) * Math.sqrt(variance);
  const clip = (value: number) => Math.min(1, Math.max(0, value));
  return { defined: true, cases, controls, auc: p.auc, variance, confidence, interval: { low: clip(p.auc - half), high: clip(p.auc + half) } };
}

/**
 * One-sided p-value of H0 "the candidate's AUC is at most `maxRegression` below the champion's"
 * (true delta ≥ −maxRegression) against "it fell by more", from DeLong's normal approximation:
 * Φ((delta + maxRegression) / standardError). With a zero standard error it is 0 when the observed
 * drop exceeds the threshold and 1 otherwise. Small values mean the drop beyond the threshold is real.
 */
export function delongRegressionPValue(comparison: DelongComparison, maxRegression: number): number {
  if (!(maxRegression >= 0)) throw new RangeError(`maxRegression must be ≥ 0, got ${maxRegression}`);
  const margin = comparison.delta + maxRegression;
  if (comparison.standardError === 0) return margin < 0 ? 0 : 1;
  return normalCdf(margin / comparison.standardError);
}
