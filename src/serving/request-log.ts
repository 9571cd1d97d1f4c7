import type { Logger as PinoLogger } from 'pino';
import type { ServingMetrics } from './metrics.js';
import type { TrafficStats } from './stats.js';
import { clientClosedStatus } from './body-reader.js';

/**
 * One record per request in the metrics, the traffic stats and the log, with the status the
 * client received: a response that never finished (the client left) is 499, and a request the
 * HTTP parser refused or timed out before any route saw it is recorded too (408, 400, 431).
 */

/** What the app learns about a request while answering it. */
export interface RequestRecord {
  requestId: string;
  /** A fixed route name, never the raw path. */
  route: string;
  /** performance.now() when the request arrived. */
  started: number;
  modelVersion?: string;
  instances?: number;
  errorCode?: string;
  errorField?: string;
}

/** Route label of requests refused before routing. */
export const unroutedLabel = 'unrouted';

/** Writes request records to metrics, stats and the log. */
export class RequestRecorder {
  constructor(
    private readonly metrics: ServingMetrics,
    private readonly stats: TrafficStats,
    private readonly log: PinoLogger,
  ) {}

  /** Records a request whose response ended (`finished`) or was cut off. */
  finish(method: string, pathLength: number, record: RequestRecord, response: { statusCode: number; finished: boolean }): void {
    const latencyMs = performance.now() - record.started;
    const status = response.finished ? response.statusCode : clientClosedStatus;
    this.metrics.observeRequest(record.route, method, status, latencyMs / 1000);
    this.stats.record(status, latencyMs);
    // Chosen fields only: never the body, headers, query string or client-supplied strings.
    const entry: Record<string, unknown> = {
      req_id: record.requestId,
      method,
      route: record.route,
      status,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
    };
    if (record.route === 'unmatched') entry.path_length = pathLength;
    if (record.modelVersion !== undefined) entry.model_version = record.modelVersion;
    if (record.instances !== undefined) entry.instances = record.instances;
    if (record.errorCode !== undefined) entry.error = record.errorCode;
    if (record.errorField !== undefined) entry.field = record.errorField;
    if (!response.finished) this.log.info(entry, 'request aborted by the client');
    else if (status >= 500) this.log.error(entry, 'request failed');
    else this.log.info(entry, 'request');
  }

  /** Records a request answered by the HTTP layer before any route: a timeout or a malformed head. */
  unrouted(status: number, code: string): void {
    // When such a request started is not known: it is counted without a latency.
    this.metrics.observeRequest(unroutedLabel, 'unknown', status, null);
    this.metrics.observeError(code);
    this.stats.record(status, null);
    this.log.info({ route: unroutedLabel, status, error: code }, 'request refused before routing');
  }
}
