import { predictRows } from '../model/predict.js';
import { outputWidth, type FeatureRecord } from '../model/preprocessing.js';
import type { ModelHandle } from './model-host.js';

/**
 * Server-side micro-batching, like TF Serving's batching: requests that arrive within
 * `batchTimeoutMs` of the first waiting one are scored together in one encode and one tensor
 * predict of at most `maxBatchSize` rows, and each request gets its own slice of the outputs.
 * One tfjs predict costs about the same for 1 row as for 100, so under concurrency this turns
 * many small predicts into a few larger ones. A request with `maxBatchSize` rows or more runs alone.
 */

export interface BatcherOptions {
  maxBatchSize: number;
  /** 0: batch only what arrives before the event loop's next turn (setImmediate). */
  batchTimeoutMs: number;
  /** Called after each tensor predict (for metrics); `requests` were coalesced into `rows` rows. */
  onBatch?: (batch: { rows: number; requests: number; handle: ModelHandle; durationMs: number }) => void;
}

interface Job {
  handle: ModelHandle;
  rows: readonly FeatureRecord[];
  resolve: (outputs: Float32Array) => void;
  reject: (error: unknown) => void;
}

/** Coalesces concurrent predict calls. */
export class MicroBatcher {
  private readonly options: BatcherOptions;
  private pending: Job[] = [];
  private pendingRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(options: BatcherOptions) {
    this.options = options;
  }

  /** Jobs waiting for the next batch. */
  get waiting(): number {
    return this.pending.length;
  }

  /**
   * Scores rows on the handle's model, alone or with concurrent requests, and resolves with the
   * decoded outputs of exactly these rows (row-major; see predictRows). The caller holds the
   * handle (acquired) until this settles.
   */
  predict(handle: ModelHandle, rows: readonly FeatureRecord[]): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      const job: Job = { handle, rows, resolve, reject };
      if (rows.length >= this.options.maxBatchSize) {
        this.run([job]);
        return;
      }
      if (this.pendingRows + rows.length > this.options.maxBatchSize) this.flush();
      this.pending.push(job);
      this.pendingRows += rows.length;
      if (this.pendingRows >= this.options.maxBatchSize) this.flush();
      else if (this.options.batchTimeoutMs === 0) this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), this.options.batchTimeoutMs);
    });
  }

  /** Scores everything waiting now (shutdown calls it so nothing waits for a timer). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    const jobs = this.pending;
    if (jobs.length === 0) return;
    this.pending = [];
    this.pendingRows = 0;
    // Jobs validated against different models (a swap happened while they waited) never share a predict.
    let group: Job[] = [];
    for (const job of jobs) {
      if (group.length > 0 && group[0]!.handle !== job.handle) {
        this.run(group);
        group = [];
      }
      group.push(job);
    }
    this.run(group);
  }

  private run(jobs: Job[]): void {
    const handle = jobs[0]!.handle;
    const { network, spec } = handle.model;
    const started = performance.now();
    let rows: readonly FeatureRecord[];
    if (jobs.length === 1) rows = jobs[0]!.rows;
    else {
      const all: FeatureRecord[] = [];
      for (const job of jobs) for (const row of job.rows) all.push(row);
      rows = all;
    }
    let outputs: Float32Array;
    try {
      outputs = predictRows(network, spec, rows);
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    const width = outputWidth(spec);
    let offset = 0;
    for (const job of jobs) {
      const end = offset + job.rows.length * width;
      job.resolve(jobs.length === 1 ? outputs : outputs.subarray(offset, end));
      offset = end;
    }
    this.options.onBatch?.({ rows: rows.length, requests: jobs.length, handle, durationMs: performance.now() - started });
  }
}
