import { stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { configuredDataPath } from '../config/paths.js';
import type { DataSource } from '../config/source-schema.js';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { ConfigError, DataError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import type { Logger } from '../core/logger.js';
import { combineCsvFiles } from '../data/combine-csv.js';
import { runSourceCommand } from '../data/fetch-command.js';
import { downloadFile } from '../data/fetch-http.js';
import { fetchRecordPath, type FetchRecord, type SourceRecord } from '../data/fetch-record.js';
import { displayUrl } from '../data/fetch-sink.js';
import { exportFeedbackCsv } from './feedback-csv.js';

/**
 * fetch: materialises `data.source` into `data.path` before validate. Each source becomes a local
 * CSV (a file as it is, a download, a program's output, labelled predictions exported from the
 * prediction log or a service), then their rows are combined in order with the window, and the
 * record of what was fetched is written beside the data for lineage.
 */

/** Where downloads and source outputs are kept between fetches (beside the config). */
export const sourceCacheDirName = '.mlops/cache/sources';

export interface FetchContext {
  loaded: LoadedConfig;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

/** A source made local. */
interface LocalSource {
  path: string;
  record: Omit<SourceRecord, 'rows'>;
}

/** Fetches the configured sources into `data.path`; null (and nothing written) when `data.source` is not set. */
export async function fetchStep(ctx: FetchContext): Promise<FetchRecord | null> {
  const { loaded, logger } = ctx;
  const sources = loaded.config.data.source;
  if (!sources) {
    logger.info(`data.source is not set: ${loaded.config.data.path} is the data as it is; nothing to fetch.`);
    return null;
  }
  const cacheDir = resolve(loaded.baseDir, sourceCacheDirName);
  const local: LocalSource[] = [];
  for (const [index, source] of sources.entries()) {
    const name = `data.source[${index}]`;
    const fetched = await fetchSource(source, name, ctx, cacheDir);
    logger.info(`${name} (${source.type}) ${fetched.record.location}: ${fetched.record.bytes} bytes${fetched.record.not_modified ? ', not modified (cached copy)' : ''}`);
    local.push(fetched);
  }
  const dataPath = configuredDataPath(loaded);
  const { data } = loaded.config;
  const window = data.window;
  const combined = await combineCsvFiles(
    local.map((source, index) => ({ path: source.path, name: `data.source[${index}] (${source.record.location})` })),
    dataPath,
    { delimiter: data.delimiter, trim: data.trim, missingValues: data.missing_values, window: window ? { rows: window.rows, days: window.days, timeColumn: window.time_column } : undefined },
  );
  const record: FetchRecord = {
    fetched_at: new Date().toISOString(),
    data: { path: data.path, sha256: combined.sha256, bytes: combined.bytes, rows: combined.outputRows },
    sources: local.map((source, index) => ({ ...source.record, rows: combined.rows[index]! })),
    ...(window
      ? {
          window: {
            ...(window.rows !== undefined ? { rows: window.rows } : {}),
            ...(window.days !== undefined ? { days: window.days, time_column: window.time_column } : {}),
            dropped_rows: combined.droppedRows,
            ...(combined.timeRange ?? {}),
          },
        }
      : {}),
  };
  await writeJsonAtomic(fetchRecordPath(dataPath), record);
  logger.info(
    `Fetched ${sources.length} source${sources.length === 1 ? '' : 's'} into ${data.path}: ${combined.outputRows} rows` +
      `${window ? ` (window kept ${combined.outputRows} of ${combined.outputRows + combined.droppedRows})` : ''}, sha256 ${combined.sha256.slice(0, 12)}…`,
  );
  return record;
}

async function fetchSource(source: DataSource, name: string, ctx: FetchContext, cacheDir: string): Promise<LocalSource> {
  const { loaded, env } = ctx;
  const fetchedAt = new Date().toISOString();
  switch (source.type) {
    case 'file': {
      const path = resolve(loaded.baseDir, source.path);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) throw new DataError(`${name}: ${source.path} is not a file (relative to ${loaded.baseDir}).`, [], path);
      return { path, record: { type: 'file', location: source.path, fetched_at: fetchedAt, bytes: info.size, sha256: await sha256File(path) } };
    }
    case 'http': {
      const url = sourceUrl(source, name, env);
      const headers: Record<string, string> = {};
      for (const [header, variable] of Object.entries(source.headers)) headers[header] = requireEnv(env, variable, `${name}.headers.${header}`);
      const fetched = await downloadFile({ url, headers, maxBytes: source.max_bytes, timeoutMs: source.timeout_s * 1000, cacheDir, name });
      return {
        path: fetched.path,
        record: { type: 'http', location: displayUrl(url), fetched_at: fetched.fetchedAt, bytes: fetched.bytes, sha256: fetched.sha256, not_modified: fetched.notModified },
      };
    }
    case 'command': {
      const outPath = join(cacheDir, `command-${name.replace(/\W+/g, '-')}.csv`);
      const written = await runSourceCommand({ argv: source.run, cwd: loaded.baseDir, env, maxBytes: source.max_bytes, timeoutMs: source.timeout_s * 1000, outPath, name });
      return { path: outPath, record: { type: 'command', location: source.run.join(' '), fetched_at: fetchedAt, bytes: written.bytes, sha256: written.sha256 } };
    }
    case 'feedback': {
      const outPath = join(cacheDir, `feedback-${name.replace(/\W+/g, '-')}.csv`);
      let from: { dir: string } | { linesPath: string };
      let location: string;
      if (source.url !== undefined || source.url_env !== undefined) {
        const service = sourceUrl(source, name, env);
        const token = requireEnv(env, source.token_env, `${name}.token_env`);
        const download = await downloadFile({
          url: new URL('admin/feedback', service.endsWith('/') ? service : `${service}/`).href,
          headers: { authorization: `Bearer ${token}` },
          maxBytes: source.max_bytes,
          timeoutMs: source.timeout_s * 1000,
          cacheDir,
          name,
          accept: 'application/x-ndjson',
        });
        from = { linesPath: download.path };
        location = displayUrl(service);
      } else {
        const dir = resolve(loaded.baseDir, source.dir ?? loaded.config.feedback.log_dir);
        from = { dir };
        location = relativeOrAbsolute(loaded.baseDir, dir);
      }
      const exported = await exportFeedbackCsv(from, loaded, outPath);
      const info = await stat(outPath);
      return {
        path: outPath,
        record: { type: 'feedback', location, fetched_at: fetchedAt, bytes: info.size, sha256: await sha256File(outPath), versions: exported.versions },
      };
    }
  }
}

/** A source's URL: `url`, or the environment variable `url_env` names. */
function sourceUrl(source: { url?: string; url_env?: string }, name: string, env: NodeJS.ProcessEnv): string {
  if (source.url !== undefined) return source.url;
  const url = requireEnv(env, source.url_env!, `${name}.url_env`);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new ConfigError(`${name}.url_env: ${source.url_env} does not hold an http:// or https:// URL.`);
  return url;
}

function requireEnv(env: NodeJS.ProcessEnv, variable: string, key: string): string {
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new ConfigError(`${key}: the environment variable ${variable} is not set (in a workflow, pass it from a secret or variable in env:).`);
  }
  return value;
}

function relativeOrAbsolute(base: string, path: string): string {
  const rel = relative(base, path);
  return rel.startsWith('..') || rel === '' ? path : rel;
}
