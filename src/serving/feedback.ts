import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Logger as PinoLogger } from 'pino';
import type { FeedbackConfig, QualityMonitoringConfig } from '../config/feedback-schema.js';
import { describeError } from '../core/errors.js';
import type { FeatureRecord, Prediction, TargetTransform } from '../model/preprocessing.js';
import {
  compileRowWriter,
  listSegments,
  newInstanceName,
  parsePredictionId,
  predictionId,
  readSegment,
  type LabelLine,
  type ModelLine,
  type PredictionLine,
} from '../monitoring/feedback-log.js';
import type { QualitySnapshot } from '../monitoring/quality-schema.js';
import { QualityWindow, resolveQualityRules } from '../monitoring/quality-window.js';
import { readTargetLabel } from '../monitoring/target-label.js';
import { RequestError } from './http-errors.js';
import { PredictionLog } from './prediction-log.js';
import { PredictionStore } from './prediction-store.js';
import type { ServedModel } from './served-model.js';

/**
 * Ground truth coming back: gives every prediction its `prediction_id`, keeps recent predictions
 * (PredictionStore) and logs every prediction and label (PredictionLog), takes labels from
 * `POST /feedback`, and keeps each version's live quality (QualityWindow). A restart reads the
 * log back: recent predictions can still be labelled, labels already given are known, and live
 * quality continues where it was.
 */

export interface FeedbackSettings {
  feedback: FeedbackConfig;
  quality: QualityMonitoringConfig;
  /** The log folder, absolute. */
  dir: string;
}

/** What `/feedback` answers. */
export interface FeedbackAnswer {
  /** Labels taken (a repeat of a label already given counts: retries are safe). */
  accepted: number;
  /** Of the accepted, those that repeated a label already given (not recorded twice). */
  duplicates: number;
  rejected: { index: number; error: string }[];
}

/** A model version as the log and the quality windows know it. */
interface VersionInfo {
  line: ModelLine;
  writeRow: (row: FeatureRecord) => string;
  /** Positions of the slice columns among the features. */
  sliceIndices: number[];
  window: QualityWindow | null;
}

const msPerDay = 86_400_000;

export class FeedbackHub {
  private readonly settings: FeedbackSettings;
  private readonly store: PredictionStore;
  private readonly versions = new Map<string, VersionInfo>();
  /** Server instances whose predictions were held (this one and those read back). */
  private readonly instances = new Set<string>();
  private readonly instance: string;
  private seq = 0;
  readonly log: PredictionLog;
  /** Labels by outcome since the server started. */
  readonly counts = { accepted: 0, duplicate: 0, rejected: 0, unavailable: 0 };

  private constructor(settings: FeedbackSettings, log: PredictionLog) {
    this.settings = settings;
    this.log = log;
    this.store = new PredictionStore(settings.feedback.max_predictions);
    this.instance = newInstanceName(Date.now(), randomBytes(3).toString('hex'));
    this.instances.add(this.instance);
  }

  /** Reads the log back (recent predictions, labels, live quality), then opens it for writing. */
  static async start(settings: FeedbackSettings, log: PinoLogger): Promise<FeedbackHub> {
    const { feedback } = settings;
    const writer = await PredictionLog.open(
      { dir: settings.dir, segmentBytes: feedback.segment_bytes, maxBytes: feedback.max_bytes, fsyncIntervalMs: feedback.fsync_interval_ms },
      log,
    );
    const hub = new FeedbackHub(settings, writer);
    try {
      const restored = await hub.restore();
      if (restored.predictions + restored.labels > 0) log.info(restored, 'read the prediction log back');
    } catch (error) {
      // A log that cannot be read back does not stop predictions.
      log.error({ prediction_log: settings.dir, err_message: describeError(error) }, 'cannot read the prediction log back; starting without its predictions and labels');
    }
    return hub;
  }

  /** Predictions that can still receive a label. */
  get heldPredictions(): number {
    return this.store.count;
  }

