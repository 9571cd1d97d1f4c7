import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { SampleLogConfig } from '../config/serving-schema.js';
import { describeError } from '../core/errors.js';
import { createRandom, type Random } from '../core/rng.js';
import type { FeatureRecord, Prediction } from '../model/preprocessing.js';
import { formatSampleRecord } from '../monitoring/sample-log.js';

/**
 * Writes the bounded request sample log (see src/monitoring/sample-log.ts for the line format).
 * Writing never delays or fails a request: lines are queued and appended in the background; when
 * the queue is over {@link maxQueuedBytes} (a disk slower than the traffic) samples are dropped
 * and counted. When the file would pass `max_bytes` it is renamed to `<path>.1` (replacing the
 * previous one) and a new file started, so the log takes at most twice `max_bytes` on disk. A
 * write error disables the log (logged once); the server keeps answering.
 */

/** Bytes of sampled lines waiting to be written before new samples are dropped. */
export const maxQueuedBytes = 4 * 1_048_576;

export class SampleLogWriter {
  private readonly path: string;
  private readonly config: SampleLogConfig;
  private readonly log: PinoLogger;
  private readonly random: Random;
  private handle: FileHandle | null = null;
  private size = 0;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing: Promise<void> | null = null;
  private failed = false;
  /** Samples dropped because the queue was full. */
  dropped = 0;
  /** Lines written since the server started. */
  written = 0;

  private constructor(path: string, config: SampleLogConfig, log: PinoLogger, seed: number) {
    this.path = path;
    this.config = config;
    this.log = log;
    this.random = createRandom(seed);
  }

  /** Opens (appends to) the log at an absolute path. */
  static async open(path: string, config: SampleLogConfig, log: PinoLogger, seed = 1): Promise<SampleLogWriter> {
    const writer = new SampleLogWriter(path, config, log, seed);
    await mkdir(dirname(path), { recursive: true });
    writer.handle = await open(path, 'a');
    writer.size = (await stat(path)).size;
    log.info({ sample_log: path, rate: config.rate, max_bytes: config.max_bytes }, 'writing the request sample log');
    return writer;
  }

  /** Samples one answered request at the configured rate. */
  offer(modelVersion: string, instances: readonly FeatureRecord[], predictions: readonly Prediction[]): void {
    if (this.failed || this.config.rate <= 0 || this.random() >= this.config.rate) return;
    const line = formatSampleRecord({
      time: new Date().toISOString(),
      model_version: modelVersion,
      instances: instances as Record<string, number | string | null>[],
      predictions: [...predictions],
    });
    if (this.queuedBytes + line.length > maxQueuedBytes) {
      this.dropped++;
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    this.writing ??= this.drain();
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.failed) {
        const lines = this.queue;
        this.queue = [];
        this.queuedBytes = 0;
        for (const line of lines) {
          const bytes = Buffer.byteLength(line);
          if (this.size > 0 && this.size + bytes > this.config.max_bytes) await this.rotate();
          await this.handle!.write(line);
          this.size += bytes;
          this.written++;
        }
      }
    } catch (error) {
      this.failed = true;
      this.queue = [];
      this.log.error({ sample_log: this.path, err_message: describeError(error) }, 'cannot write the request sample log; sampling is off until restart');
    } finally {
      this.writing = null;
    }
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    await rename(this.path, `${this.path}.1`);
    this.handle = await open(this.path, 'a');
    this.size = 0;
  }
}
