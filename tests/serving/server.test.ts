import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { loadModel } from '../../src/model/model-io.js';
import { predictRows } from '../../src/model/predict.js';
import { hostPolicy } from '../../src/serving/allowed-hosts.js';
import { createServingApp } from '../../src/serving/app.js';
import { modelInfoSchema, monitoringSnapshotSchema, servingStatsSchema, versionHistorySchema } from '../../src/serving/api-schema.js';
import { MicroBatcher } from '../../src/serving/batcher.js';
import { ServingMetrics } from '../../src/serving/metrics.js';
import { ModelHost } from '../../src/serving/model-host.js';
import type { RunningServer } from '../../src/serving/server.js';
import { TrafficStats } from '../../src/serving/stats.js';
import { createServingProject, fixtureInstances, metricValue, postPredict, removeServingProject, startTestServer, type CapturedLog, type ServingProject } from './fixture.js';

let project: ServingProject;
let server: RunningServer;
let log: CapturedLog;
let url: string;

beforeAll(async () => {
  project = await createServingProject([42]);
  // A 5 ms batch window instead of 1 ms, so that coalescing does not depend on how busy the test machine is.
  ({ server, log } = await startTestServer(project.registry, { change: (settings) => (settings.serving.batch_timeout_ms = 5) }));
  url = server.url;
});

afterAll(async () => {
  await server?.shutdown('test end');
  removeServingProject(project);
});

