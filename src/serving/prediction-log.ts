import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { syncDirectory } from '../core/atomic-fs.js';
import { describeError } from '../core/errors.js';
import { listSegments, segmentName } from '../monitoring/feedback-log.js';

/**
 * Writes the prediction log (format: src/monitoring/feedback-log.ts). Appends are group
 * commits: records appended while a write is in progress go out together in the next write, and
 * `append` resolves once its record reached the operating system, so a process that dies after
 * answering has lost nothing it answered. `sync` resolves once everything appended before it is on
 * the disk (one fsync for every caller waiting meanwhile); a timer fsyncs the rest every
 * `fsyncIntervalMs`. A file is closed and a new one begun before it would pass `segmentBytes`,
 * and the oldest files are deleted so that the log stays within `maxBytes`. Each server start
 * begins a new file: a file whose writer crashed mid-line is never appended to.
 *
 * When the log cannot be written (a read-only or full disk), it says why in `failure`, drops
 * records (counted) and lets predictions go on; `sync` then rejects, so `/feedback` answers 503.
 * Every `retryMs` an append tries a new file, and the log recovers when that works.
 */

export interface PredictionLogSettings {
  dir: string;
  segmentBytes: number;
  maxBytes: number;
  fsyncIntervalMs: number;
  /** How long after a failure the log tries again (default 10 s). */
  retryMs?: number;
}

/** Thrown by `sync` while the log cannot be written. */
export class LogUnavailableError extends Error {}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

interface Segment {
  number: number;
  path: string;
  bytes: number;
}

export class PredictionLog {
  private readonly settings: PredictionLogSettings & { retryMs: number };
  private readonly log: PinoLogger;
  private readonly modelLines = new Map<string, string>();
  private readonly closed: Segment[] = [];
  private handle: FileHandle | null = null;
  private current: Segment | null = null;
  private currentModels = new Set<string>();
  private queue: { version: string; text: string }[] = [];
  private batch = deferred();
  private writing = false;
  private unsynced = false;
  private runningSync: Promise<void> | null = null;
  private pendingSync: Promise<void> | null = null;
  private rotation: Promise<void> | null = null;
  private datasyncing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failedAt = 0;
  private retrying = false;
  private closing = false;
  /** Why the log cannot be written, or null while it can. */
  failure: string | null = null;
  /** Records not written because the log could not be. */
  dropped = 0;
  /** Times the log became unwritable. */
  failures = 0;

  private constructor(settings: PredictionLogSettings, log: PinoLogger) {
    this.settings = { retryMs: 10_000, ...settings };
    this.log = log;
  }

  /** Opens the log in its folder (created if missing). Never throws: a log that cannot be opened starts failed. */
  static async open(settings: PredictionLogSettings, log: PinoLogger): Promise<PredictionLog> {
    const writer = new PredictionLog(settings, log);
    try {
      await mkdir(settings.dir, { recursive: true });
      writer.closed.push(...(await listSegments(settings.dir)));
      await writer.startSegment();
      log.info({ prediction_log: settings.dir, max_bytes: settings.maxBytes, segment_bytes: settings.segmentBytes }, 'writing the prediction log');
    } catch (error) {
      writer.fail(error);
    }
    writer.timer = setInterval(() => {
      if (writer.unsynced && writer.failure === null) writer.sync().catch(() => undefined);
    }, settings.fsyncIntervalMs);
    writer.timer.unref();
    return writer;
  }

  /** Bytes the log's files take on disk. */
  get bytesOnDisk(): number {
    return this.closed.reduce((sum, segment) => sum + segment.bytes, 0) + (this.current?.bytes ?? 0);
  }

  /** Whether records are written now (after a failure, asking also tries the disk again once `retryMs` passed). */
  get writable(): boolean {
    this.retryAfterFailure();
    return this.failure === null && !this.closing;
  }

  /** The model line written before a version's first record in each file. */
  registerModel(version: string, line: string): void {
    this.modelLines.set(version, line.endsWith('\n') ? line : `${line}\n`);
  }

  /**
   * Appends one record (a line ending in a newline) of a registered version. Resolves once it was
   * written to the operating system, or at once when the log cannot be written (it is dropped).
   */
  append(version: string, text: string): Promise<void> {
    if (this.failure !== null || this.closing) {
      this.dropped++;
      this.retryAfterFailure();
      return Promise.resolve();
    }
    this.queue.push({ version, text });
    const done = this.batch.promise;
    if (!this.writing) {
      this.writing = true;
      // Appends of this event-loop turn join the same write.
      setImmediate(() => void this.drain());
    }
    return done;
  }

  /** Resolves once everything appended before the call is on disk; rejects while the log cannot be written. */
  sync(): Promise<void> {
    if (this.pendingSync) return this.pendingSync;
    const before = this.runningSync ?? Promise.resolve();
    const run: Promise<void> = before
      .catch(() => undefined)
      .then(async () => {
        this.pendingSync = null;
        this.runningSync = run;
        // Records appended before this sync began must reach the file first (later ones need not).
        if (this.writing) await this.batch.promise;
        await this.syncNow();
      })
      .finally(() => {
        if (this.runningSync === run) this.runningSync = null;
      });
    this.pendingSync = run;
    return run;
  }

