import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { RunningServer } from '../../src/serving/server.js';
import { createServingProject, fixtureInstances, metricValue, removeServingProject, startTestServer, type CapturedLog, type ServingProject } from './fixture.js';
import { openRaw, pump, requestHead, type RawResponse } from './raw-http.js';

/**
 * What a hostile or broken client can do to the server, over real sockets on 127.0.0.1: every
 * mistake is a 4xx with the usual error body, bodies are refused before they are read, timeouts
 * fire on time, and logs and metrics say what the client received.
 */

let project: ServingProject;
let server: RunningServer;
let log: CapturedLog;
let url: string;
const adminToken = 'f3c1a9e07b5d4c2e8a6f1b3d5c7e9a0b';
const [good] = fixtureInstances(1, 90);
const goodJson = JSON.stringify(good);

beforeAll(async () => {
  project = await createServingProject([42]);
  ({ server, log } = await startTestServer(project.registry, {
    adminToken,
    change: (settings) => {
      settings.serving.max_body_bytes = 65_536;
      settings.serving.headers_timeout_ms = 1000;
      settings.serving.request_timeout_ms = 2000;
    },
  }));
  url = server.url;
});

afterAll(async () => {
  await server?.shutdown('test end');
  removeServingProject(project);
});

/** One request over a fresh connection: head, then the body. */
async function send(method: string, path: string, headers: Record<string, string | number>, body: Buffer | string = ''): Promise<RawResponse> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const connection = await openRaw(url);
  await connection.write(requestHead(method, path, url, { 'content-length': bytes.length, ...headers }));
  if (bytes.length > 0) await connection.write(bytes);
  const response = await connection.response();
  connection.socket.destroy();
  return response;
}

const json = { 'content-type': 'application/json' };
const encoded = (encoding: string) => ({ ...json, 'content-encoding': encoding });

