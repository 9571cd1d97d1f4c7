import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import type { Prediction, TargetTransform } from '../model/preprocessing.js';
import type { MonitoringSnapshot } from './api-schema.js';

/**
 * The server's Prometheus metrics (`GET /metrics`), in a registry of its own so that several
 * servers in one process (tests) do not share counters. Request metrics are updated per request
 * through cached label children; drift gauges and the model info are computed when scraped.
 */

/** What the scrape-time metrics read from the server. */
export interface MetricsSources {
  /** The current drift snapshot, or null before a model is loaded. */
  monitoring(): MonitoringSnapshot | null;
  /** The served model's identity, or null before a model is loaded. */
  model(): { name: string; version: string; champion: boolean; loadedAt: Date } | null;
  /** Out-of-vocabulary values counted since the server started, by feature. */
  outOfVocabularyTotals(): ReadonlyMap<string, number>;
}

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const sizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000, 5000, 10000];
const probabilityBuckets = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** The metrics of one server. */
export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route'>;
  private readonly errors: Counter<'kind'>;
  private readonly instances: Counter;
  private readonly predictionLabels: Counter<'label'>;
  private readonly predictionProbability: BulkHistogram;
  private readonly predictionValue: Summary;
  private readonly batchRows: Histogram;
  private readonly batchRequests: Histogram;
  private readonly batchSeconds: Histogram;
  private readonly modelLoads: Counter<'outcome'>;
  private readonly loadFailures: Counter<'version'>;
  private readonly requestChildren = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<'route'> }>();
  private readonly errorChildren = new Map<string, Counter.Internal>();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'mlops_http_requests_total', help: 'HTTP requests answered, by route, method and status.', labelNames: ['route', 'method', 'status'], registers });
    this.duration = new Histogram({ name: 'mlops_http_request_duration_seconds', help: 'Time from request to response, by route.', labelNames: ['route'], buckets: latencyBuckets, registers });
    this.errors = new Counter({ name: 'mlops_http_errors_total', help: 'Error responses by kind (the error code of the JSON body).', labelNames: ['kind'], registers });
    this.instances = new Counter({ name: 'mlops_predicted_instances_total', help: 'Instances scored.', registers });
    this.predictionLabels = new Counter({ name: 'mlops_predictions_total', help: 'Predictions by predicted label (classification).', labelNames: ['label'], registers });
    this.predictionProbability = new BulkHistogram(
      'mlops_prediction_probability',
      'Binary: P(positive) per prediction; multiclass: probability of the predicted class.',
      probabilityBuckets,
    );
    // prom-client takes any object with its metric interface; its Histogram has no bulk observe.
    this.registry.registerMetric(this.predictionProbability as unknown as Histogram);
    this.predictionValue = new Summary({
      name: 'mlops_prediction_value',
      help: 'Regression: quantiles of the predicted values over the last 10 minutes.',
      percentiles: [0.01, 0.1, 0.5, 0.9, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    });
    this.batchRows = new Histogram({ name: 'mlops_batch_rows', help: 'Rows per tensor predict (micro-batching).', buckets: sizeBuckets, registers });
    this.batchRequests = new Histogram({ name: 'mlops_batch_requests', help: 'Requests coalesced into one tensor predict.', buckets: sizeBuckets, registers });
    this.batchSeconds = new Histogram({ name: 'mlops_batch_predict_seconds', help: 'Time of one encode + tensor predict.', buckets: latencyBuckets, registers });
    this.modelLoads = new Counter({ name: 'mlops_model_loads_total', help: 'Model loads by outcome: loaded (now serving) or refused (unreadable or inconsistent).', labelNames: ['outcome'], registers });
    this.loadFailures = new Counter({ name: 'mlops_model_load_failures_total', help: 'Versions refused by the server, by version.', labelNames: ['version'], registers });

    new Gauge({
      name: 'mlops_model_info',
      help: 'The served model: always 1, labelled with its name, version and whether it is the registry champion.',
      labelNames: ['name', 'version', 'champion'],
      registers,
      collect() {
        this.reset();
        const model = sources.model();
        if (model) this.set({ name: model.name, version: model.version, champion: String(model.champion) }, 1);
      },
    });
    new Gauge({
      name: 'mlops_model_loaded_timestamp_seconds',
      help: 'When the served model was loaded (Unix time).',
      registers,
      collect() {
        const model = sources.model();
        this.set(model ? model.loadedAt.getTime() / 1000 : 0);
      },
    });
    new Gauge({
      name: 'mlops_feature_drift',
      help: 'Drift score of a feature against the training profile: psi and js (Jensen–Shannon divergence, base 2) for numeric features, linf for categorical ones.',
      labelNames: ['feature', 'metric'],
      registers,
      collect() {
        this.reset();
        for (const feature of sources.monitoring()?.features ?? []) {
          if (feature.psi !== undefined) this.set({ feature: feature.name, metric: 'psi' }, feature.psi);
          if (feature.js !== undefined) this.set({ feature: feature.name, metric: 'js' }, feature.js);
          if (feature.linf !== undefined) this.set({ feature: feature.name, metric: 'linf' }, feature.linf);
        }
      },
    });
    new Gauge({
      name: 'mlops_feature_drifted',
      help: '1 when a score of the feature passed its threshold (with at least monitoring.min_samples values), else 0.',
      labelNames: ['feature'],
      registers,
      collect() {
        this.reset();
        for (const feature of sources.monitoring()?.features ?? []) this.set({ feature: feature.name }, feature.drifted ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mlops_feature_missing_rate',
      help: 'Share of missing values of a feature in the drift window.',
      labelNames: ['feature'],
      registers,
      collect() {
        this.reset();
        for (const feature of sources.monitoring()?.features ?? []) this.set({ feature: feature.name }, feature.missing_rate);
      },
    });
    new Gauge({
      name: 'mlops_feature_out_of_vocabulary_rate',
      help: 'Share of values of a categorical feature outside the training vocabulary, in the drift window.',
      labelNames: ['feature'],
      registers,
      collect() {
        this.reset();
        for (const feature of sources.monitoring()?.features ?? []) {
          if (feature.out_of_vocabulary_rate !== undefined) this.set({ feature: feature.name }, feature.out_of_vocabulary_rate);
        }
      },
    });
    new Counter({
      name: 'mlops_out_of_vocabulary_total',
      help: 'Categorical values outside the training vocabulary (served through the OOV slot), by feature.',
      labelNames: ['feature'],
      registers,
      collect() {
        this.reset();
        for (const [feature, total] of sources.outOfVocabularyTotals()) this.inc({ feature }, total);
      },
    });
    new Gauge({
      name: 'mlops_drift_window_instances',
      help: 'Instances in the drift window.',
      registers,
      collect() {
        this.set(sources.monitoring()?.window.instances ?? 0);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts one answered request and its latency (null: unknown, counted without a latency). */
  observeRequest(route: string, method: string, status: number, seconds: number | null): void {
    const key = `${route} ${method} ${status}`;
    let children = this.requestChildren.get(key);
    if (!children) {
      children = { count: this.requests.labels({ route, method, status: String(status) }), duration: this.duration.labels({ route }) };
      this.requestChildren.set(key, children);
    }
    children.count.inc();
    if (seconds !== null) children.duration.observe(seconds);
  }

  /** Counts one error response by its code. */
  observeError(kind: string): void {
    let child = this.errorChildren.get(kind);
    if (!child) {
      child = this.errors.labels({ kind });
      this.errorChildren.set(kind, child);
    }
    child.inc();
  }

  /** Records one tensor predict. */
  observeBatch(rows: number, requests: number, seconds: number): void {
    this.batchRows.observe(rows);
    this.batchRequests.observe(requests);
    this.batchSeconds.observe(seconds);
  }

  /** Records the predictions of one request (distribution by label, probability or value). */
  observePredictions(target: TargetTransform, predictions: readonly Prediction[]): void {
    this.instances.inc(predictions.length);
    if (target.type === 'regression') {
      for (const prediction of predictions) if ('value' in prediction) this.predictionValue.observe(prediction.value);
      return;
    }
    let positives = 0;
    for (const prediction of predictions) {
      if ('probability' in prediction) {
        this.predictionProbability.observe(prediction.probability);
        if (target.type === 'binary' && prediction.label === target.positive_label) positives++;
      } else if ('probabilities' in prediction) {
        this.predictionProbability.observe(prediction.probabilities[prediction.label] ?? 0);
        this.predictionLabels.inc({ label: prediction.label });
      }
    }
    if (target.type === 'binary') {
      if (positives > 0) this.predictionLabels.inc({ label: target.positive_label }, positives);
      if (predictions.length - positives > 0) this.predictionLabels.inc({ label: target.negative_label }, predictions.length - positives);
    }
  }

  /** Counts a model load. */
  observeModelLoad(outcome: 'loaded' | 'refused', version: string): void {
    this.modelLoads.inc({ outcome });
    if (outcome === 'refused') this.loadFailures.inc({ version });
  }
}

/**
 * A label-less Prometheus histogram that observes a value in a few array operations. The
 * prediction distribution gets one observation per scored row (a thousand per batch), where
 * prom-client's Histogram validates and hashes labels on every call. Rendered by the registry
 * like any histogram: cumulative `_bucket{le}` lines, `_sum` and `_count`.
 */
export class BulkHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly upperBounds: readonly number[];
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(name: string, help: string, upperBounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.upperBounds = [...upperBounds].sort((a, b) => a - b);
    this.counts = new Float64Array(this.upperBounds.length + 1);
  }

  /** Counts one value (non-finite values are ignored, as Prometheus cannot sum them). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += value;
    this.count++;
  }

  /** The values in prom-client's metric object shape. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { value: number; labels: Record<string, string | number>; metricName: string }[] }> {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    let cumulative = 0;
    this.upperBounds.forEach((bound, i) => {
      cumulative += this.counts[i]!;
      values.push({ value: cumulative, labels: { le: bound }, metricName: `${this.name}_bucket` });
    });
    values.push({ value: this.count, labels: { le: '+Inf' }, metricName: `${this.name}_bucket` });
    values.push({ value: this.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.counts = new Float64Array(this.upperBounds.length + 1);
    this.sum = 0;
    this.count = 0;
  }
}
