import type { QualityRule, QualityRules } from '../config/feedback-schema.js';
import { lowerIsBetter } from '../config/schema.js';
import { formatNumber } from '../core/number-format.js';
import { missingSliceValue } from '../evaluation/evaluate.js';
import { prepareMetrics, type MetricOptions } from '../evaluation/metrics.js';
import type { TargetTransform } from '../model/preprocessing.js';
import { maxQualityHistory, type QualityCheck, type QualityGroup, type QualityPoint, type QualitySnapshot } from './quality-schema.js';

/**
 * Live quality of one served version: the last `windowSize` labelled predictions (a prediction
 * the server made, and the true label `/feedback` brought back for it), scored with
 * `prepareMetrics`, the code `evaluate` scores the test split with, overall and per slice. Memory
 * is fixed: typed arrays of the window's size. A history point is taken every tenth of a window
 * of labels, so the dashboard can draw quality over time.
 */

/** One labelled prediction. */
export interface LabelledPrediction {
  /** When the label arrived (epoch ms). */
  at: number;
  /** The label as metrics encode it (see target-label.ts). */
  truth: number;
  /** The prediction: binary P(positive); multiclass the class probabilities; regression the value. */
  output: ArrayLike<number>;
  /** Values of the window's slice columns, in their order (null: missing). */
  slices: readonly (string | null)[];
}

export interface QualitySettings {
  windowSize: number;
  minLabels: number;
  rules: QualityRules;
  /** Slice columns (features the requests carry). */
  sliceColumns: readonly string[];
  /** The version's offline test metrics. */
  offline: Readonly<Record<string, number>>;
  /** The metric that leads the version's reports. */
  primaryMetric: string;
}

/** Distinct values told apart per slice column; more share one slice. */
export const maxSliceValues = 100;
/** The slice of values beyond {@link maxSliceValues}. */
export const otherSliceValue = '(other values)';

/** The rules of `monitoring.quality.rules`, or its default: the primary metric may not drop more than 0.05 below offline. */
export function resolveQualityRules(rules: QualityRules | undefined, primaryMetric: string): QualityRules {
  return rules ?? { [primaryMetric]: { max_regression: 0.05 } };
}

export class QualityWindow {
  readonly modelVersion: string;
  private readonly target: TargetTransform;
  private readonly settings: QualitySettings;
  private readonly width: number;
  private readonly truths: Float64Array;
  private readonly outputs: Float64Array;
  private readonly times: Float64Array;
  private readonly sliceCodes: Int32Array;
  private readonly sliceValues: { codes: Map<string, number>; values: string[] }[];
  private head = 0;
  private size = 0;
  private total = 0;
  private readonly history: QualityPoint[] = [];
  private cached: QualitySnapshot | null = null;

  constructor(target: TargetTransform, settings: QualitySettings, modelVersion: string) {
    this.target = target;
    this.settings = settings;
    this.modelVersion = modelVersion;
    this.width = target.type === 'multiclass' ? target.classes.length : 1;
    const capacity = settings.windowSize;
    this.truths = new Float64Array(capacity);
    this.outputs = new Float64Array(capacity * this.width);
    this.times = new Float64Array(capacity);
    this.sliceCodes = new Int32Array(capacity * settings.sliceColumns.length);
    this.sliceValues = settings.sliceColumns.map(() => ({ codes: new Map(), values: [] }));
  }

  /** Labelled predictions in the window. */
  get labelled(): number {
    return this.size;
  }

  /** Labels received since the window was created. */
  get labelsTotal(): number {
    return this.total;
  }

  /** Adds one labelled prediction, replacing the oldest when the window is full. */
  add(entry: LabelledPrediction): void {
    const capacity = this.settings.windowSize;
    const slot = this.head;
    this.truths[slot] = entry.truth;
    this.times[slot] = entry.at;
    for (let c = 0; c < this.width; c++) this.outputs[slot * this.width + c] = entry.output[c] ?? Number.NaN;
    const columns = this.settings.sliceColumns.length;
    for (let s = 0; s < columns; s++) this.sliceCodes[slot * columns + s] = this.sliceCode(s, entry.slices[s] ?? null);
    this.head = (slot + 1) % capacity;
    this.size = Math.min(capacity, this.size + 1);
    this.total++;
    this.cached = null;
    if (this.total % Math.max(1, Math.ceil(capacity / 10)) === 0) this.takePoint(entry.at);
  }

  /** The window's metrics, slices, checks and history (computed once per change). */
  snapshot(): QualitySnapshot {
    if (this.cached) return this.cached;
    const overall = this.group(null);
    const slices: QualitySnapshot['slices'] = {};
    this.settings.sliceColumns.forEach((column, s) => {
      const groups: Record<string, QualityGroup> = {};
      for (const [value, indices] of this.sliceGroups(s)) groups[value] = this.group(indices);
      slices[column] = groups;
    });
    const checks = this.checks(overall.metrics);
    this.cached = {
      model_version: this.modelVersion,
      primary_metric: this.settings.primaryMetric,
      window_size: this.settings.windowSize,
      min_labels: this.settings.minLabels,
      labelled: this.size,
      labels_total: this.total,
      since: this.size > 0 ? new Date(this.times[this.oldestSlot()]!).toISOString() : null,
      metrics: overall.metrics,
      offline: { ...this.settings.offline },
      slices,
      checks,
      alerts: checks.filter((check) => check.passed === false).map((check) => qualityAlert(check, this.size)),
      history: [...this.history],
    };
    return this.cached;
  }

