import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningServer } from '../../src/serving/server.js';
import { createServingProject, fixtureInstances, metricValue, removeServingProject, startTestServer, type CapturedLog, type ServingProject } from './fixture.js';
import { openRaw, requestHead } from './raw-http.js';

/**
 * Sweeps the server's error paths — every route with every method, malformed bodies, encodings,
 * headers and paths — and checks that no client input gets a 5xx, raises the internal-error
 * metric or logs an error.
 */

let project: ServingProject;
let server: RunningServer;
let log: CapturedLog;

beforeAll(async () => {
  project = await createServingProject([42]);
  ({ server, log } = await startTestServer(project.registry, { adminToken: '0123456789abcdef0123456789abcdef' }));
});

afterAll(async () => {
  await server?.shutdown('test end');
  removeServingProject(project);
});

const routes = [
  '/predict', '/feedback', '/health', '/ready', '/metrics', '/model', '/api/model.json', '/api/versions.json', '/monitoring', '/api/monitoring.json',
  '/api/stats.json', '/api/request-schema.json', '/admin/reload', '/', '/index.html', '/assets/chart.umd.min.js', '/assets/dashboard.css',
  '/no/such/path', '/%', '/..%2f..%2fetc%2fpasswd', `/${'a'.repeat(8000)}`, '/predict?x=%zz',
];
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE'];
const [good] = fixtureInstances(1, 5);
const goodJson = JSON.stringify(good);
const gzipped = gzipSync(goodJson);

/** Bodies and headers sent to /predict: each a mistake a client can make. */
const mistakes: { headers: Record<string, string | number>; body: Buffer | string }[] = [
  { headers: { 'content-type': 'application/json' }, body: '' },
  { headers: { 'content-type': 'application/json' }, body: '   ' },
  { headers: { 'content-type': 'application/json' }, body: '{' },
  { headers: { 'content-type': 'application/json' }, body: 'null' },
  { headers: { 'content-type': 'application/json' }, body: '[]' },
  { headers: { 'content-type': 'application/json' }, body: '{"instances":' },
  { headers: { 'content-type': 'application/json' }, body: '{"instances":[{"tenure":1}' },
  { headers: { 'content-type': 'application/json' }, body: '{"instances":{}}' },
  { headers: { 'content-type': 'application/json' }, body: '{"instances":[[[[[[1]]]]]]}' },
  { headers: { 'content-type': 'application/json' }, body: `{"instances":[${goodJson}],"instances":5}` },
  { headers: { 'content-type': 'application/json' }, body: goodJson.replace('{', '{"\\u005f_proto__":{"x":1},') },
  { headers: { 'content-type': 'application/json' }, body: goodJson.replace('{', '{"tenure":{"k":1},') },
  { headers: { 'content-type': 'application/json' }, body: `{"instances":[${goodJson}]}garbage` },
  { headers: { 'content-type': 'application/json' }, body: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]) },
  { headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) },
  { headers: { 'content-type': 'application/json; charset=utf-16' }, body: goodJson },
  { headers: { 'content-type': 'application/json; charset="UTF-8"; foo=bar' }, body: '{' },
  { headers: { 'content-type': 'application/json;;;' }, body: goodJson },
  { headers: { 'content-type': 'application/jsonx' }, body: goodJson },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipped.subarray(0, 15) },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '' },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: goodJson },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' }, body: gzipped },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: gzipped },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: brotliCompressSync(Buffer.alloc(5_000_000, 0x20)) },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(20_000_000, 0x20)) },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, body: goodJson },
  { headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body: '{"instances":[]}' },
];

/** Bodies sent to /feedback: each a mistake a client can make (the entries' own mistakes are answered 200 with rejections). */
const feedbackMistakes: (Buffer | string)[] = [
  '',
  '{',
  '[]',
  'null',
  '{"feedback":null}',
  '{"feedback":[]}',
  '{"feedback":[1,"x",null,[],{}]}',
  '{"feedback":[{"prediction_id":"a","label":"Yes"}],"x":1}',
  '{"feedback":[{"prediction_id":{"__proto__":1},"label":{"constructor":1}}]}',
  `{"feedback":[${'{"prediction_id":"a","label":"Yes"},'.repeat(20_000)}{}]}`,
  `{"feedback":[{"prediction_id":"${'a'.repeat(2_000_000)}","label":"Yes"}]}`,
  Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
  Buffer.from([0x7b, 0xc3, 0x28, 0x7d]),
];

test('no request a client can send gets a 5xx, raises the internal-error metric or logs an error', async () => {
  const statuses = new Map<string, number>();
  const url = server.url;
  const exchange = async (label: string, head: string, body: Buffer | string = '') => {
    const connection = await openRaw(url);
    await connection.write(head);
    if (body.length > 0) await connection.write(body);
    const response = await connection.response(8000, head.startsWith('HEAD '));
    connection.socket.destroy();
    statuses.set(label, response.status);
  };
  for (const route of routes) {
    for (const method of methods) {
      await exchange(`${method} ${route.slice(0, 40)}`, requestHead(method, route, url, { 'content-type': 'application/json', 'content-length': goodJson.length }), goodJson);
    }
  }
  for (const [i, { headers, body }] of mistakes.entries()) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await exchange(`mistake ${i}`, requestHead('POST', '/predict', url, { ...headers, 'content-length': bytes.length }), bytes);
  }
  for (const [i, body] of feedbackMistakes.entries()) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await exchange(`feedback mistake ${i}`, requestHead('POST', '/feedback', url, { 'content-type': 'application/json', 'content-length': bytes.length }), bytes);
  }
  await exchange('feedback as text', requestHead('POST', '/feedback', url, { 'content-type': 'text/plain', 'content-length': 2 }), '{}');
  await exchange('feedback gzip garbage', requestHead('POST', '/feedback', url, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': 4 }), 'abcd');
  // Malformed heads are answered by the HTTP parser before any route.
  await exchange('no Host', 'GET /health HTTP/1.1\r\n\r\n');
  await exchange('both lengths', 'POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  await exchange('a bad chunk size', `POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`);
  await exchange('huge headers', `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
  await exchange('a bad method token', 'G@T /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await exchange('an admin reload with a bad token', requestHead('POST', '/admin/reload', url, { authorization: 'Bearer nope', 'content-length': 0 }));
  await exchange('a range past the end', requestHead('GET', '/assets/chart.umd.min.js', url, { range: 'bytes=999999999-' }));

  const serverErrors = [...statuses].filter(([, status]) => status >= 500);
  expect(serverErrors).toEqual([]);
  expect(statuses.size).toBeGreaterThan(routes.length * methods.length);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  expect(metricValue(metrics, 'mlops_http_errors_total', '{kind="internal"}')).toBeUndefined();
  expect(metrics).not.toMatch(/status="5\d\d"/);
  const errors = log.lines.map((line) => JSON.parse(line) as { level: number }).filter((entry) => entry.level >= 50);
  expect(errors).toEqual([]);
  expect(log.text()).not.toContain('"stack"');
}, 60_000);
