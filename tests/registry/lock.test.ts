import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RegistryError } from '../../src/core/errors.js';
import { acquireRegistryLock, lockFileName, processIsAlive, withRegistryLock } from '../../src/registry/lock.js';
import { runTsChild } from './fixtures/child-process.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mlops-lock-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The pid of a process that has exited (and been reaped): nothing runs under it now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

async function writeLock(owner: { pid: number; hostname: string; started_at: string }): Promise<void> {
  await writeFile(join(root, lockFileName), JSON.stringify({ ...owner, purpose: 'test holder', token: 'other' }));
}

describe('withRegistryLock', () => {
  test('holds the lock file with its owner while running, and removes it afterwards', async () => {
    const seen = await withRegistryLock(root, 'register run-1', async () => JSON.parse(await readFile(join(root, lockFileName), 'utf8')) as Record<string, unknown>);
    expect(seen).toMatchObject({ pid: process.pid, hostname: hostname(), purpose: 'register run-1' });
    expect(Number.isNaN(Date.parse(String(seen['started_at'])))).toBe(false);
    await expect(stat(join(root, lockFileName))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('releases the lock when the function throws', async () => {
    await expect(withRegistryLock(root, 'failing', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(stat(join(root, lockFileName))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('creates a missing registry folder', async () => {
    const nested = join(root, 'a', 'b');
    expect(await withRegistryLock(nested, 'nested', async () => 42)).toBe(42);
  });

  test('three real processes incrementing a counter under the lock lose no update', async () => {
    const counter = join(root, 'counter.txt');
    await writeFile(counter, '0');
    const increments = 15;
    const results = await Promise.all([1, 2, 3].map(() => runTsChild('./lock-counter.ts', [root, counter, String(increments)])));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(Number(await readFile(counter, 'utf8'))).toBe(3 * increments);
    await expect(stat(join(root, lockFileName))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('stale and held locks', () => {
  test('breaks a lock whose process is gone on this host', async () => {
    const pid = await deadPid();
    expect(processIsAlive(pid)).toBe(false);
    await writeLock({ pid, hostname: hostname(), started_at: new Date().toISOString() });
    const lock = await acquireRegistryLock(root, 'after crash', { timeoutMs: 2_000 });
    expect(JSON.parse(await readFile(join(root, lockFileName), 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'after crash' });
    await lock.release();
  });

  test('breaks a lock older than the maximum age even if its process lives', async () => {
    await writeLock({ pid: process.pid, hostname: 'another-host', started_at: new Date(Date.now() - 60_000).toISOString() });
    const lock = await acquireRegistryLock(root, 'aged', { timeoutMs: 2_000, maxAgeMs: 30_000 });
    expect(lock.owner.purpose).toBe('aged');
    await lock.release();
  });

  test('waits for a live holder and gives up with a RegistryError naming it', async () => {
    // This process is alive, so its lock is not stale; another host's lock cannot be checked by pid.
    for (const holderHost of [hostname(), 'build-agent-7']) {
      await writeLock({ pid: process.pid, hostname: holderHost, started_at: new Date().toISOString() });
      const attempt = acquireRegistryLock(root, 'blocked', { timeoutMs: 300 });
      await expect(attempt).rejects.toThrow(RegistryError);
      await expect(acquireRegistryLock(root, 'blocked', { timeoutMs: 100 })).rejects.toThrow(
        new RegExp(`locked by process ${process.pid} on ${holderHost} .*test holder.*delete .*\\.lock`),
      );
      // The live holder's lock is left alone.
      expect(JSON.parse(await readFile(join(root, lockFileName), 'utf8'))).toMatchObject({ token: 'other' });
    }
  });

  test('an empty lock file (creator crashed before writing) is stale only after a grace period', async () => {
    await writeFile(join(root, lockFileName), '');
    await expect(acquireRegistryLock(root, 'too soon', { timeoutMs: 100, unreadableGraceMs: 60_000 })).rejects.toThrow(RegistryError);
    const lock = await acquireRegistryLock(root, 'later', { timeoutMs: 2_000, unreadableGraceMs: 0 });
    expect(lock.owner.purpose).toBe('later');
    await lock.release();
  });

  test('release never removes a lock that another acquisition took over', async () => {
    const lock = await acquireRegistryLock(root, 'first');
    await writeLock({ pid: process.pid, hostname: hostname(), started_at: new Date().toISOString() });
    await lock.release();
    expect(JSON.parse(await readFile(join(root, lockFileName), 'utf8'))).toMatchObject({ token: 'other' });
  });
});
