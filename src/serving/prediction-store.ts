/**
 * The recent predictions that can still receive a label: a ring of the last `capacity`
 * predictions (id, time, model version, output, features as JSON, label once known) with an
 * index by id. Adding to a full ring drops the oldest prediction, which is then "expired" to
 * `/feedback`. Memory is about 200 bytes per prediction plus its features' JSON.
 */

/** A prediction as the store holds it. */
export interface StoredPrediction {
  id: string;
  /** When it was made (epoch ms). */
  at: number;
  version: string;
  /** Binary or regression: one number; multiclass: the class probabilities. */
  output: number | Float32Array;
  /** The row's feature values as JSON, in the model line's order. */
  featuresJson: string;
  /** The label once one was accepted. */
  label: string | number | undefined;
}

export class PredictionStore {
  private readonly capacity: number;
  private readonly ids: (string | undefined)[];
  private readonly times: Float64Array;
  private readonly versions: string[];
  private readonly outputs: (number | Float32Array)[];
  private readonly features: string[];
  private readonly labels: (string | number | undefined)[];
  private readonly index = new Map<string, number>();
  private head = 0;
  private size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.ids = new Array<string | undefined>(capacity);
    this.times = new Float64Array(capacity);
    this.versions = new Array<string>(capacity);
    this.outputs = new Array<number | Float32Array>(capacity);
    this.features = new Array<string>(capacity);
    this.labels = new Array<string | number | undefined>(capacity);
  }

  /** Predictions held. */
  get count(): number {
    return this.size;
  }

  /** When the oldest held prediction was made; null when empty. */
  get oldestAt(): number | null {
    return this.size === 0 ? null : this.times[(this.head - this.size + this.capacity) % this.capacity]!;
  }

  /** Adds a prediction; a full store drops its oldest. */
  add(id: string, at: number, version: string, output: number | Float32Array, featuresJson: string, label?: string | number): void {
    const slot = this.head;
    const previous = this.ids[slot];
    if (previous !== undefined) this.index.delete(previous);
    this.ids[slot] = id;
    this.times[slot] = at;
    this.versions[slot] = version;
    this.outputs[slot] = output;
    this.features[slot] = featuresJson;
    this.labels[slot] = label;
    this.index.set(id, slot);
    this.head = (slot + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The prediction with this id, or undefined when it is not held. */
  get(id: string): StoredPrediction | undefined {
    const slot = this.index.get(id);
    if (slot === undefined) return undefined;
    return {
      id,
      at: this.times[slot]!,
      version: this.versions[slot]!,
      output: this.outputs[slot]!,
      featuresJson: this.features[slot]!,
      label: this.labels[slot],
    };
  }

  /** Records (or, with undefined, withdraws) the label of a held prediction; false when it is not held. */
  setLabel(id: string, label: string | number | undefined): boolean {
    const slot = this.index.get(id);
    if (slot === undefined) return false;
    this.labels[slot] = label;
    return true;
  }
}
