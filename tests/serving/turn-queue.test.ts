import { describe, expect, test } from 'vitest';
import { TurnQueue } from '../../src/serving/turn-queue.js';

describe('TurnQueue', () => {
  test('jobs run in order, one per event-loop turn: what arrives during a job is served before the next', async () => {
    const queue = new TurnQueue();
    const order: string[] = [];
    const jobs = [1, 2, 3].map((n) =>
      queue.run(() => {
        // Work that arrives while a job runs (a small request's I/O) is queued behind it, not behind every job.
        if (n === 1) setImmediate(() => order.push('arrived during job 1'));
        order.push(`job ${n}`);
      }),
    );
    expect(queue.waiting).toBe(3);
    await Promise.all(jobs);
    expect(order).toEqual(['job 1', 'arrived during job 1', 'job 2', 'job 3']);
    expect(queue.waiting).toBe(0);
  });

  test('a job’s result and error reach its caller only', async () => {
    const queue = new TurnQueue();
    const failing = queue.run(() => {
      throw new Error('refused');
    });
    const ok = queue.run(() => 42);
    await expect(failing).rejects.toThrow('refused');
    await expect(ok).resolves.toBe(42);
  });
});
