import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { DataError, describeError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { safeReadJsonFile } from '../core/json-file.js';
import { displayUrl, writeChunksToFile, type FetchedBytes } from './fetch-sink.js';

/**
 * Downloads a file (a CSV, or labelled predictions from a service) over HTTP(S) into a cache folder, streamed to disk with a size limit and a
 * timeout. The cached copy keeps the server's validators (ETag, Last-Modified); the next download
 * sends them (`If-None-Match`, `If-Modified-Since`) and a 304 reuses the copy without a transfer.
 * Header values come from the caller (the config names environment variables); they are never
 * written anywhere, and URLs are shown without their query string.
 */

export interface HttpDownload {
  url: string;
  /** Request headers, values resolved. */
  headers: Record<string, string>;
  maxBytes: number;
  timeoutMs: number;
  /** Folder of cached downloads and their validators. */
  cacheDir: string;
  /** How the source is named in messages (`data.source[1]`). */
  name: string;
  /** The Accept header (default: CSV). */
  accept?: string;
}

/** A downloaded (or revalidated) file. */
export interface HttpFetched extends FetchedBytes {
  /** True when the server answered 304 and the cached copy was used. */
  notModified: boolean;
  etag: string | null;
  lastModified: string | null;
  /** When the bytes were downloaded (for a 304: when the cached copy was). */
  fetchedAt: string;
}

const cacheRecordSchema = z.object({
  url_sha256: z.string(),
  etag: z.string().nullable(),
  last_modified: z.string().nullable(),
  sha256: z.string(),
  bytes: z.number().int(),
  fetched_at: z.string(),
});

/** Downloads `url` (or revalidates the cached copy); a DataError names the source and what went wrong. */
export async function downloadFile(options: HttpDownload): Promise<HttpFetched> {
  const { url, name } = options;
  const shown = displayUrl(url);
  const key = sha256(url).slice(0, 32);
  const bodyPath = join(options.cacheDir, `${key}.body`);
  const recordPath = join(options.cacheDir, `${key}.json`);
  const cached = await readCached(recordPath, bodyPath, key);
  const headers: Record<string, string> = { ...options.headers, accept: options.accept ?? 'text/csv, text/plain;q=0.9, */*;q=0.5' };
  if (cached?.etag) headers['if-none-match'] = cached.etag;
  if (cached?.last_modified) headers['if-modified-since'] = cached.last_modified;
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    throw new DataError(`${name}: cannot download ${shown}: ${failure(error, options.timeoutMs)}`);
  }
  if (response.status === 304 && cached) {
    await response.body?.cancel();
    return { path: bodyPath, bytes: cached.bytes, sha256: cached.sha256, notModified: true, etag: cached.etag, lastModified: cached.last_modified, fetchedAt: cached.fetched_at };
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    const hint = response.status === 401 || response.status === 403 ? ' (check the credentials its headers take from the environment)' : '';
    throw new DataError(`${name}: ${shown} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${hint}.`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > options.maxBytes) {
    await response.body.cancel();
    throw new DataError(`${name}: ${shown} is ${declared} bytes (Content-Length), over its limit of ${options.maxBytes} bytes (max_bytes).`);
  }
  let written: FetchedBytes;
  try {
    written = await writeChunksToFile(response.body, bodyPath, options.maxBytes, `${name}: ${shown}`);
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${name}: the download of ${shown} broke off: ${failure(error, options.timeoutMs)}`);
  }
  const record = {
    url_sha256: key,
    etag: response.headers.get('etag'),
    last_modified: response.headers.get('last-modified'),
    sha256: written.sha256,
    bytes: written.bytes,
    fetched_at: new Date().toISOString(),
  };
  await writeJsonAtomic(recordPath, record);
  return { ...written, notModified: false, etag: record.etag, lastModified: record.last_modified, fetchedAt: record.fetched_at };
}

/** The cached copy's record, when it and its body are there and agree. */
async function readCached(recordPath: string, bodyPath: string, key: string): Promise<z.infer<typeof cacheRecordSchema> | null> {
  const read = await safeReadJsonFile(recordPath, cacheRecordSchema);
  if (!read.success) return null;
  const body = await stat(bodyPath).catch(() => null);
  return read.data.url_sha256 === key && body?.size === read.data.bytes ? read.data : null;
}

function failure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no complete answer within ${timeoutMs / 1000} s (timeout_s)`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : describeError(error);
  return cause;
}
