import { readFileSync } from 'node:fs';

/** The parts of tests/fixtures/reference/metric_reference_values.json the evaluation tests use (sklearn 1.2.1). */
export interface MetricReference {
  auc_doc_example: {
    y_true: number[];
    y_score: number[];
    roc_auc: number;
    roc_curve: { fpr: number[]; tpr: number[]; thresholds: number[] };
  };
  auc_with_ties: { y_true: number[]; y_score: number[]; roc_auc: number };
  binary_metrics_small: {
    y_true: number[];
    y_prob: number[];
    threshold: number;
    accuracy: number;
    precision: number;
    recall: number;
    f1: number;
    roc_auc: number;
    log_loss: number;
    brier: number;
  };
  regression_doc_example: { y_true: number[]; y_pred: number[]; mae: number; rmse: number; r2: number };
}

/** Reads the reference file from disk (the real fixture, not a copy). */
export function loadMetricReference(): MetricReference {
  const path = new URL('../fixtures/reference/metric_reference_values.json', import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8')) as MetricReference;
}
