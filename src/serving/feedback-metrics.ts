import { Counter, Gauge, type Registry } from 'prom-client';
import type { QualitySnapshot } from '../monitoring/quality-schema.js';
import type { FeedbackHub } from './feedback.js';

/**
 * The Prometheus metrics of labels, the prediction log and live quality, computed when scraped
 * from the feedback hub and the served version's quality window. Registered beside the server's
 * other metrics (metrics.ts) when feedback is on; deploy/prometheus/ alerts on them.
 */

export interface FeedbackMetricsSources {
  hub: FeedbackHub;
  /** Live quality of the served version, or null before a model is loaded. */
  quality(): QualitySnapshot | null;
}

/** Registers the feedback metrics in a server's registry. */
export function registerFeedbackMetrics(registry: Registry, sources: FeedbackMetricsSources): void {
  const registers = [registry];
  const { hub } = sources;
  new Counter({
    name: 'mlops_feedback_labels_total',
    help: 'Labels received by POST /feedback, by outcome: accepted (recorded), duplicate (a label already given, not recorded again), rejected.',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      for (const outcome of ['accepted', 'duplicate', 'rejected'] as const) this.inc({ outcome }, hub.counts[outcome]);
    },
  });
  new Counter({
    name: 'mlops_feedback_unavailable_total',
    help: 'POST /feedback requests answered 503 because the prediction log could not be written.',
    registers,
    collect() {
      this.reset();
      this.inc(hub.counts.unavailable);
    },
  });
  new Gauge({
    name: 'mlops_feedback_held_predictions',
    help: 'Recent predictions that can still receive a label (at most feedback.max_predictions).',
    registers,
    collect() {
      this.set(hub.heldPredictions);
    },
  });
  new Gauge({
    name: 'mlops_prediction_log_bytes',
    help: 'Bytes the prediction log takes on disk (kept within feedback.max_bytes).',
    registers,
    collect() {
      this.set(hub.log.bytesOnDisk);
    },
  });
  new Gauge({
    name: 'mlops_prediction_log_writable',
    help: '1 while the prediction log can be written, 0 while it cannot (predictions go on unlogged, /feedback answers 503).',
    registers,
    collect() {
      this.set(hub.log.failure === null ? 1 : 0);
    },
  });
  new Counter({
    name: 'mlops_prediction_log_failures_total',
    help: 'Times the prediction log became unwritable.',
    registers,
    collect() {
      this.reset();
      this.inc(hub.log.failures);
    },
  });
  new Counter({
    name: 'mlops_prediction_log_dropped_total',
    help: 'Prediction records not logged because the log could not be written.',
    registers,
    collect() {
      this.reset();
      this.inc(hub.log.dropped);
    },
  });
  new Gauge({
    name: 'mlops_live_labelled_predictions',
    help: 'Labelled predictions of the served version in the live quality window (at most monitoring.quality.window_size).',
    registers,
    collect() {
      this.set(sources.quality()?.labelled ?? 0);
    },
  });
  new Gauge({
    name: 'mlops_live_quality',
    help: 'A metric of the served version over its labelled predictions (the metrics of evaluate: auc, accuracy, log_loss, rmse, ...).',
    labelNames: ['metric'],
    registers,
    collect() {
      this.reset();
      for (const [metric, value] of Object.entries(sources.quality()?.metrics ?? {})) this.set({ metric }, value);
    },
  });
  new Gauge({
    name: 'mlops_live_quality_slice',
    help: 'A metric of the served version over the labelled predictions of one slice (column = value).',
    labelNames: ['column', 'value', 'metric'],
    registers,
    collect() {
      this.reset();
      for (const [column, values] of Object.entries(sources.quality()?.slices ?? {})) {
        for (const [value, group] of Object.entries(values)) {
          for (const [metric, score] of Object.entries(group.metrics)) this.set({ column, value, metric }, score);
        }
      }
    },
  });
  new Gauge({
    name: 'mlops_live_quality_check_failed',
    help: '1 when a rule of monitoring.quality.rules fails on the live metrics (judged from monitoring.quality.min_labels labels on), else 0.',
    labelNames: ['metric', 'rule'],
    registers,
    collect() {
      this.reset();
      for (const check of sources.quality()?.checks ?? []) this.set({ metric: check.metric, rule: check.rule }, check.passed === false ? 1 : 0);
    },
  });
}