  /**
   * Gives each prediction its id, holds them for labels and logs them. Resolves once the log has
   * the request (at once when the log cannot be written: predictions never wait for a broken disk).
   */
  recordPredictions(model: ServedModel, rows: readonly FeatureRecord[], outputs: Float32Array, predictions: Prediction[]): Promise<void> {
    const info = this.versionInfo(model);
    const width = info.line.target.type === 'multiclass' ? info.line.target.classes.length : 1;
    const first = this.seq;
    this.seq += rows.length;
    const now = Date.now();
    let x = '';
    let y = '';
    for (let i = 0; i < rows.length; i++) {
      const features = info.writeRow(rows[i]!);
      const id = predictionId(this.instance, first + i);
      (predictions[i] as Prediction & { prediction_id: string }).prediction_id = id;
      let output: number | Float32Array;
      let outputJson: string;
      if (width === 1) {
        output = outputs[i]!;
        outputJson = String(output);
      } else {
        output = outputs.slice(i * width, (i + 1) * width);
        outputJson = `[${output.join(',')}]`;
      }
      this.store.add(id, now, model.version, output, features);
      x += i === 0 ? features : `,${features}`;
      y += i === 0 ? outputJson : `,${outputJson}`;
    }
    return this.log.append(
      model.version,
      `{"k":"p","t":${now},"v":${JSON.stringify(model.version)},"i":"${this.instance}","s":${first},"x":[${x}],"y":[${y}]}\n`,
    );
  }

  /**
   * Takes the labels of one `/feedback` body. Each entry is accepted or rejected with its index
   * and why; the answer comes once the accepted labels are on disk. Throws a 503 RequestError when
   * the log cannot be written (nothing is taken then).
   */
  async receive(entries: readonly unknown[]): Promise<FeedbackAnswer> {
    if (!this.log.writable) throw this.unavailable(this.log.failure);
    const now = Date.now();
    const answer: FeedbackAnswer = { accepted: 0, duplicates: 0, rejected: [] };
    const taken: { id: string; version: string; line: string; at: number; truth: number; output: number | Float32Array; featuresJson: string }[] = [];
    entries.forEach((entry, index) => {
      const outcome = this.judge(entry, now);
      if (outcome === 'duplicate') {
        answer.accepted++;
        answer.duplicates++;
      } else if (typeof outcome === 'string') {
        answer.rejected.push({ index, error: outcome });
      } else {
        answer.accepted++;
        // Held at once, so a second entry for the same id (here or in a concurrent request) is judged against it.
        this.store.setLabel(outcome.id, outcome.value);
        taken.push({ ...outcome, line: labelLine(outcome.id, outcome.version, now, outcome.at, outcome.featuresJson, outcome.output, outcome.value), at: now });
      }
    });
    try {
      await Promise.all(taken.map((label) => this.log.append(label.version, label.line)));
      if (taken.length > 0) await this.log.sync();
      if (taken.length > 0 && !this.log.writable) throw new Error(this.log.failure ?? 'the log cannot be written');
    } catch (error) {
      for (const label of taken) this.store.setLabel(label.id, undefined);
      throw this.unavailable(describeError(error));
    }
    for (const label of taken) {
      const info = this.versions.get(label.version)!;
      const slices = info.sliceIndices.length > 0 ? sliceValues(info, JSON.parse(label.featuresJson) as unknown[]) : [];
      this.windowOf(info).add({ at: label.at, truth: label.truth, output: outputArray(label.output), slices });
    }
    this.counts.accepted += answer.accepted - answer.duplicates;
    this.counts.duplicate += answer.duplicates;
    this.counts.rejected += answer.rejected.length;
    return answer;
  }

  /** Live quality of a served model (labelled 0 until labels arrive). */
  quality(model: ServedModel): QualitySnapshot {
    return this.windowOf(this.versionInfo(model)).snapshot();
  }

