import type { DriftThresholds } from '../config/serving-schema.js';
import { binIndex } from '../data/profile.js';
import type { DataProfile } from '../data/profile-schema.js';
import type { FeatureRecord, Prediction, PreprocessingSpec, TargetTransform } from '../model/preprocessing.js';
import { jensenShannonDivergence, lInfinityDistance, populationStabilityIndex } from './drift.js';
import type { FeatureDrift, MonitoringSnapshot } from './snapshot-schema.js';

/**
 * The rolling window of live traffic that drift is computed on: the last `windowSize` instances
 * served by one model, compared with that model's training profile. Adding an instance when the
 * window is full removes the oldest, so every count is exact for the window and memory is fixed
 * (one small integer per feature per instance). The server feeds it after each predict; `mlops
 * monitor` feeds it from a sample log, so both report the same numbers for the same traffic.
 */

/** A numeric feature's baseline: the training histogram (first and last bins open-ended). */
export interface NumericBaseline {
  name: string;
  type: 'numeric';
  edges: readonly number[];
  /** Training counts per bin (one fewer than edges; empty when training had no values). */
  reference: readonly number[];
}

/** A categorical feature's baseline: the training frequencies and the model's vocabulary. */
export interface CategoricalBaseline {
  name: string;
  type: 'categorical';
  /** The model's one-hot vocabulary: values outside it are out of vocabulary (the OOV slot). */
  vocabulary: readonly string[];
  /** Training value → count; the profile's rarely seen values are summed under {@link otherValuesKey}. */
  reference: ReadonlyMap<string, number>;
}

export type FeatureBaseline = NumericBaseline | CategoricalBaseline;

/** What live traffic is compared with. */
export interface DriftBaseline {
  features: readonly FeatureBaseline[];
  target: TargetTransform;
}

/** Drift settings: the config's `monitoring` section, minus the sample log. */
export interface DriftSettings {
  windowSize: number;
  minSamples: number;
  thresholds: DriftThresholds;
}

/** Key of the profile's `other` count (values beyond the listed ones) and of live values beyond the tracked ones. */
export const otherValuesKey = '\u0000(other values)';
/** Distinct out-of-vocabulary values told apart per categorical feature; more share {@link otherValuesKey}. */
export const maxTrackedLiveValues = 1000;

const missingCode = -1;
/** A numeric value with no training histogram to bin it in. */
const unbinnedCode = -2;

/**
 * The drift baseline of a model: its training profile's histograms and frequencies, and its
 * preprocessing vocabulary. Throws when the profile does not describe every feature the model
 * uses with the same type (the version is inconsistent and must not be served). Datetime
 * features are left out: dates move forward, so live dates always lie past the training range.
 */
export function driftBaseline(spec: PreprocessingSpec, profile: DataProfile): DriftBaseline {
  const monitored = spec.features.filter((transform) => transform.type !== 'datetime');
  const features = monitored.map((transform): FeatureBaseline => {
    const column = Object.hasOwn(profile.features, transform.name) ? profile.features[transform.name] : undefined;
    if (!column) throw new Error(`profile.json has no profile of feature '${transform.name}'`);
    if (column.type !== transform.type) {
      throw new Error(`profile.json describes '${transform.name}' as ${column.type} but preprocessing.json as ${transform.type}`);
    }
    if (column.type === 'numeric') {
      const { edges, counts } = column.histogram;
      if (edges.length > 0 && edges.length !== counts.length + 1) {
        throw new Error(`profile.json: the histogram of '${transform.name}' has ${edges.length} edges for ${counts.length} bins`);
      }
      return { name: transform.name, type: 'numeric', edges, reference: counts };
    }
    const reference = new Map(Object.entries(column.frequencies));
    if (column.other > 0) reference.set(otherValuesKey, column.other);
    return { name: transform.name, type: 'categorical', vocabulary: transform.type === 'categorical' ? transform.vocabulary : [], reference };
  });
  return { features, target: spec.target };
}

interface NumericState {
  baseline: NumericBaseline;
  counts: Float64Array;
}

