import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { createRecordingLogger, silentLogger } from '../../src/core/logger.js';
import { fetchRecordPath, fetchRecordSchema } from '../../src/data/fetch-record.js';
import { fetchStep } from '../../src/pipeline/fetch-step.js';
import { openStepContext } from '../../src/pipeline/step-context.js';
import { validateStep } from '../../src/pipeline/validate-step.js';
import { runManifestSchema } from '../../src/pipeline/workspace.js';
import { createProject, defaultConfigText, repoRoot } from '../helpers/project.js';

/**
 * `mlops fetch`'s sources on real files, a real HTTP server on 127.0.0.1 (ETag and Last-Modified,
 * headers from the environment, size limits, timeouts, errors), real programs and a real
 * prediction log folder; the record it writes and validation carrying it into the run.
 */

const telco = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').trimEnd().split('\n');
const csv = (from: number, to: number) => `${[telco[0], ...telco.slice(from, to)].join('\n')}\n`;
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

let project: string;
let server: Server;
let base: string;
/** What the test server answers next, and the requests it saw. */
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  project = createProject({ 'mlops.config.yaml': defaultConfigText(), 'data/base.csv': csv(1, 301), 'data/extra.csv': csv(301, 401) });
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(project, { recursive: true, force: true });
});

/** Writes the project's config with these sources (data.path is the fetched file) and loads it. */
async function configWith(source: unknown, window?: unknown) {
  const config = parse(defaultConfigText()) as Record<string, any>;
  config.data.path = '.mlops/data/train.csv';
  config.data.source = source;
  if (window) config.data.window = window;
  writeFileSync(join(project, 'mlops.config.yaml'), stringify(config));
  return loadConfig(join(project, 'mlops.config.yaml'));
}

const fetchWith = async (source: unknown, env: NodeJS.ProcessEnv = {}, window?: unknown) => fetchStep({ loaded: await configWith(source, window), logger: silentLogger, env });

describe('http sources', () => {
  test('downloaded with headers from the environment; the ETag and Last-Modified revalidate the cached copy', async () => {
    let body = csv(1, 51);
    let etag = '"v1"';
    const lastModified = 'Wed, 21 Oct 2026 07:28:00 GMT';
    handler = (req, res) => {
      if (req.headers.authorization !== 'Bearer s3cret') return void res.writeHead(401).end();
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'text/csv', etag, 'last-modified': lastModified }).end(body);
    };
    const source = { type: 'http', url: `${base}/export.csv?token=do-not-record`, headers: { Authorization: 'MY_TOKEN' } };
    const env = { MY_TOKEN: 'Bearer s3cret' };
    const first = await fetchWith(source, env);
    expect(first!.sources).toEqual([
      expect.objectContaining({ type: 'http', location: `${base}/export.csv?…`, bytes: Buffer.byteLength(body), sha256: sha256(body), rows: 50, not_modified: false }),
    ]);
    expect(first!.data).toMatchObject({ path: '.mlops/data/train.csv', rows: 50 });
    const second = await fetchWith(source, env);
    expect(seen.at(-1)!.headers).toMatchObject({ 'if-none-match': '"v1"', 'if-modified-since': lastModified });
    expect(second!.sources[0]).toMatchObject({ not_modified: true, sha256: sha256(body), fetched_at: first!.sources[0]!.fetched_at, rows: 50 });
    expect(second!.data.sha256).toBe(first!.data.sha256);
    body = csv(1, 61);
    etag = '"v2"';
    const third = await fetchWith(source, env);
    expect(third!.sources[0]).toMatchObject({ not_modified: false, rows: 60, sha256: sha256(body) });
    const record = fetchRecordSchema.parse(JSON.parse(readFileSync(fetchRecordPath(join(project, '.mlops/data/train.csv')), 'utf8')));
    expect(record).toEqual(third);
    expect(JSON.stringify(record)).not.toContain('do-not-record');
    expect(JSON.stringify(record)).not.toContain('s3cret');
  });

  test.each([
    ['a missing secret', { headers: { Authorization: 'NOT_SET' } }, () => {}, ConfigError, /data\.source\[0\]\.headers\.Authorization: the environment variable NOT_SET is not set/],
    ['HTTP 404', {}, (_req: IncomingMessage, res: ServerResponse) => res.writeHead(404, 'Not Found').end(), DataError, /data\.source\[0\]: http:\/\/127\.0\.0\.1:\d+\/x\.csv answered HTTP 404 Not Found\./],
    ['a declared length over max_bytes', { max_bytes: 100 }, (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { 'content-length': 5000 }).end('x'.repeat(5000)), DataError, /is 5000 bytes \(Content-Length\), over its limit of 100 bytes/],
    [
      'a chunked body over max_bytes',
      { max_bytes: 1000 },
      (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200);
        for (let i = 0; i < 20; i++) res.write('y'.repeat(100));
        res.end();
      },
      DataError,
      /is larger than its limit of 1000 bytes \(max_bytes\)/,
    ],
    ['no answer in time', { timeout_s: 0.3 }, () => {}, DataError, /cannot download .*: no complete answer within 0\.3 s \(timeout_s\)/],
  ])('%s is a clear error and leaves nothing behind', async (_name, extra, answer, kind, message) => {
    handler = answer;
    const before = existsSync(join(project, '.mlops/cache/sources')) ? readdirSync(join(project, '.mlops/cache/sources')).length : 0;
    const error = await fetchWith({ type: 'http', url: `${base}/x.csv`, ...extra }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
    const after = readdirSync(join(project, '.mlops/cache/sources'));
    expect(after.filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(after.length).toBe(before);
  });
});

