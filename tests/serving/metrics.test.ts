import { Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { createRandom } from '../../src/core/rng.js';
import { BulkHistogram } from '../../src/serving/metrics.js';

describe('BulkHistogram', () => {
  test('renders exactly what prom-client renders for a Histogram of the same values', async () => {
    const buckets = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
    const reference = new Registry();
    const ours = new Registry();
    const histogram = new Histogram({ name: 'p', help: 'probabilities', buckets, registers: [reference] });
    const bulk = new BulkHistogram('p', 'probabilities', buckets);
    ours.registerMetric(bulk as unknown as Histogram);
    const random = createRandom(3);
    // Bucket edges themselves, values outside [0, 1] and random values.
    const values = [0, 0.1, 0.5, 1, 1.5, -0.2, ...Array.from({ length: 500 }, () => random())];
    for (const value of values) {
      histogram.observe(value);
      bulk.observe(value);
    }
    expect(await ours.metrics()).toBe(await reference.metrics());
    bulk.reset();
    histogram.reset();
    expect(await ours.metrics()).toContain('p_count 0');
  });

  test('ignores values Prometheus cannot sum', async () => {
    const bulk = new BulkHistogram('q', 'q', [1]);
    bulk.observe(Number.NaN);
    bulk.observe(Infinity);
    bulk.observe(0.5);
    const { values } = await bulk.get();
    expect(values).toEqual([
      { value: 1, labels: { le: 1 }, metricName: 'q_bucket' },
      { value: 1, labels: { le: '+Inf' }, metricName: 'q_bucket' },
      { value: 0.5, labels: {}, metricName: 'q_sum' },
      { value: 1, labels: {}, metricName: 'q_count' },
    ]);
  });
});