async function getJson(path: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('the served model', () => {
  test('/health, /ready and /model describe the champion', async () => {
    expect((await getJson('/health')).body).toEqual({ status: 'ok' });
    expect(await getJson('/ready')).toMatchObject({ status: 200, body: { status: 'ready', model_version: '1.0.0' } });
    const model = await getJson('/model');
    expect(model.status).toBe(200);
    const info = modelInfoSchema.parse(model.body);
    expect(info).toMatchObject({ name: 'telco-churn', version: '1.0.0', champion: true, task: { type: 'binary', positive_label: 'Yes', threshold: 0.5 } });
    expect(info.features.map((feature) => feature.name)).toHaveLength(19);
    expect(info.features.find((feature) => feature.name === 'total_charges')).toMatchObject({ type: 'numeric', nullable: true });
    expect(info.features.find((feature) => feature.name === 'tenure')).toMatchObject({ type: 'numeric', nullable: false, min: 0, max: 72 });
    expect(info.features.find((feature) => feature.name === 'contract')).toMatchObject({ type: 'categorical', nullable: false });
    expect(info.lineage.dataset.rows).toBe(1506);
    expect(info.card).toHaveProperty('model_details');
    expect((await getJson('/api/model.json')).body).toEqual(model.body);
  });

  test('predictions equal predictRows on the same rows, labels at the threshold', async () => {
    const instances = fixtureInstances(30);
    const response = await postPredict(url, { instances });
    expect(response.status).toBe(200);
    expect(response.body.model_version).toBe('1.0.0');
    const model = await loadModel(`${project.registry}/versions/1.0.0`);
    const expected = predictRows(model.network, model.spec, instances);
    model.network.dispose();
    expect(response.body.predictions).toHaveLength(30);
    response.body.predictions.forEach((prediction: { label: string; probability: number }, i: number) => {
      expect(prediction.probability).toBeCloseTo(expected[i]!, 6);
      expect(prediction.label).toBe(expected[i]! >= 0.5 ? 'Yes' : 'No');
    });
  });

  test('a bare object is one instance', async () => {
    const [instance] = fixtureInstances(1, 40);
    const bare = await postPredict(url, instance);
    const wrapped = await postPredict(url, { instances: [instance] });
    expect(bare.status).toBe(200);
    // The same prediction; each answer has its own prediction id.
    const withoutId = (body: { predictions: Record<string, unknown>[] }) => ({ ...body, predictions: body.predictions.map(({ prediction_id: _id, ...rest }) => rest) });
    expect(withoutId(bare.body)).toEqual(withoutId(wrapped.body));
    expect(bare.body.predictions[0].prediction_id).not.toBe(wrapped.body.predictions[0].prediction_id);
  });

  test('an unknown category is served through the OOV slot and counted', async () => {
    const before = await (await fetch(`${url}/metrics`)).text();
    const [instance] = fixtureInstances(1, 50);
    const response = await postPredict(url, { instances: [{ ...instance, contract: 'Three year' }, { ...instance, contract: 'Decade' }] });
    expect(response.status).toBe(200);
    const after = await (await fetch(`${url}/metrics`)).text();
    const oov = (text: string) => metricValue(text, 'mlops_out_of_vocabulary_total', '{feature="contract"}') ?? 0;
    expect(oov(after) - oov(before)).toBe(2);
    const contract = (await getJson('/monitoring')).body.features.find((feature: { name: string }) => feature.name === 'contract');
    expect(contract.out_of_vocabulary_rate).toBeGreaterThan(0);
  });

  test('null is accepted where training saw missing values', async () => {
    const [instance] = fixtureInstances(1, 60);
    const response = await postPredict(url, { ...instance, total_charges: null });
    expect(response.status).toBe(200);
    expect(response.body.predictions[0].probability).toBeGreaterThanOrEqual(0);
  });
});

describe('micro-batching', () => {
  test('50 concurrent requests share tensor predicts and each gets its own predictions', async () => {
    const before = await (await fetch(`${url}/metrics`)).text();
    const instances = fixtureInstances(50, 100);
    const responses = await Promise.all(instances.map((instance) => postPredict(url, { instances: [instance] })));
    const after = await (await fetch(`${url}/metrics`)).text();
    const model = await loadModel(`${project.registry}/versions/1.0.0`);
    const expected = predictRows(model.network, model.spec, instances);
    model.network.dispose();
    responses.forEach((response, i) => {
      expect(response.status).toBe(200);
      expect(response.body.predictions).toHaveLength(1);
      expect(response.body.predictions[0].probability).toBeCloseTo(expected[i]!, 6);
    });
    const delta = (name: string) => metricValue(after, name)! - (metricValue(before, name) ?? 0);
    expect(delta('mlops_batch_requests_sum')).toBe(50);
    // Fewer predicts than requests: some batches held several requests.
    expect(delta('mlops_batch_requests_count')).toBeLessThan(50);
    expect(delta('mlops_batch_rows_sum')).toBe(50);
  });

  test('a request larger than the largest batch runs alone and is answered in full', async () => {
    const instances = fixtureInstances(1000, 0);
    const response = await postPredict(url, { instances });
    expect(response.status).toBe(200);
    expect(response.body.predictions).toHaveLength(1000);
  });
});

/** Sends raw bytes with chosen headers (fetch would fix some of them). */
function rawPost(path: string, headers: Record<string, string>, body: Buffer | string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const { port, hostname } = new URL(url);
    const request = httpRequest({ host: hostname, port, path, method: 'POST', headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('bad requests get a 4xx JSON error naming the problem, and the server stays up', () => {
  const [good] = fixtureInstances(1, 70);
  const json = { 'content-type': 'application/json' };
  const cases: { name: string; send: () => Promise<{ status: number; body: any }>; status: number; code: string; field?: string; instance?: number }[] = [
    { name: 'invalid JSON', send: () => rawPost('/predict', json, '{"instances": [ {"tenure": 1,'), status: 400, code: 'invalid_json' },
    { name: 'a JSON string', send: () => rawPost('/predict', json, '"hello"'), status: 400, code: 'invalid_json' },
    { name: 'an empty body', send: () => rawPost('/predict', json, ''), status: 400, code: 'invalid_body' },
    { name: 'text/plain', send: () => rawPost('/predict', { 'content-type': 'text/plain' }, JSON.stringify(good)), status: 415, code: 'unsupported_media_type' },
    { name: 'no content type', send: () => rawPost('/predict', {}, JSON.stringify(good)), status: 415, code: 'unsupported_media_type' },
    { name: 'a latin1 charset', send: () => rawPost('/predict', { 'content-type': 'application/json; charset=latin1' }, JSON.stringify(good)), status: 415, code: 'unsupported_media_type' },
    { name: 'an unknown content encoding', send: () => rawPost('/predict', { ...json, 'content-encoding': 'compress' }, JSON.stringify(good)), status: 415, code: 'unsupported_encoding' },
    { name: 'a body over 1 MB', send: () => rawPost('/predict', json, JSON.stringify({ instances: [{ ...good, contract: 'x'.repeat(1_100_000) }] })), status: 413, code: 'body_too_large' },
    { name: 'a gzip body over 1 MB once inflated', send: () => rawPost('/predict', { ...json, 'content-encoding': 'gzip' }, gzipSync(JSON.stringify({ instances: [{ ...good, contract: 'x'.repeat(1_100_000) }] }))), status: 413, code: 'body_too_large' },
    { name: '1001 instances', send: () => postPredict(url, { instances: new Array(1001).fill(good) }), status: 413, code: 'too_many_instances', field: 'instances' },
    { name: 'an empty instances array', send: () => postPredict(url, { instances: [] }), status: 400, code: 'empty_instances', field: 'instances' },
    { name: 'a missing feature', send: () => postPredict(url, { ...good, tenure: undefined }), status: 400, code: 'missing_feature', field: 'tenure', instance: 0 },
    { name: 'an extra feature', send: () => postPredict(url, { instances: [good, { ...good, customer_id: 'x' }] }), status: 400, code: 'unknown_feature', field: 'customer_id', instance: 1 },
    { name: 'a string for a number', send: () => postPredict(url, { ...good, tenure: '12' }), status: 400, code: 'wrong_type', field: 'tenure', instance: 0 },
    { name: '"NaN" for a number', send: () => postPredict(url, { ...good, monthly_charges: 'NaN' }), status: 400, code: 'wrong_type', field: 'monthly_charges', instance: 0 },
    { name: 'a number for a text category', send: () => postPredict(url, { ...good, contract: 2 }), status: 400, code: 'wrong_type', field: 'contract', instance: 0 },
    { name: 'null where training had none', send: () => postPredict(url, { ...good, tenure: null }), status: 400, code: 'null_not_allowed', field: 'tenure', instance: 0 },
    { name: '1e999', send: () => rawPost('/predict', json, JSON.stringify(good).replace(/"tenure":\d+/, '"tenure":1e999')), status: 400, code: 'non_finite_number', field: 'tenure', instance: 0 },
    { name: 'a nested object', send: () => postPredict(url, { ...good, internet_service: { type: 'DSL' } }), status: 400, code: 'nested_value', field: 'internet_service', instance: 0 },
    { name: '__proto__', send: () => rawPost('/predict', json, JSON.stringify(good).replace('{', '{"__proto__":{"polluted":true},')), status: 400, code: 'forbidden_key', field: '__proto__', instance: 0 },
    { name: 'constructor.prototype', send: () => rawPost('/predict', json, `{"instances":[${JSON.stringify(good).replace('{', '{"constructor":{"prototype":{"polluted":true}},')}]}`), status: 400, code: 'forbidden_key', field: 'constructor', instance: 0 },
    { name: 'arrays nested 200,000 deep', send: () => rawPost('/predict', json, `{"instances":${'['.repeat(200_000)}${']'.repeat(200_000)}}`), status: 400, code: 'invalid_instance', instance: 0 },
    { name: 'an instance with 50,000 keys', send: () => postPredict(url, { ...good, ...Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i])) }), status: 400, code: 'unknown_feature', field: 'k0', instance: 0 },
    { name: 'an oversized string', send: () => postPredict(url, { ...good, payment_method: 'x'.repeat(1001) }), status: 400, code: 'string_too_long', field: 'payment_method', instance: 0 },
    { name: 'GET /predict', send: async () => getJson('/predict'), status: 405, code: 'method_not_allowed' },
    { name: 'an unknown path', send: async () => getJson('/predictions'), status: 404, code: 'not_found' },
    { name: 'a disabled admin endpoint', send: () => rawPost('/admin/reload', {}, ''), status: 404, code: 'admin_disabled' },
  ];

  test.each(cases)('$name → $status $code', async ({ send, status, code, field, instance }) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe('string');
    expect(response.body.error.field).toBe(field);
    expect(response.body.error.instance).toBe(instance);
    expect((await getJson('/health')).status).toBe(200);
  });

  test('after every bad request the server still predicts, and nothing reached Object.prototype', async () => {
    const response = await postPredict(url, good);
    expect(response.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metricValue(metrics, 'mlops_http_errors_total', '{kind="forbidden_key"}')).toBe(2);
    expect(metricValue(metrics, 'mlops_http_errors_total', '{kind="internal"}')).toBeUndefined();
    expect(metrics).not.toMatch(/status="5\d\d"/);
  });
});

