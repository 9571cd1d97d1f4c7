import { describe, expect, test } from 'vitest';
import { latencySamplesPerMinute, TrafficStats } from '../../src/serving/stats.js';

const start = Date.parse('2026-01-01T10:00:00.000Z');

describe('TrafficStats', () => {
  test('totals, errors (status ≥ 400), latency percentiles and the rate of the last minute', () => {
    const stats = new TrafficStats(start);
    [10, 20, 30, 40].forEach((latency, i) => stats.record(i === 3 ? 503 : 200, latency, start + 1000 + i));
    stats.record(404, 50, start + 2000);
    const snapshot = stats.snapshot(start + 10_000);
    expect(snapshot).toMatchObject({ uptime_s: 10, requests_total: 5, errors_total: 2, latency_ms: { p50: 30, p90: 46, p99: 49.6 } });
    // 5 requests in the first 10 s of uptime.
    expect(snapshot.request_rate).toBeCloseTo(0.5, 12);
    expect(snapshot.history).toEqual([{ at: '2026-01-01T10:00:00.000Z', requests: 5, errors: 2, p99_ms: 49.6 }]);
  });

  test('the last minute counts the previous minute by its overlap; history keeps one point per minute for an hour', () => {
    const stats = new TrafficStats(start);
    for (let minute = 0; minute < 70; minute++) for (let i = 0; i < 6; i++) stats.record(200, 1, start + minute * 60_000 + i * 10_000);
    const at = start + 69 * 60_000 + 30_000;
    const snapshot = stats.snapshot(at);
    expect(snapshot.history).toHaveLength(60);
    expect(snapshot.history[0]!.at).toBe(new Date(start + 10 * 60_000).toISOString());
    // Half of minute 68 (3 requests) and all 6 of minute 69.
    expect(snapshot.request_rate).toBeCloseTo(9 / 60, 12);
  });

  test('latencies beyond the per-minute sample are reservoir-sampled: percentiles stay within the values seen', () => {
    const stats = new TrafficStats(start);
    for (let i = 0; i < latencySamplesPerMinute * 3; i++) stats.record(200, i % 100, start + 1000);
    const { latency_ms: latency } = stats.snapshot(start + 2000);
    expect(latency.p50).toBeGreaterThan(40);
    expect(latency.p50).toBeLessThan(60);
    expect(latency.p99).toBeLessThanOrEqual(99);
  });

  test('no requests: null percentiles', () => {
    expect(new TrafficStats(start).snapshot(start + 5000)).toEqual({
      uptime_s: 5,
      requests_total: 0,
      errors_total: 0,
      request_rate: 0,
      latency_ms: { p50: null, p90: null, p99: null },
      history: [],
    });
  });
});
