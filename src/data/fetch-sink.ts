import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataError } from '../core/errors.js';

/**
 * Streams bytes from a download or a program's output to a file with a size limit, hashing them
 * on the way: the one sink of `mlops fetch`'s sources. The file appears (by rename) only when the
 * stream ended within the limit; a stream past the limit or broken leaves nothing behind.
 */

/** A file a source produced. */
export interface FetchedBytes {
  path: string;
  bytes: number;
  sha256: string;
}

/** Writes `chunks` to `path` (atomically, fsynced); a DataError naming `what` past `maxBytes`. */
export async function writeChunksToFile(chunks: AsyncIterable<Uint8Array>, path: string, maxBytes: number, what: string): Promise<FetchedBytes> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.partial`;
  const handle = await open(temp, 'w');
  const hash = createHash('sha256');
  let bytes = 0;
  let complete = false;
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new DataError(`${what} is larger than its limit of ${maxBytes} bytes (max_bytes); stopped reading at ${bytes} bytes.`);
      hash.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
    complete = true;
  } finally {
    await handle.close();
    if (!complete) await rm(temp, { force: true });
  }
  await rename(temp, path);
  return { path, bytes, sha256: hash.digest('hex') };
}

/** A URL as it may be shown and recorded: no credentials, no query string (it may carry a token). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return '(an invalid URL)';
  }
}
