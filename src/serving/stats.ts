import { createRandom, randomInt, type Random } from '../core/rng.js';
import { quantile } from '../data/profile.js';
import type { ServingStats } from './api-schema.js';

/**
 * Live traffic numbers for `/api/stats.json`: totals, the request rate and latency percentiles
 * of the last minute, and a per-minute history of the last hour. Memory is fixed: latencies are
 * kept in a bounded reservoir per minute (exact percentiles up to that many requests a minute,
 * an unbiased sample beyond).
 */

/** Latencies kept per minute for percentiles. */
export const latencySamplesPerMinute = 2048;
/** Minutes of history kept. */
export const historyMinutes = 60;

interface MinuteBucket {
  /** Start of the minute, ms since the epoch. */
  start: number;
  requests: number;
  errors: number;
  latencies: Float64Array;
  kept: number;
}

/** Rolling request statistics of one server. */
export class TrafficStats {
  private readonly startedAt: number;
  private readonly random: Random = createRandom(20_240_601);
  private readonly minutes: MinuteBucket[] = [];
  private requestsTotal = 0;
  private errorsTotal = 0;

  constructor(startedAt: number = Date.now()) {
    this.startedAt = startedAt;
  }

  /**
   * Records one answered request; statuses of 400 and above count as errors. A latency of null
   * (a request refused before it was routed, whose start is unknown) is left out of the percentiles.
   */
  record(status: number, latencyMs: number | null, at: number = Date.now()): void {
    this.requestsTotal++;
    const error = status >= 400;
    if (error) this.errorsTotal++;
    const bucket = this.bucketAt(at);
    bucket.requests++;
    if (error) bucket.errors++;
    if (latencyMs === null) return;
    if (bucket.kept < latencySamplesPerMinute) {
      bucket.latencies[bucket.kept++] = latencyMs;
    } else {
      // Reservoir sampling: every latency of the minute is kept with equal probability.
      const slot = randomInt(this.random, bucket.requests);
      if (slot < latencySamplesPerMinute) bucket.latencies[slot] = latencyMs;
    }
  }

  private bucketAt(at: number): MinuteBucket {
    const start = at - (at % 60_000);
    const last = this.minutes[this.minutes.length - 1];
    if (last && last.start === start) return last;
    const bucket: MinuteBucket = { start, requests: 0, errors: 0, latencies: new Float64Array(latencySamplesPerMinute), kept: 0 };
    this.minutes.push(bucket);
    if (this.minutes.length > historyMinutes) this.minutes.shift();
    return bucket;
  }

  /** The numbers `/api/stats.json` publishes. */
  snapshot(at: number = Date.now()): ServingStats {
    const uptime = Math.max(0, at - this.startedAt);
    // The last minute: the current bucket and the part of the previous one still within 60 s,
    // weighted by overlap for the rate; both buckets' samples for the percentiles.
    const recent = this.minutes.filter((bucket) => bucket.start > at - 120_000 && bucket.start <= at);
    let requests = 0;
    const samples: number[] = [];
    for (const bucket of recent) {
      const overlap = Math.max(0, Math.min(60_000, bucket.start + 60_000 - (at - 60_000)));
      const share = bucket.start + 60_000 > at ? 1 : overlap / 60_000;
      requests += bucket.requests * share;
      for (let i = 0; i < bucket.kept; i++) samples.push(bucket.latencies[i]!);
    }
    samples.sort((a, b) => a - b);
    const seconds = Math.min(60, Math.max(1, uptime / 1000));
    return {
      uptime_s: uptime / 1000,
      requests_total: this.requestsTotal,
      errors_total: this.errorsTotal,
      request_rate: requests / seconds,
      latency_ms: {
        p50: samples.length > 0 ? quantile(samples, 0.5) : null,
        p90: samples.length > 0 ? quantile(samples, 0.9) : null,
        p99: samples.length > 0 ? quantile(samples, 0.99) : null,
      },
      history: this.minutes
        .filter((bucket) => bucket.start > at - historyMinutes * 60_000)
        .map((bucket) => {
          const sorted = Array.from(bucket.latencies.subarray(0, bucket.kept)).sort((a, b) => a - b);
          return {
            at: new Date(bucket.start).toISOString(),
            requests: bucket.requests,
            errors: bucket.errors,
            p99_ms: sorted.length > 0 ? quantile(sorted, 0.99) : null,
          };
        }),
    };
  }
}