  /** Writes and fsyncs what is queued, then closes the file. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.writing) await this.batch.promise;
    this.closing = true;
    await this.sync().catch(() => undefined);
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const records = this.queue;
      const batch = this.batch;
      this.queue = [];
      this.batch = deferred();
      if (this.failure === null) {
        try {
          await this.write(records);
        } catch (error) {
          this.fail(error);
        }
      } else {
        this.dropped += records.length;
      }
      batch.resolve();
    }
    this.writing = false;
    this.batch.resolve();
    this.batch = deferred();
  }

  /** Writes records in order, starting a new file before one would pass its size. */
  private async write(records: readonly { version: string; text: string }[]): Promise<void> {
    let chunk = '';
    let chunkBytes = 0;
    for (const record of records) {
      let piece = record.text;
      const model = this.currentModels.has(record.version) ? undefined : this.modelLines.get(record.version);
      if (model !== undefined) piece = model + piece;
      const bytes = Buffer.byteLength(piece);
      if (this.current!.bytes + chunkBytes > 0 && this.current!.bytes + chunkBytes + bytes > this.settings.segmentBytes) {
        await this.writeChunk(chunk, chunkBytes);
        chunk = '';
        chunkBytes = 0;
        await this.rotate();
        // The new file needs the model line again.
        piece = (this.modelLines.get(record.version) ?? '') + record.text;
        this.currentModels.add(record.version);
        const fresh = Buffer.byteLength(piece);
        chunk = piece;
        chunkBytes = fresh;
        continue;
      }
      this.currentModels.add(record.version);
      chunk += piece;
      chunkBytes += bytes;
    }
    await this.writeChunk(chunk, chunkBytes);
  }

  private async writeChunk(chunk: string, bytes: number): Promise<void> {
    if (bytes === 0) return;
    await this.handle!.write(chunk);
    this.current!.bytes += bytes;
    this.unsynced = true;
  }

  private async syncNow(): Promise<void> {
    while (this.rotation) await this.rotation;
    if (this.failure !== null) throw new LogUnavailableError(this.failure);
    if (!this.unsynced || !this.handle) return;
    this.unsynced = false;
    this.datasyncing = this.handle.datasync();
    try {
      await this.datasyncing;
    } catch (error) {
      this.fail(error);
      throw new LogUnavailableError(this.failure ?? describeError(error));
    } finally {
      this.datasyncing = null;
    }
  }

  /** Closes the current file (fsynced) and starts the next. */
  private async rotate(): Promise<void> {
    // Only an fsync already running on the file is waited for (a sync waiting for this write is not).
    const inFlight = this.datasyncing;
    this.rotation = (async () => {
      await inFlight?.catch(() => undefined);
      const handle = this.handle!;
      await handle.datasync();
      await handle.close();
      this.handle = null;
      this.closed.push(this.current!);
      this.current = null;
      this.unsynced = false;
      await this.startSegment();
    })();
    try {
      await this.rotation;
    } finally {
      this.rotation = null;
    }
  }

  /** Deletes the oldest files until a new one fits the budget, then opens the next file. */
  private async startSegment(): Promise<void> {
    while (this.closed.length > 0 && this.closed.reduce((sum, s) => sum + s.bytes, 0) + this.settings.segmentBytes > this.settings.maxBytes) {
      const oldest = this.closed.shift()!;
      await unlink(oldest.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    let number = Math.max(0, ...this.closed.map((s) => s.number)) + 1;
    for (;;) {
      const path = join(this.settings.dir, segmentName(number));
      try {
        this.handle = await open(path, 'wx');
        this.current = { number, path, bytes: 0 };
        break;
      } catch (error) {
        // Another writer took this number: take the next.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        number++;
      }
    }
    this.currentModels = new Set();
    await syncDirectory(this.settings.dir);
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = describeError(error);
    this.failures++;
    this.failedAt = Date.now();
    this.log.error(
      { prediction_log: this.settings.dir, err_message: this.failure },
      'cannot write the prediction log: predictions go on, /feedback answers 503 until it can be written again',
    );
    const handle = this.handle;
    this.handle = null;
    if (this.current) this.closed.push(this.current);
    this.current = null;
    void handle?.close().catch(() => undefined);
  }

  /** After `retryMs`, tries a new file; the log is writable again when that works. */
  private retryAfterFailure(): void {
    if (this.closing || this.retrying || this.failure === null || Date.now() - this.failedAt < this.settings.retryMs) return;
    this.retrying = true;
    void (async () => {
      try {
        await mkdir(this.settings.dir, { recursive: true });
        this.closed.splice(0, this.closed.length, ...(await listSegments(this.settings.dir)));
        await this.startSegment();
        this.failure = null;
        this.log.info({ prediction_log: this.settings.dir }, 'the prediction log can be written again');
      } catch {
        this.failedAt = Date.now();
      } finally {
        this.retrying = false;
      }
    })();
  }
}
