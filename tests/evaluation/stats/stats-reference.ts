import { readFileSync } from 'node:fs';

/** One case of tests/fixtures/reference/delong/delong-reference.json (R 4.2.2, pROC 1.18.0). */
export interface DelongReferenceCase {
  name: string;
  note: string;
  confidence: number;
  y_true: number[];
  scores_a: number[];
  scores_b: number[];
  cases: number;
  controls: number;
  auc_a: number;
  auc_b: number;
  var_a: number;
  var_b: number;
  cov_ab: number;
  z: number;
  p_value: number;
  delta_ci: [number, number];
  auc_a_ci: [number, number];
  auc_b_ci: [number, number];
  thresholds: number[];
  /** pnorm((delta + threshold) / se) with a as the candidate, from pROC's own delta and se; null when se = 0. */
  regression_p_a_candidate: (number | null)[];
  regression_p_b_candidate: (number | null)[];
}

/** tests/fixtures/reference/delong/normal-reference.json: R's pnorm and qnorm on a grid. */
export interface NormalReference {
  x: number[];
  pnorm: number[];
  p: number[];
  qnorm: number[];
}

/** Reads a committed reference file (relative to tests/fixtures/reference/). */
export function readReference<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/reference/${path}`, import.meta.url), 'utf8')) as T;
}

/** Relative difference |a − b| / max(|b|, tiny): for values that span many orders of magnitude. */
export function relativeDifference(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}