describe('command and file sources, the window, validation', () => {
  test('a program\'s standard output, run without a shell', async () => {
    const script = `process.stdout.write(${JSON.stringify(csv(1, 21))})`;
    const record = await fetchWith({ type: 'command', run: [process.execPath, '-e', script, '; rm -rf /tmp/never'] });
    expect(record!.sources[0]).toMatchObject({ type: 'command', rows: 20 });
    expect(record!.data.rows).toBe(20);
  });

  test.each([
    [['no-such-program-here'], ConfigError, /data\.source\[0\]: cannot run 'no-such-program-here': no such program/],
    [[process.execPath, '-e', 'process.stderr.write("warehouse said no"); process.exit(3)'], DataError, /failed \(exit code 3\); it said:\nwarehouse said no/],
  ])('%j fails clearly', async (run, kind, message) => {
    const error = await fetchWith({ type: 'command', run }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
  });

  test('a base file plus new rows with a window of rows; validate carries the sources into the run', async () => {
    const logger = createRecordingLogger();
    const loaded = await configWith([{ type: 'file', path: 'data/base.csv' }, { type: 'file', path: 'data/extra.csv' }], { rows: 350 });
    const record = (await fetchStep({ loaded, logger, env: {} }))!;
    expect(record.sources.map((s) => [s.type, s.location, s.rows, s.bytes, s.sha256])).toEqual([
      ['file', 'data/base.csv', 300, Buffer.byteLength(csv(1, 301)), sha256(csv(1, 301))],
      ['file', 'data/extra.csv', 100, Buffer.byteLength(csv(301, 401)), sha256(csv(301, 401))],
    ]);
    expect(record.window).toEqual({ rows: 350, dropped_rows: 50 });
    expect(logger.lines.at(-1)!.message).toMatch(/Fetched 2 sources into \.mlops\/data\/train\.csv: 350 rows \(window kept 350 of 400\)/);
    const ctx = await openStepContext({ cwd: project, env: {}, logger: silentLogger, overrides: { values: {}, source: 'test' } });
    const report = await validateStep(ctx);
    expect(report.rows).toBe(350);
    const run = runManifestSchema.parse(JSON.parse(readFileSync(ctx.workspace.path('run'), 'utf8')));
    expect(run.sources).toEqual(record);
    // Data edited after the fetch: its sources are not recorded, and validate says why.
    writeFileSync(join(project, '.mlops/data/train.csv'), csv(1, 200));
    const warned = createRecordingLogger();
    await validateStep({ ...ctx, logger: warned });
    expect(runManifestSchema.parse(JSON.parse(readFileSync(ctx.workspace.path('run'), 'utf8'))).sources).toBeUndefined();
    expect(warned.lines.some((line) => line.level === 'warn' && /changed since `mlops fetch` wrote it/.test(line.message))).toBe(true);
  });

  test('a file source may not be data.path itself; a window needs a source', async () => {
    const config = parse(defaultConfigText()) as Record<string, any>;
    config.data.source = { type: 'file', path: './data/telco-churn.csv' };
    writeFileSync(join(project, 'self.yaml'), stringify(config));
    await expect(loadConfig(join(project, 'self.yaml'))).rejects.toThrow(/data\.source\[0\]\.path: '\.\/data\/telco-churn\.csv' is data\.path itself/);
    delete config.data.source;
    config.data.window = { rows: 5 };
    writeFileSync(join(project, 'window.yaml'), stringify(config));
    await expect(loadConfig(join(project, 'window.yaml'))).rejects.toThrow(/data\.window: needs data\.source/);
  });
});

describe('feedback sources', () => {
  test('the labelled predictions of a log folder become rows with the config\'s columns; a label logged twice is one row', async () => {
    const dir = join(project, 'feedback-log');
    mkdirSync(dir, { recursive: true });
    const model = { k: 'm', v: '1.0.0', features: ['tenure', 'contract'], target: { type: 'binary', negative_label: 'No', positive_label: 'Yes', threshold: 0.5 }, slices: [], offline: {}, primary_metric: 'auc' };
    const label = (id: string, tenure: number, contract: string, answer: string) => ({ k: 'l', t: 2, id, v: '1.0.0', pt: 1, x: [tenure, contract], y: 0.4, label: answer });
    const lines = [model, { k: 'p', t: 1, v: '1.0.0', i: 'abc', s: 0, x: [[1, 'a']], y: [0.4] }, label('i-1', 5, 'Two year', 'Yes'), label('i-2', 9, 'One, "year"', 'No'), label('i-1', 5, 'Two year', 'Yes')];
    writeFileSync(join(dir, 'segment-000001.jsonl'), `${lines.map((line) => JSON.stringify(line)).join('\n')}\n{"k":"l","t":`);
    const record = await fetchWith({ type: 'feedback', dir: 'feedback-log' });
    expect(record!.sources[0]).toMatchObject({ type: 'feedback', location: 'feedback-log', rows: 2, versions: ['1.0.0'] });
    const written = readFileSync(join(project, '.mlops/data/train.csv'), 'utf8').trimEnd().split('\n');
    const header = written[0]!.split(',');
    expect(header.slice(-1)).toEqual(['churn']);
    const row = (text: string) => Object.fromEntries(header.map((name, i) => [name, text.match(/("([^"]|"")*"|[^,]*)(,|$)/g)![i]!.replace(/,$/, '')]));
    expect(row(written[1]!)).toMatchObject({ tenure: '5', contract: 'Two year', churn: 'Yes', female: '' });
    expect(row(written[2]!)).toMatchObject({ tenure: '9', contract: '"One, ""year"""', churn: 'No' });
  });
});