  private oldestSlot(): number {
    return (this.head - this.size + this.settings.windowSize) % this.settings.windowSize;
  }

  private sliceCode(column: number, value: string | null): number {
    const dictionary = this.sliceValues[column]!;
    const key = value ?? missingSliceValue;
    const known = dictionary.codes.get(key);
    if (known !== undefined) return known;
    const shared = dictionary.values.length >= maxSliceValues ? otherSliceValue : key;
    let code = dictionary.codes.get(shared);
    if (code === undefined) {
      code = dictionary.values.length;
      dictionary.values.push(shared);
      dictionary.codes.set(shared, code);
    }
    return code;
  }

  /** Slots of the window by value of one slice column, values in order of first appearance. */
  private sliceGroups(column: number): Map<string, number[]> {
    const columns = this.settings.sliceColumns.length;
    const dictionary = this.sliceValues[column]!;
    const groups = new Map<string, number[]>();
    for (let i = 0; i < this.size; i++) {
      const slot = (this.oldestSlot() + i) % this.settings.windowSize;
      const value = dictionary.values[this.sliceCodes[slot * columns + column]!]!;
      let group = groups.get(value);
      if (!group) groups.set(value, (group = []));
      group.push(slot);
    }
    return groups;
  }

  /** Metrics of the given slots (null: the whole window). */
  private group(slots: readonly number[] | null): QualityGroup {
    const count = slots ? slots.length : this.size;
    if (count === 0) return { labelled: 0, metrics: {} };
    const truths = new Float64Array(count);
    const outputs = new Float64Array(count * this.width);
    for (let i = 0; i < count; i++) {
      const slot = slots ? slots[i]! : (this.oldestSlot() + i) % this.settings.windowSize;
      truths[i] = this.truths[slot]!;
      for (let c = 0; c < this.width; c++) outputs[i * this.width + c] = this.outputs[slot * this.width + c]!;
    }
    const options: MetricOptions = this.target.type === 'binary' ? { threshold: this.target.threshold } : { classCount: this.width };
    return { labelled: count, metrics: prepareMetrics(this.target.type, truths, outputs, options).compute() };
  }

  private checks(metrics: Readonly<Record<string, number>>): QualityCheck[] {
    const judged = this.size >= this.settings.minLabels;
    const checks: QualityCheck[] = [];
    for (const [metric, rule] of Object.entries(this.settings.rules)) {
      const value = metrics[metric] ?? null;
      const offline = this.settings.offline[metric] ?? null;
      for (const kind of ['min', 'max', 'max_regression'] as const) {
        const limit = (rule as QualityRule)[kind];
        if (limit === undefined) continue;
        const passed = !judged || value === null ? null : passes(metric, kind, limit, value, offline);
        checks.push({ metric, rule: kind, limit, value, offline, passed });
      }
    }
    return checks;
  }

  private takePoint(at: number): void {
    const { metrics } = this.group(null);
    this.history.push({ at: new Date(at).toISOString(), labelled: this.size, labels_total: this.total, metrics });
    if (this.history.length > maxQualityHistory) this.history.shift();
  }
}

/** Whether a live value keeps a rule; a `max_regression` without an offline value passes (nothing to compare with). */
function passes(metric: string, kind: QualityCheck['rule'], limit: number, value: number, offline: number | null): boolean {
  if (kind === 'min') return value >= limit;
  if (kind === 'max') return value <= limit;
  if (offline === null) return true;
  const worsening = lowerIsBetter.has(metric) ? value - offline : offline - value;
  // A tolerance for float noise: equal to the limit passes.
  return worsening <= limit + 1e-12;
}

/** The alert of a failed check: "quality: auc 0.7100 < 0.78 over 2000 labels". */
export function qualityAlert(check: QualityCheck, labelled: number): string {
  const value = formatNumber(check.value);
  const over = `over ${labelled} labels`;
  if (check.rule === 'min') return `quality: ${check.metric} ${value} < ${check.limit} ${over}`;
  if (check.rule === 'max') return `quality: ${check.metric} ${value} > ${check.limit} ${over}`;
  const direction = lowerIsBetter.has(check.metric) ? 'above' : 'below';
  const gap = check.value !== null && check.offline !== null ? Math.abs(check.value - check.offline) : null;
  return `quality: ${check.metric} ${value} is ${formatNumber(gap)} ${direction} the offline ${formatNumber(check.offline)} (max_regression ${check.limit}) ${over}`;
}
