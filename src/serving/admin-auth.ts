import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../core/errors.js';

/**
 * The bearer token of `POST /admin/reload` (MLOPS_ADMIN_TOKEN): long enough to resist guessing,
 * compared in constant time, and wrong guesses rate-limited per client address.
 */

/** Fewest characters of an admin token: `openssl rand -hex 16` gives 32. */
export const minAdminTokenLength = 32;

/**
 * The admin token to use, or null when none is set (the endpoint is off). A token that is too
 * short or holds whitespace (a bearer token cannot) is a ConfigError: the server refuses to start.
 */
export function checkAdminToken(token: string | null | undefined): string | null {
  if (token === null || token === undefined || token === '') return null;
  const length = [...token].length;
  if (/\s/.test(token)) {
    throw new ConfigError('MLOPS_ADMIN_TOKEN contains whitespace, which a bearer token cannot carry: generate one with `openssl rand -hex 32`.');
  }
  if (length < minAdminTokenLength) {
    throw new ConfigError(
      `MLOPS_ADMIN_TOKEN has ${length} characters; it needs at least ${minAdminTokenLength}: generate one with \`openssl rand -hex 32\`, or unset it to turn POST /admin/reload off.`,
    );
  }
  return token;
}

/** Compares a bearer token in constant time (digests of equal length, whatever was sent). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  const given = createHash('sha256').update(match?.[1] ?? '').digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected) && match !== null;
}

export interface FailureLimiterOptions {
  /** Failures a client may have in one window before it must wait. */
  maxFailures: number;
  windowMs: number;
  /** Clients remembered at once; the oldest are forgotten first (memory stays bounded). */
  maxClients: number;
  now?: () => number;
}

/**
 * Counts failed attempts per client in fixed windows. Once a client reached `maxFailures` in a
 * window, every attempt (a right one too, or guessing would go on) waits until the window ends.
 */
export class FailureLimiter {
  private readonly clients = new Map<string, { start: number; failures: number }>();
  private readonly options: Required<FailureLimiterOptions>;

  constructor(options: FailureLimiterOptions) {
    this.options = { now: Date.now, ...options };
  }

  /** Milliseconds the client must wait before its next attempt; 0 when it may try now. */
  retryAfterMs(client: string): number {
    const entry = this.current(client);
    if (!entry || entry.failures < this.options.maxFailures) return 0;
    return entry.start + this.options.windowMs - this.options.now();
  }

  /** Records a failed attempt. */
  fail(client: string): void {
    const entry = this.current(client);
    if (entry) {
      entry.failures++;
      return;
    }
    if (this.clients.size >= this.options.maxClients) {
      const oldest = this.clients.keys().next();
      if (!oldest.done) this.clients.delete(oldest.value);
    }
    this.clients.set(client, { start: this.options.now(), failures: 1 });
  }

  private current(client: string): { start: number; failures: number } | undefined {
    const entry = this.clients.get(client);
    if (entry && this.options.now() - entry.start >= this.options.windowMs) {
      this.clients.delete(client);
      return undefined;
    }
    return entry;
  }
}
