import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/**
 * Durable file writes. `writeFileAtomic` replaces a file so that readers see either the old
 * content or the new; the fsync helpers below it are the pieces it is made of, for callers that
 * assemble a whole folder before one rename publishes it (the registry's version staging).
 */

/**
 * Writes a file so that readers see either the old content or the new, never a half-written
 * file: write a temporary sibling, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeNewFileSynced(tmp, data);
    await rename(tmp, path);
    await syncDirectory(dir);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Writes JSON (two-space indented, trailing newline) atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, formatJsonFile(value));
}

/** The text of a JSON file as this codebase writes them: two-space indented, trailing newline. */
export function formatJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Creates a file that must not exist yet (EEXIST otherwise: the caller decides whether that is a
 * lost race or a bug), writes it and fsyncs it before returning.
 */
export async function writeNewFileSynced(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies a file and fsyncs the copy, so that it survives a crash once its directory is synced too. */
export async function copyFileSynced(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  await syncFile(to);
}

/** fsync a file that is already written. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory so that a rename inside it survives a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}