async function metricsText(): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** Log entries (pino JSON) written so far. */
function logEntries(): Record<string, unknown>[] {
  return log.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectNoServerFault(metrics: string): void {
  expect(metricValue(metrics, 'mlops_http_errors_total', '{kind="internal"}')).toBeUndefined();
  expect(metrics).not.toMatch(/status="5\d\d"/);
  // pino level 50 is error: nothing a client sends is logged as an error, and no stack is logged.
  expect(logEntries().filter((entry) => (entry.level as number) >= 50)).toEqual([]);
  expect(log.text()).not.toContain('"stack"');
}

describe('encoding mistakes are the client’s: 400 or 415 with the usual error body', () => {
  const gzipped = gzipSync(goodJson);
  test.each([
    { name: 'a corrupt gzip body', headers: encoded('gzip'), body: Buffer.concat([gzipped.subarray(0, 10), Buffer.from('definitely not deflate data')]), status: 400, code: 'invalid_encoding' },
    { name: 'a truncated gzip body', headers: encoded('gzip'), body: gzipped.subarray(0, gzipped.length - 12), status: 400, code: 'invalid_encoding' },
    { name: 'an empty gzip body', headers: encoded('gzip'), body: Buffer.alloc(0), status: 400, code: 'invalid_encoding' },
    { name: 'a bad deflate body', headers: encoded('deflate'), body: Buffer.from(goodJson), status: 400, code: 'invalid_encoding' },
    { name: 'a bad br body', headers: encoded('br'), body: Buffer.from(goodJson), status: 400, code: 'invalid_encoding' },
    { name: 'gzip announced twice', headers: encoded('gzip, gzip'), body: gzipSync(gzipped), status: 415, code: 'unsupported_encoding' },
    { name: 'a UTF-16 charset', headers: { 'content-type': 'application/json; charset=utf-16le' }, body: Buffer.from(`\ufeff${goodJson}`, 'utf16le'), status: 415, code: 'unsupported_media_type' },
    { name: 'a UTF-16 body without a charset', headers: json, body: Buffer.from(`\ufeff${goodJson}`, 'utf16le'), status: 415, code: 'unsupported_media_type' },
    { name: 'bytes that are not UTF-8', headers: json, body: Buffer.from(JSON.stringify({ ...good, contract: 'Caf\u00e9' }), 'latin1'), status: 400, code: 'invalid_json' },
  ])('$name → $status $code', async ({ headers, body, status, code }) => {
    const response = await send('POST', '/predict', headers, body);
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(response.json.error.message).toMatch(/\w/);
  });

  test('valid gzip, deflate and br bodies are still served', async () => {
    for (const [encoding, body] of [['gzip', gzipSync(goodJson)], ['deflate', deflateSync(goodJson)], ['br', brotliCompressSync(goodJson)]] as const) {
      const response = await send('POST', '/predict', encoded(encoding), body);
      expect(response.status, encoding).toBe(200);
    }
  });

  test('none of them raised an internal error or logged one', async () => {
    expectNoServerFault(await metricsText());
    expect(metricValue(await metricsText(), 'mlops_http_errors_total', '{kind="invalid_encoding"}')).toBe(5);
  });
});

describe('limits are enforced before the body is read', () => {
  test('an over-limit Content-Length gets 413 and Connection: close without a byte of body sent', async () => {
    const connection = await openRaw(url);
    await connection.write(requestHead('POST', '/predict', url, { ...json, 'content-length': 2_000_000_000 }));
    const response = await connection.response();
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('body_too_large');
    expect(response.headers.connection).toBe('close');
    await connection.closed();
  });

  test('with Expect: 100-continue an over-limit body is refused before the client is told to send it', async () => {
    const connection = await openRaw(url);
    await connection.write(requestHead('POST', '/predict', url, { ...json, 'content-length': 70_000, expect: '100-continue' }));
    const response = await connection.response();
    expect(response.interim).toEqual([]);
    expect(response.status).toBe(413);
    connection.socket.destroy();
  });

  test('with Expect: 100-continue a valid body gets 100 Continue, then its predictions', async () => {
    const connection = await openRaw(url);
    await connection.write(requestHead('POST', '/predict', url, { ...json, 'content-length': Buffer.byteLength(goodJson), expect: '100-continue' }));
    await connection.received('100 Continue');
    await connection.write(goodJson);
    const response = await connection.response();
    expect(response.interim).toEqual([100]);
    expect(response.status).toBe(200);
    connection.socket.destroy();
  });

  test.each([
    { name: 'a chunked body sent fast', pauseMs: 0 },
    { name: 'a chunked body trickled', pauseMs: 5 },
  ])('$name is cut at the limit with 413 and the connection is closed', async ({ pauseMs }) => {
    const connection = await openRaw(url);
    await connection.write(requestHead('POST', '/predict', url, { ...json, 'transfer-encoding': 'chunked' }));
    const sending = pump(connection, { chunk: Buffer.alloc(4096, 0x20), chunked: true, pauseMs, maxBytes: 200_000_000 });
    const response = await connection.response();
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('body_too_large');
    expect(response.headers.connection).toBe('close');
    await connection.closed();
    expect(await sending).toBeLessThan(32_000_000);
  });

  test.each([
    { status: 415, method: 'POST', path: '/predict', headers: { 'content-type': 'text/plain' } },
    { status: 404, method: 'POST', path: '/no-such-path', headers: json },
    { status: 405, method: 'PUT', path: '/health', headers: json },
    { status: 405, method: 'POST', path: '/', headers: json },
  ])('a $status answer does not drain a 200 MB body: the connection closes', async ({ status, method, path, headers }) => {
    const connection = await openRaw(url);
    await connection.write(requestHead(method, path, url, { ...headers, 'content-length': 200_000_000 }));
    const sending = pump(connection, { chunk: Buffer.alloc(65_536, 0x20), maxBytes: 200_000_000 });
    const response = await connection.response();
    expect(response.status).toBe(status);
    expect(response.headers.connection).toBe('close');
    await connection.closed();
    // What the socket buffers hold at most (a few MB on loopback), not the 200 MB announced.
    expect(await sending).toBeLessThan(32_000_000);
  });

  test('a small body of a refused request keeps the connection alive', async () => {
    const response = await send('POST', '/predict', { 'content-type': 'text/plain' }, goodJson);
    expect(response.status).toBe(415);
    expect(response.headers.connection).toBe('keep-alive');
  });
});

describe('timeouts fire on time and are logged as what the client got', () => {
  test('headers that never end get 408 within a couple of seconds of headers_timeout_ms', async () => {
    const connection = await openRaw(url);
    await connection.write(`GET /health HTTP/1.1\r\nHost: ${new URL(url).host}\r\nX-Slow: `);
    const response = await connection.response(6000);
    expect(response.status).toBe(408);
    expect(response.json.error.code).toBe('request_timeout');
    await connection.closed();
    const metrics = await metricsText();
    expect(metricValue(metrics, 'mlops_http_errors_total', '{kind="request_timeout"}')).toBeGreaterThanOrEqual(1);
  });

  test('a body that stops half-way gets 408 after request_timeout_ms; the log and metrics say 408', async () => {
    const connection = await openRaw(url);
    await connection.write(requestHead('POST', '/predict', url, { ...json, 'content-length': 5000, 'x-request-id': 'slow-body-1' }));
    await connection.write(goodJson.slice(0, 20));
    const response = await connection.response(7000);
    expect(response.status).toBe(408);
    expect(response.json.error.code).toBe('request_timeout');
    await connection.closed();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logEntries().find((entry) => entry.req_id === 'slow-body-1')).toMatchObject({ route: '/predict', status: 408, error: 'request_timeout' });
    expect(metricValue(await metricsText(), 'mlops_http_requests_total', '{route="/predict",method="POST",status="408"}')).toBe(1);
  });

  test('a client that hangs up half-way through its body is logged and counted as 499', async () => {
    const refusedBefore = metricValue(await metricsText(), 'mlops_http_requests_total', '{route="/predict",method="POST",status="400"}');
    const connection = await openRaw(url);
    await connection.write(requestHead('POST', '/predict', url, { ...json, 'content-length': 5000, 'x-request-id': 'gone-1' }));
    await connection.write(goodJson.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    connection.socket.destroy();
    for (let i = 0; i < 50 && !logEntries().some((entry) => entry.req_id === 'gone-1'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logEntries().find((entry) => entry.req_id === 'gone-1')).toMatchObject({ route: '/predict', status: 499 });
    const metrics = await metricsText();
    expect(metricValue(metrics, 'mlops_http_requests_total', '{route="/predict",method="POST",status="499"}')).toBe(1);
    expect(metricValue(metrics, 'mlops_http_requests_total', '{route="/predict",method="POST",status="400"}')).toBe(refusedBefore);
  });
});

describe('admin token', () => {
  test('a short token is refused at start with a clear message (exit code 2)', async () => {
    const start = startTestServer(project.registry, { adminToken: 'correct-horse' });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(/MLOPS_ADMIN_TOKEN has 13 characters; it needs at least 32/);
  });

  test('wrong tokens are rate-limited: after 5 failures even the right token waits (429, Retry-After)', async () => {
    const reload = (token: string) => fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await reload(adminToken)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await reload(`wrong-${i}`)).status).toBe(401);
    const limited = await reload(adminToken);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('too_many_requests');
  });
});

