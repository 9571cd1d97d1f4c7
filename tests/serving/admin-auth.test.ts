import { describe, expect, test } from 'vitest';
import { ConfigError, ExitCode } from '../../src/core/errors.js';
import { bearerMatches, checkAdminToken, FailureLimiter, minAdminTokenLength } from '../../src/serving/admin-auth.js';

describe('checkAdminToken', () => {
  test('unset or empty turns the endpoint off; a long token is kept', () => {
    expect(checkAdminToken(undefined)).toBeNull();
    expect(checkAdminToken(null)).toBeNull();
    expect(checkAdminToken('')).toBeNull();
    const token = 'a1'.repeat(minAdminTokenLength / 2);
    expect(checkAdminToken(token)).toBe(token);
  });

  test.each([
    { token: 'changeme', message: /MLOPS_ADMIN_TOKEN has 8 characters; it needs at least 32: generate one with `openssl rand -hex 32`/ },
    { token: 'x'.repeat(31), message: /has 31 characters/ },
    { token: '🔑'.repeat(31), message: /has 31 characters/ },
    { token: `${'x'.repeat(32)} y`, message: /contains whitespace/ },
  ])('$token is refused: exit code 2 and a message saying what to do', ({ token, message }) => {
    let error: unknown;
    try {
      checkAdminToken(token);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(ExitCode.usage);
    expect((error as Error).message).toMatch(message);
  });
});

describe('bearerMatches', () => {
  const token = 'f'.repeat(40);
  test.each([
    { header: `Bearer ${token}`, ok: true },
    { header: `bearer   ${token} `, ok: true },
    { header: `Bearer ${token}x`, ok: false },
    { header: `Basic ${token}`, ok: false },
    { header: 'Bearer', ok: false },
    { header: undefined, ok: false },
  ])('$header → $ok', ({ header, ok }) => {
    expect(bearerMatches(header, token)).toBe(ok);
  });
});

describe('FailureLimiter', () => {
  test('a client with maxFailures failures waits until its window ends; others are not affected', () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter({ maxFailures: 3, windowMs: 60_000, maxClients: 100, now: () => now });
    for (let i = 0; i < 2; i++) limiter.fail('a');
    expect(limiter.retryAfterMs('a')).toBe(0);
    limiter.fail('a');
    now += 10_000;
    expect(limiter.retryAfterMs('a')).toBe(50_000);
    expect(limiter.retryAfterMs('b')).toBe(0);
    now += 50_000;
    expect(limiter.retryAfterMs('a')).toBe(0);
    limiter.fail('a');
    expect(limiter.retryAfterMs('a')).toBe(0);
  });

  test('memory is bounded: the oldest client is forgotten first', () => {
    const limiter = new FailureLimiter({ maxFailures: 1, windowMs: 60_000, maxClients: 2, now: () => 0 });
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('c');
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.retryAfterMs('b')).toBe(60_000);
    expect(limiter.retryAfterMs('c')).toBe(60_000);
  });
});