describe('headers, logs and the JSON endpoints', () => {
  test('security headers, no x-powered-by, no CORS', async () => {
    const response = await fetch(`${url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  test.each([
    { sent: 'abc-123.def:4', echoed: true },
    { sent: 'has spaces in it', echoed: false },
    { sent: 'x'.repeat(200), echoed: false },
  ])('x-request-id $sent is echoed: $echoed', async ({ sent, echoed }) => {
    const response = await fetch(`${url}/health`, { headers: { 'x-request-id': sent } });
    const id = response.headers.get('x-request-id');
    if (echoed) expect(id).toBe(sent);
    else expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('one JSON log line per request with id, route, status, latency and model version; no body data', async () => {
    const [instance] = fixtureInstances(1, 80);
    await postPredict(url, { ...instance, contract: 'SECRET-CATEGORY-77' }, { headers: { 'x-request-id': 'log-check-1' } });
    await postPredict(url, { ...instance, 'SECRET-KEY-88': 1 }, { headers: { 'x-request-id': 'log-check-2' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const entries = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.find((entry) => entry.req_id === 'log-check-1')).toMatchObject({ route: '/predict', status: 200, model_version: '1.0.0', instances: 1, msg: 'request' });
    const refused = entries.find((entry) => entry.req_id === 'log-check-2');
    expect(refused).toMatchObject({ route: '/predict', status: 400, error: 'unknown_feature' });
    expect(refused).not.toHaveProperty('field');
    expect(typeof refused!.latency_ms).toBe('number');
    expect(log.text()).not.toContain('SECRET-');
    expect(log.text()).not.toContain('Electronic check');
  });

  test('/metrics: requests, latency, errors, predictions, batches, drift, model info and process metrics', async () => {
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^mlops_http_requests_total\{route="\/predict",method="POST",status="200"\} \d+$/m);
    expect(text).toMatch(/^mlops_http_request_duration_seconds_bucket\{le="0\.005",route="\/predict"\} \d+$/m);
    expect(text).toMatch(/^mlops_http_errors_total\{kind="wrong_type"\} \d+$/m);
    expect(text).toMatch(/^mlops_prediction_probability_bucket\{le="0\.5"\} \d+$/m);
    expect(text).toMatch(/^mlops_predictions_total\{label="No"\} \d+$/m);
    expect(text).toMatch(/^mlops_batch_rows_bucket\{le="1000"\} \d+$/m);
    expect(text).toMatch(/^mlops_feature_drift\{feature="tenure",metric="psi"\} [\d.e-]+$/m);
    expect(text).toMatch(/^mlops_feature_drift\{feature="contract",metric="linf"\} [\d.e-]+$/m);
    expect(text).toMatch(/^mlops_feature_drifted\{feature="monthly_charges"\} [01]$/m);
    expect(metricValue(text, 'mlops_model_info', '{name="telco-churn",version="1.0.0",champion="true"}')).toBe(1);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  test('/monitoring, /api/stats.json and /api/versions.json have the published shapes', async () => {
    const monitoring = monitoringSnapshotSchema.parse((await getJson('/api/monitoring.json')).body);
    expect(monitoring.model_version).toBe('1.0.0');
    expect(monitoring.window.instances).toBeGreaterThan(1000);
    expect(monitoring.thresholds).toEqual({ psi: 0.1, js: 0.1, linf: 0.1, min_samples: 100 });
    expect((await getJson('/monitoring')).body.features).toEqual(monitoring.features);
    const stats = servingStatsSchema.parse((await getJson('/api/stats.json')).body);
    expect(stats.requests_total).toBeGreaterThan(50);
    expect(stats.errors_total).toBeGreaterThan(20);
    expect(stats.latency_ms.p99).toBeGreaterThan(0);
    const versions = versionHistorySchema.parse((await getJson('/api/versions.json')).body);
    expect(versions).toMatchObject({ champion: '1.0.0', served: '1.0.0', primary_metric: 'auc' });
    expect(versions.versions[0]!.metrics.auc).toBeGreaterThan(0.6);
    expect(versions.experiments).toHaveLength(1);
    expect(versions.alias_history).toHaveLength(1);
  });

  test('/api/request-schema.json is the JSON Schema of a request', async () => {
    const schema = (await getJson('/api/request-schema.json')).body;
    expect(schema.anyOf[0].properties.instances.maxItems).toBe(1000);
    expect(schema.anyOf[1].required).toHaveLength(19);
    expect(schema.anyOf[1].additionalProperties).toBe(false);
    // JSON Schema's maxLength counts characters (code points), as the server does.
    expect(schema.anyOf[1].properties.contract).toMatchObject({ type: 'string', maxLength: 1000 });
  });
});

describe('readiness and admin reload', () => {
  test('/ready is 503 while no model is loaded, /health stays 200', async () => {
    const quiet = pino({ level: 'silent' });
    const host = new ModelHost({ registryRoot: project.registry, pinnedVersion: null, limits: { maxInstances: 10, maxStringLength: 10 }, drift: { windowSize: 10, minSamples: 1, thresholds: { psi: 0.1, js: 0.1, linf: 0.1 } }, log: quiet });
    const app = createServingApp({
      host,
      batcher: new MicroBatcher({ maxBatchSize: 10, batchTimeoutMs: 1 }),
      metrics: new ServingMetrics({ monitoring: () => null, model: () => null, outOfVocabularyTotals: () => new Map() }),
      stats: new TrafficStats(),
      log: quiet,
      sampleLog: null,
      feedback: null,
      limits: { maxInstances: 10, maxStringLength: 10, maxBodyBytes: 10_000, maxLabels: 10 },
      adminToken: null,
      hosts: hostPolicy(null, '127.0.0.1'),
      draining: () => false,
    });
    const bare = createServer(app);
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not_ready', reason: 'no model loaded yet' });
      const predict = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(predict.status).toBe(503);
      expect((await fetch(`${base}/model`)).status).toBe(503);
    } finally {
      await new Promise((resolve) => bare.close(resolve));
    }
  });

  test('POST /admin/reload needs the bearer token', async () => {
    const { server: admin } = await startTestServer(project.registry, { adminToken: 'correct-horse-battery-staple-2024' });
    try {
      const reload = (authorization?: string) =>
        fetch(`${admin.url}/admin/reload`, { method: 'POST', headers: authorization ? { authorization } : {} });
      const missing = await reload();
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await reload('Bearer wrong-horse-battery-staple-2024')).status).toBe(401);
      expect((await reload('Basic correct-horse-battery-staple-2024')).status).toBe(401);
      const ok = await reload('Bearer correct-horse-battery-staple-2024');
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: 'unchanged', model_version: '1.0.0' });
    } finally {
      await admin.shutdown('test end');
    }
  });
});