interface CategoricalState {
  baseline: CategoricalBaseline;
  /** Value → code: the vocabulary first (0..V-1), then live values in order of appearance. */
  codes: Map<string, number>;
  /** Value of each code; the last tracked code may be {@link otherValuesKey}. */
  values: string[];
  counts: number[];
  /** Code that values beyond the tracked ones share, once assigned. */
  overflowCode: number;
}

type FeatureState = NumericState | CategoricalState;

/** Rolling counts of live features and predictions for one served model. */
export class DriftWindow {
  readonly modelVersion: string;
  private readonly baseline: DriftBaseline;
  private readonly settings: DriftSettings;
  private readonly states: FeatureState[];
  private readonly width: number;
  /** Per feature, per instance slot (feature-major): a bin, a category code, or a missing/unbinned marker. */
  private readonly codes: Int32Array;
  /** Per instance: class index (classification) or value (regression) of its prediction. */
  private readonly outputs: Float64Array;
  private readonly times: Float64Array;
  private readonly requestSeqs: Float64Array;
  private readonly missing: Float64Array;
  private readonly outOfVocabulary: Float64Array;
  /** Out-of-vocabulary values since the window was created (never decremented): for counters. */
  readonly outOfVocabularyTotals: Float64Array;
  private readonly classIndex: ReadonlyMap<string, number> | null;
  private readonly classCounts: Float64Array;
  private outputSum = 0;
  private head = 0;
  private size = 0;
  private requestSeq = 0;
  private readonly createdAt: number;

  constructor(baseline: DriftBaseline, settings: DriftSettings, modelVersion: string, createdAt: number = Date.now()) {
    this.baseline = baseline;
    this.settings = settings;
    this.modelVersion = modelVersion;
    this.createdAt = createdAt;
    this.width = baseline.features.length;
    const capacity = settings.windowSize;
    this.codes = new Int32Array(capacity * this.width);
    this.outputs = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.requestSeqs = new Float64Array(capacity);
    this.missing = new Float64Array(this.width);
    this.outOfVocabulary = new Float64Array(this.width);
    this.outOfVocabularyTotals = new Float64Array(this.width);
    this.states = baseline.features.map((feature): FeatureState => {
      if (feature.type === 'numeric') return { baseline: feature, counts: new Float64Array(Math.max(0, feature.edges.length - 1)) };
      return {
        baseline: feature,
        codes: new Map(feature.vocabulary.map((value, code) => [value, code])),
        values: [...feature.vocabulary],
        counts: feature.vocabulary.map(() => 0),
        overflowCode: -1,
      };
    });
    const labels = classLabels(baseline.target);
    this.classIndex = labels ? new Map(labels.map((label, i) => [label, i])) : null;
    this.classCounts = new Float64Array(labels?.length ?? 0);
  }

  /** Instances in the window. */
  get instances(): number {
    return this.size;
  }

  /** The feature names, in the order of {@link outOfVocabularyTotals}. */
  get featureNames(): string[] {
    return this.baseline.features.map((feature) => feature.name);
  }

  /**
   * Adds one request's instances and the predictions served for them (as `formatPredictions`
   * returns them, one per instance). Values must be parsed feature values (numbers, strings or
   * null); anything else counts as missing.
   */
  addRequest(rows: readonly FeatureRecord[], predictions: readonly Prediction[], at: number = Date.now()): void {
    const capacity = this.settings.windowSize;
    if (capacity === 0 || rows.length === 0) return;
    this.requestSeq++;
    // Only the last `capacity` instances of a request can be in the window.
    const skip = Math.max(0, rows.length - capacity);
    const count = rows.length - skip;
    const first = this.head;
    // Slots first + i with i ≥ capacity − size hold the oldest instances: remove them first.
    const occupiedFrom = capacity - this.size;
    if (count > occupiedFrom) this.evict(first, occupiedFrom, count);
    this.size = Math.min(capacity, this.size + count);
    for (let i = 0; i < count; i++) {
      const slot = (first + i) % capacity;
      this.times[slot] = at;
      this.requestSeqs[slot] = this.requestSeq;
      const output = this.predictionOutput(predictions[skip + i]);
      this.outputs[slot] = output;
      if (this.classIndex) {
        if (output >= 0) this.classCounts[output]!++;
      } else if (Number.isFinite(output)) {
        this.outputSum += output;
      }
    }
    this.head = (first + count) % capacity;
    // Feature by feature: each inner loop reads one property name, which keeps it fast.
    for (let f = 0; f < this.width; f++) {
      const state = this.states[f]!;
      const name = state.baseline.name;
      const column = f * capacity;
      if (state.baseline.type === 'numeric') this.addNumeric(state as NumericState, f, rows, skip, count, first, column, name);
      else this.addCategorical(state as CategoricalState, f, rows, skip, count, first, column, name);
    }
  }

