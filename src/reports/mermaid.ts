import type { EvaluationReport } from '../evaluation/report-schema.js';

// PLACEHOLDER (owned by the charts work, issue 5): to be replaced with real Mermaid xychart-beta output.

/** A Mermaid `xychart-beta` block (fenced) with one bar per slice value of `metric`, candidate beside champion. */
export function renderSliceMetricChart(_report: EvaluationReport, _metric: string, _champion?: EvaluationReport | null): string {
  return '';
}

/** A Mermaid `xychart-beta` block (fenced) with the metric across versions, oldest first. */
export function renderMetricTrendChart(_points: readonly { version: string; value: number }[], _metric: string): string {
  return '';
}