describe('hosts, methods, characters', () => {
  const health = (host: string) => send('GET', '/health', { host });

  test.each(['evil.example', 'evil.example:8080', 'localhost.evil.example', '127.0.0.1.nip.io'])('Host: %s is refused with 403 on a loopback server', async (host) => {
    const connection = await openRaw(url);
    await connection.write(`GET /health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const response = await connection.response();
    connection.socket.destroy();
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('host_not_allowed');
  });

  test.each(['localhost', 'LOCALHOST:8080', 'app.localhost', '127.0.0.1', '[::1]:8080', '10.0.0.7:8080'])('Host: %s is served', async (host) => {
    const connection = await openRaw(url);
    await connection.write(`GET /health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const response = await connection.response();
    connection.socket.destroy();
    expect(response.status).toBe(200);
  });

  test('configured hosts on a server bound to all interfaces; any host by default there', async () => {
    const { server: open } = await startTestServer(project.registry, { change: (settings) => (settings.host = '0.0.0.0') });
    const { server: strict } = await startTestServer(project.registry, {
      change: (settings) => {
        settings.host = '0.0.0.0';
        settings.allowedHosts = ['model.example.com', '.svc.cluster.local'];
      },
    });
    try {
      const status = async (base: string, host: string) => {
        const connection = await openRaw(base.replace('0.0.0.0', '127.0.0.1'));
        await connection.write(`GET /health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        const response = await connection.response();
        connection.socket.destroy();
        return response.status;
      };
      expect(await status(open.url, 'evil.example')).toBe(200);
      expect(await status(strict.url, 'evil.example')).toBe(403);
      expect(await status(strict.url, 'model.example.com')).toBe(200);
      expect(await status(strict.url, 'mlops-model.default.svc.cluster.local:80')).toBe(200);
      // Probes reach pods by IP: an IP literal cannot come from DNS rebinding.
      expect(await status(strict.url, '10.1.2.3:8080')).toBe(200);
    } finally {
      await open.shutdown('test end');
      await strict.shutdown('test end');
    }
  });

  test('other methods on / get 405 naming GET and HEAD', async () => {
    const response = await fetch(`${url}/`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    expect((await health('localhost')).status).toBe(200);
  });

  test('string limits count characters (code points), not UTF-16 units', async () => {
    const post = (contract: string) => fetch(`${url}/predict`, { method: 'POST', headers: json, body: JSON.stringify({ ...good, contract }) });
    expect((await post('😀'.repeat(1000))).status).toBe(200);
    const long = await post('😀'.repeat(1001));
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { message: string } }).error.message).toMatch(/has 1001 characters; at most 1000/);
  });
});