  private addNumeric(state: NumericState, f: number, rows: readonly FeatureRecord[], skip: number, count: number, first: number, column: number, name: string): void {
    const capacity = this.settings.windowSize;
    const { counts } = state;
    const edges = state.baseline.edges;
    let missing = 0;
    for (let i = 0; i < count; i++) {
      const value = rows[skip + i]![name];
      let code: number;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        code = missingCode;
        missing++;
      } else if (counts.length === 0) {
        code = unbinnedCode;
      } else {
        code = binIndex(edges, value);
        counts[code]!++;
      }
      this.codes[column + ((first + i) % capacity)] = code;
    }
    this.missing[f]! += missing;
  }

  private addCategorical(state: CategoricalState, f: number, rows: readonly FeatureRecord[], skip: number, count: number, first: number, column: number, name: string): void {
    const capacity = this.settings.windowSize;
    const vocabularySize = state.baseline.vocabulary.length;
    const { counts } = state;
    let missing = 0;
    let outOfVocabulary = 0;
    for (let i = 0; i < count; i++) {
      const value = rows[skip + i]![name];
      let code: number;
      if (typeof value !== 'string') {
        code = missingCode;
        missing++;
      } else {
        code = state.codes.get(value) ?? this.newCategoryCode(state, value);
        counts[code]!++;
        if (code >= vocabularySize) outOfVocabulary++;
      }
      this.codes[column + ((first + i) % capacity)] = code;
    }
    this.missing[f]! += missing;
    this.outOfVocabulary[f]! += outOfVocabulary;
    this.outOfVocabularyTotals[f]! += outOfVocabulary;
  }

  /** Removes the instances in slots first + from … first + to − 1 from every count. */
  private evict(first: number, from: number, to: number): void {
    const capacity = this.settings.windowSize;
    for (let f = 0; f < this.width; f++) {
      const state = this.states[f]!;
      const column = f * capacity;
      const counts = state.counts;
      const vocabularySize = state.baseline.type === 'categorical' ? state.baseline.vocabulary.length : Infinity;
      for (let i = from; i < to; i++) {
        const code = this.codes[column + ((first + i) % capacity)]!;
        if (code === missingCode) this.missing[f]!--;
        else if (code !== unbinnedCode) {
          counts[code]!--;
          if (code >= vocabularySize) this.outOfVocabulary[f]!--;
        }
      }
    }
    for (let i = from; i < to; i++) {
      const output = this.outputs[(first + i) % capacity]!;
      if (this.classIndex) {
        if (output >= 0) this.classCounts[output]!--;
      } else if (Number.isFinite(output)) {
        this.outputSum -= output;
      }
    }
  }

  /** Code of a value outside the known ones: a new tracked value, or the shared overflow code. */
  private newCategoryCode(state: CategoricalState, value: string): number {
    if (state.values.length - state.baseline.vocabulary.length < maxTrackedLiveValues) {
      const code = state.values.length;
      state.codes.set(value, code);
      state.values.push(value);
      state.counts.push(0);
      return code;
    }
    if (state.overflowCode < 0) {
      state.overflowCode = state.values.length;
      state.values.push(otherValuesKey);
      state.counts.push(0);
    }
    return state.overflowCode;
  }

  /** Class index for classification (-1 when unknown), value for regression (NaN when absent). */
  private predictionOutput(prediction: Prediction | undefined): number {
    if (this.classIndex) {
      return prediction && 'label' in prediction ? (this.classIndex.get(prediction.label) ?? -1) : -1;
    }
    return prediction && 'value' in prediction ? prediction.value : Number.NaN;
  }

  /** Drift of every feature, the prediction distribution and alerts, as `/monitoring` publishes them. */
  snapshot(): MonitoringSnapshot {
    const { thresholds, minSamples } = this.settings;
    const alerts: string[] = [];
    const features = this.states.map((state, f): FeatureDrift => {
      const name = state.baseline.name;
      const missing = this.missing[f]!;
      const present = this.size - missing;
      const judged = present >= minSamples;
      const drift: FeatureDrift = {
        name,
        type: state.baseline.type,
        count: this.size,
        missing_rate: this.size > 0 ? missing / this.size : 0,
        drifted: false,
      };
      const exceeded: string[] = [];
      if (state.baseline.type === 'numeric') {
        const counts = (state as NumericState).counts;
        if (counts.length > 0 && present > 0) {
          drift.psi = populationStabilityIndex(state.baseline.reference, counts);
          drift.js = jensenShannonDivergence(state.baseline.reference, counts);
          if (drift.psi > thresholds.psi) exceeded.push(`PSI ${formatScore(drift.psi)} > ${thresholds.psi}`);
          if (drift.js > thresholds.js) exceeded.push(`Jensen–Shannon ${formatScore(drift.js)} > ${thresholds.js}`);
        }
      } else {
        const categorical = state as CategoricalState;
        drift.out_of_vocabulary_rate = present > 0 ? this.outOfVocabulary[f]! / present : 0;
        if (present > 0) {
          const live = new Map<string, number>();
          categorical.values.forEach((value, code) => {
            const count = categorical.counts[code]!;
            if (count > 0) live.set(value, (live.get(value) ?? 0) + count);
          });
          drift.linf = lInfinityDistance(state.baseline.reference, live);
          if (drift.linf > thresholds.linf) exceeded.push(`L-infinity ${formatScore(drift.linf)} > ${thresholds.linf}`);
        }
      }
      if (judged && exceeded.length > 0) {
        drift.drifted = true;
        alerts.push(`${name}: ${exceeded.join(', ')}`);
      }
      return drift;
    });
    return {
      model_version: this.modelVersion,
      window: {
        started_at: new Date(this.size > 0 ? this.times[this.oldestSlot()]! : this.createdAt).toISOString(),
        requests: this.size > 0 ? this.requestSeqs[(this.head + this.settings.windowSize - 1) % this.settings.windowSize]! - this.requestSeqs[this.oldestSlot()]! + 1 : 0,
        instances: this.size,
      },
      thresholds: { psi: thresholds.psi, js: thresholds.js, linf: thresholds.linf, min_samples: minSamples },
      features,
      predictions: { count: this.size, distribution: this.predictionDistribution() },
      alerts,
    };
  }

  private oldestSlot(): number {
    return (this.head - this.size + this.settings.windowSize) % this.settings.windowSize;
  }

  private predictionDistribution(): Record<string, number> {
    const labels = classLabels(this.baseline.target);
    // A null prototype: class labels come from the config and could be any string.
    const distribution: Record<string, number> = Object.create(null) as Record<string, number>;
    if (labels) {
      labels.forEach((label, i) => (distribution[label] = this.size > 0 ? this.classCounts[i]! / this.size : 0));
    } else {
      distribution.mean = this.size > 0 ? this.outputSum / this.size : 0;
    }
    return { ...distribution };
  }
}

/** Labels of a classification target in a fixed order (negative, positive for binary); null for regression. */
function classLabels(target: TargetTransform): string[] | null {
  if (target.type === 'binary') return [target.negative_label, target.positive_label];
  if (target.type === 'multiclass') return [...target.classes];
  return null;
}

function formatScore(value: number): string {
  return value.toFixed(3);
}