  /**
   * The log's model and label lines, oldest first: the labelled predictions, as `GET
   * /admin/feedback` sends them (prediction lines are left out).
   */
  async *labelledLines(): AsyncGenerator<string> {
    for (const segment of await listSegments(this.settings.dir)) {
      const lines = createInterface({ input: createReadStream(segment.path, { encoding: 'utf8' }), crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          if (line.startsWith('{"k":"m"') || line.startsWith('{"k":"l"')) yield line;
        }
      } catch (error) {
        // A file deleted meanwhile (the disk budget) is skipped; its labels are gone.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  /** Writes and fsyncs what is queued and closes the log. */
  async close(): Promise<void> {
    await this.log.close();
  }

  private unavailable(cause: string | null): RequestError {
    this.counts.unavailable++;
    return new RequestError(503, 'feedback_unavailable', `Labels cannot be taken now: the prediction log cannot be written (${cause ?? 'unknown cause'}). Predictions go on; send the labels again later.`);
  }

  /** An entry's label to take, 'duplicate', or why it is rejected. */
  private judge(entry: unknown, now: number): string | 'duplicate' | { id: string; version: string; value: string | number; truth: number; at: number; output: number | Float32Array; featuresJson: string } {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'expected an object {"prediction_id": "…", "label": …}';
    for (const key of Object.keys(entry)) {
      if (key !== 'prediction_id' && key !== 'label') return `unknown key ${JSON.stringify(key.slice(0, 40))}: an entry has prediction_id and label`;
    }
    const { prediction_id: id, label } = entry as { prediction_id?: unknown; label?: unknown };
    if (typeof id !== 'string') return 'prediction_id must be a string (the prediction_id of a /predict answer)';
    if (!Object.hasOwn(entry, 'label')) return 'label is missing';
    const held = this.store.get(id);
    if (!held) return this.notHeld(id);
    if (now - held.at > this.settings.feedback.max_age_days * msPerDay) {
      return `prediction ${id} expired: it was made more than ${this.settings.feedback.max_age_days} days ago (feedback.max_age_days)`;
    }
    const info = this.versions.get(held.version);
    if (!info) return `prediction ${id} was made by version ${held.version}, which this server cannot read labels for`;
    const read = readTargetLabel(info.line.target as TargetTransform, label);
    if (!read.ok) return read.error;
    if (held.label !== undefined) {
      if (held.label === read.value) return 'duplicate';
      return `prediction ${id} already has the label ${JSON.stringify(held.label)}; a different label is refused`;
    }
    return { id, version: held.version, value: read.value, truth: read.truth, at: held.at, output: held.output, featuresJson: held.featuresJson };
  }

  /** Why an id that is not held cannot be labelled: expired, or not an id this server gave. */
  private notHeld(id: string): string {
    const parsed = parsePredictionId(id);
    const shown = JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id);
    if (!parsed) return `${shown} is not a prediction id (ids look like ${predictionId(this.instance, 42)})`;
    const oldest = this.store.oldestAt;
    const issued = parsed.instance === this.instance ? parsed.seq < this.seq : this.instances.has(parsed.instance) || (oldest !== null && parsed.startedAt < oldest);
    if (issued) {
      return `prediction ${id} expired: only the last ${this.settings.feedback.max_predictions} predictions can be labelled (feedback.max_predictions)`;
    }
    return `unknown prediction_id ${shown}: no prediction with this id was made by this server`;
  }

  private versionInfo(model: ServedModel): VersionInfo {
    const known = this.versions.get(model.version);
    if (known) return known;
    const categorical = new Set(model.spec.features.filter((f) => f.type === 'categorical').map((f) => f.name));
    return this.addVersion({
      k: 'm',
      v: model.version,
      features: model.spec.features.map((f) => f.name),
      target: model.spec.target,
      slices: (model.config?.slices ?? []).filter((column) => categorical.has(column)),
      offline: { ...model.evaluation.overall.metrics },
      primary_metric: model.gate.primary_metric,
    });
  }

  private addVersion(line: ModelLine): VersionInfo {
    const info: VersionInfo = {
      line,
      writeRow: compileRowWriter(line.features),
      sliceIndices: line.slices.map((column) => line.features.indexOf(column)),
      window: null,
    };
    this.versions.set(line.v, info);
    this.log.registerModel(line.v, JSON.stringify(line));
    return info;
  }

  private windowOf(info: VersionInfo): QualityWindow {
    const { quality } = this.settings;
    info.window ??= new QualityWindow(
      info.line.target as TargetTransform,
      {
        windowSize: quality.window_size,
        minLabels: quality.min_labels,
        rules: resolveQualityRules(quality.rules, info.line.primary_metric),
        sliceColumns: info.line.slices,
        offline: info.line.offline,
        primaryMetric: info.line.primary_metric,
      },
      info.line.v,
    );
    return info.window;
  }

  /**
   * Reads the newest log files back until they hold as many predictions as can be labelled and a
   * window of labels, then replays them in order.
   */
  private async restore(): Promise<{ files: number; predictions: number; labels: number; unreadable_lines: number }> {
    const segments = await listSegments(this.settings.dir);
    const files: (ModelLine | PredictionLine | LabelLine)[][] = [];
    let predictions = 0;
    let labels = 0;
    let unreadable = 0;
    for (let s = segments.length - 1; s >= 0; s--) {
      if (predictions >= this.settings.feedback.max_predictions && labels >= this.settings.quality.window_size) break;
      const records: (ModelLine | PredictionLine | LabelLine)[] = [];
      const summary = await readSegment(segments[s]!.path, {
        model: (line) => records.push(line),
        predictions: (line) => {
          records.push(line);
          predictions += line.x.length;
        },
        label: (line) => {
          records.push(line);
          labels++;
        },
      });
      unreadable += summary.unreadable;
      files.unshift(records);
    }
    const labelled = new Set<string>();
    for (const records of files) {
      for (const record of records) {
        if (record.k === 'm') {
          if (!this.versions.has(record.v)) this.addVersion(record);
        } else if (record.k === 'p') {
          this.instances.add(record.i);
          record.x.forEach((row, j) => {
            const output = record.y[j]!;
            this.store.add(predictionId(record.i, record.s + j), record.t, record.v, typeof output === 'number' ? output : Float32Array.from(output), JSON.stringify(row));
          });
        } else if (!labelled.has(record.id)) {
          // A label logged twice (a request retried after a 503) counts once: the first.
          labelled.add(record.id);
          this.restoreLabel(record);
        }
      }
    }
    return { files: files.length, predictions: Math.min(predictions, this.settings.feedback.max_predictions), labels, unreadable_lines: unreadable };
  }

  private restoreLabel(line: LabelLine): void {
    const info = this.versions.get(line.v);
    if (!info) return;
    const read = readTargetLabel(info.line.target as TargetTransform, line.label);
    if (!read.ok) return;
    this.store.setLabel(line.id, read.value);
    const output = typeof line.y === 'number' ? [line.y] : line.y;
    this.windowOf(info).add({ at: line.t, truth: read.truth, output, slices: sliceValues(info, line.x) });
  }
}

/** A label line: the label with the prediction it labels (see src/monitoring/feedback-log.ts). */
function labelLine(id: string, version: string, at: number, predictedAt: number, featuresJson: string, output: number | Float32Array, label: string | number): string {
  const y = typeof output === 'number' ? String(output) : `[${output.join(',')}]`;
  return `{"k":"l","t":${at},"id":${JSON.stringify(id)},"v":${JSON.stringify(version)},"pt":${predictedAt},"x":${featuresJson},"y":${y},"label":${JSON.stringify(label)}}\n`;
}

function outputArray(output: number | Float32Array): ArrayLike<number> {
  return typeof output === 'number' ? [output] : output;
}

/** The slice columns' values of a row in the model line's order (categorical values are strings; else missing). */
function sliceValues(info: VersionInfo, row: readonly unknown[]): (string | null)[] {
  return info.sliceIndices.map((index) => {
    const value = row[index];
    return typeof value === 'string' ? value : null;
  });
}
