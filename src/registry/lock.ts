import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { writeNewFileSynced } from '../core/atomic-fs.js';
import { RegistryError } from '../core/errors.js';
import { safeParseJsonText } from '../core/json-file.js';

/**
 * An exclusive lock for registry writes: the file `<root>/.lock`, created with `open(…, 'wx')`
 * so that exactly one process creates it. It holds who took it and why. Waiters back off and
 * retry until a timeout; a lock whose process is gone (same host, `kill(pid, 0)` says ESRCH) or
 * that is older than a maximum age is stale and is broken.
 */

/** The lock file's content. */
export const lockOwnerSchema = z.object({
  pid: z.number().int(),
  hostname: z.string(),
  /** ISO time the lock was taken. */
  started_at: z.string(),
  /** What the holder is doing, for the "locked by" message. */
  purpose: z.string(),
  /** Random identity of this acquisition, so a holder never removes a lock that is not its own. */
  token: z.string(),
});
export type LockOwner = z.infer<typeof lockOwnerSchema>;

export interface LockOptions {
  /** How long to wait for a held lock before giving up with a RegistryError. Default 30 s. */
  timeoutMs?: number;
  /** A lock older than this is stale whoever holds it (a hung or foreign-host process). Default 10 min. */
  maxAgeMs?: number;
  /**
   * A lock file that cannot be read (empty or truncated: its creator crashed between creating and
   * writing it) is stale once its mtime is this old. Default 5 s.
   */
  unreadableGraceMs?: number;
}

/** A held lock. */
export interface RegistryLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still this acquisition's. Safe to call twice. */
  release(): Promise<void>;
}

/** Name of the lock file inside the registry folder. */
export const lockFileName = '.lock';

const defaults = { timeoutMs: 30_000, maxAgeMs: 10 * 60_000, unreadableGraceMs: 5_000 };

/**
 * Runs `fn` while holding the registry's lock, and releases it afterwards whether `fn` succeeded
 * or threw. The registry folder is created if missing.
 */
export async function withRegistryLock<T>(
  root: string,
  purpose: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lock = await acquireRegistryLock(root, purpose, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** Takes the registry's lock, waiting with backoff while another live process holds it. */
export async function acquireRegistryLock(root: string, purpose: string, options: LockOptions = {}): Promise<RegistryLock> {
  const settings = { ...defaults, ...options };
  await mkdir(root, { recursive: true });
  const path = join(root, lockFileName);
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    started_at: new Date().toISOString(),
    purpose,
    token: randomBytes(12).toString('hex'),
  };
  const deadline = Date.now() + settings.timeoutMs;
  let delay = 10;
  let lastHolder: LockOwner | null = null;
  for (;;) {
    if (await tryCreate(path, owner)) return heldLock(path, owner);
    const holder = await readHolder(path);
    if (holder.state === 'gone') continue;
    if (holder.state === 'owner') lastHolder = holder.owner;
    if (isStale(holder, settings)) {
      await breakStaleLock(path, holder);
      continue;
    }
    if (Date.now() >= deadline) throw lockTimeout(root, path, lastHolder, settings.timeoutMs);
    // Jitter keeps several waiters from retrying in lockstep.
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())) * (0.75 + Math.random() * 0.5));
    delay = Math.min(delay * 1.6, 500);
  }
}

async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  try {
    await writeNewFileSynced(path, `${JSON.stringify(owner)}\n`);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

type Holder =
  | { state: 'owner'; owner: LockOwner; text: string; mtimeMs: number }
  | { state: 'unreadable'; text: string; mtimeMs: number }
  | { state: 'gone' };

async function readHolder(path: string): Promise<Holder> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    // A lock file that does not parse is being written by its creator, or was left by a crash.
    const parsed = safeParseJsonText(text, path, lockOwnerSchema);
    return parsed.success
      ? { state: 'owner', owner: parsed.data, text, mtimeMs: info.mtimeMs }
      : { state: 'unreadable', text, mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'gone' };
    throw error;
  }
}

function isStale(holder: Holder, settings: typeof defaults): boolean {
  if (holder.state === 'gone') return false;
  if (holder.state === 'unreadable') return Date.now() - holder.mtimeMs > settings.unreadableGraceMs;
  const started = Date.parse(holder.owner.started_at);
  const age = Date.now() - (Number.isNaN(started) ? holder.mtimeMs : started);
  if (age > settings.maxAgeMs) return true;
  return holder.owner.hostname === hostname() && !processIsAlive(holder.owner.pid);
}

/** Whether a process with this pid exists on this host (EPERM: it exists but belongs to someone else). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes a stale lock without removing a fresh one that replaced it meanwhile: move the file
 * aside (atomic, one breaker wins), then check it is the one judged stale; if a live lock was
 * moved by mistake, put it back.
 */
async function breakStaleLock(path: string, stale: Exclude<Holder, { state: 'gone' }>): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8').catch(() => null);
  if (moved !== null && moved !== stale.text) {
    // Another process took the lock between our read and our rename: put it back. `link`
    // fails if yet another process created a lock meanwhile; then two processes believe they
    // hold it. That needs a crash plus three writers within microseconds, and the index write
    // stays atomic even then.
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

function heldLock(path: string, owner: LockOwner): RegistryLock {
  let released = false;
  return {
    path,
    owner,
    async release() {
      if (released) return;
      released = true;
      const current = await readHolder(path);
      if (current.state === 'owner' && current.owner.token === owner.token) await rm(path, { force: true });
    },
  };
}

function lockTimeout(root: string, path: string, holder: LockOwner | null, timeoutMs: number): RegistryError {
  const who = holder
    ? `process ${holder.pid} on ${holder.hostname} since ${holder.started_at} (${holder.purpose})`
    : 'another process';
  return new RegistryError(
    `The model registry at ${root} is locked by ${who}; gave up after ${Math.round(timeoutMs / 1000)} s. ` +
      `If that process is no longer running, delete ${path} and retry.`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
