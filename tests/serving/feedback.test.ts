import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prepareMetrics } from '../../src/evaluation/metrics.js';
import { mlopsFamilies, promtool, runPromtool } from '../helpers/promtool.js';
import { listSegments } from '../../src/monitoring/feedback-log.js';
import { monitoringSnapshotSchema } from '../../src/serving/api-schema.js';
import type { RunningServer } from '../../src/serving/server.js';
import { createServingProject, fixtureInstances, metricValue, postPredict, removeServingProject, spawnServe, startTestServer, type ServingProject } from './fixture.js';

/**
 * Prediction ids and `POST /feedback` on a real server: what is accepted and rejected and why,
 * malformed bodies, live quality against the metrics code of evaluate, the prediction log read
 * back after a restart (in process, and after the process was killed), and a log that cannot be
 * written.
 */

let project: ServingProject;
/** True labels of the fixture's first rows (the CSV's churn column). */
let truths: string[];

beforeAll(async () => {
  project = await createServingProject([42]);
  const lines = readFileSync(join(project.dir, 'data/telco-churn.csv'), 'utf8').split('\n');
  const churn = lines[0]!.split(',').map((cell) => cell.replace(/"/g, '')).indexOf('churn');
  truths = lines.slice(1, 1501).map((line) => line.split(',')[churn]!.replace(/"/g, ''));
});

afterAll(() => removeServingProject(project));

async function postFeedback(url: string, body: unknown, init: { raw?: boolean; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ? (body as string) : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

async function monitoring(url: string) {
  return monitoringSnapshotSchema.parse(await (await fetch(`${url}/monitoring`)).json());
}

/** Predicts rows offset … offset+count−1 of the fixture; returns ids and probabilities. */
async function predict(url: string, count: number, offset = 0): Promise<{ ids: string[]; probabilities: number[] }> {
  const response = await postPredict(url, { instances: fixtureInstances(count, offset) });
  expect(response.status).toBe(200);
  const predictions = response.body.predictions as { prediction_id: string; probability: number }[];
  return { ids: predictions.map((p) => p.prediction_id), probabilities: predictions.map((p) => p.probability) };
}

describe('prediction ids and labels', () => {
  let server: RunningServer;
  let feedbackDir: string;

  beforeAll(async () => {
    feedbackDir = mkdtempSync(join(project.dir, 'feedback-'));
    ({ server } = await startTestServer(project.registry, { feedbackDir, change: (settings) => (settings.monitoring.quality.min_labels = 50) }));
  });

  afterAll(async () => {
    await server?.shutdown('test end');
  });

  test('every prediction carries a unique prediction_id', async () => {
    const first = await predict(server.url, 5);
    const second = await predict(server.url, 5);
    const ids = [...first.ids, ...second.ids];
    expect(new Set(ids).size).toBe(10);
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{14,15}-[0-9a-z]+$/);
    const bare = await postPredict(server.url, fixtureInstances(1)[0]);
    expect(Object.keys(bare.body.predictions[0])).toEqual(['label', 'probability', 'prediction_id']);
  });

  test('labels are accepted or rejected one by one, with the index and why', async () => {
    const { ids } = await predict(server.url, 4, 100);
    const foreign = `${Date.now().toString(36)}abcdef-1`;
    const answer = await postFeedback(server.url, {
      feedback: [
        { prediction_id: ids[0], label: truths[100] },
        { prediction_id: ids[1], label: 'Maybe' },
        { prediction_id: foreign, label: 'Yes' },
        { prediction_id: 'hello', label: 'Yes' },
        { prediction_id: ids[2] },
        { prediction_id: ids[2], label: 'No', note: 'x' },
        7,
        { prediction_id: 12, label: 'No' },
        { prediction_id: ids[0], label: truths[100] },
        { prediction_id: ids[0], label: truths[100] === 'Yes' ? 'No' : 'Yes' },
        { prediction_id: ids[3], label: 'Yes' },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(3);
    expect(answer.body.duplicates).toBe(1);
    const errors = Object.fromEntries((answer.body.rejected as { index: number; error: string }[]).map((r) => [r.index, r.error]));
    expect(Object.keys(errors).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 9]);
    expect(errors[1]).toBe('label must be one of the target\'s classes "No", "Yes", got "Maybe"');
    expect(errors[2]).toBe(`unknown prediction_id "${foreign}": no prediction with this id was made by this server`);
    expect(errors[3]).toMatch(/^"hello" is not a prediction id \(ids look like [0-9a-z]+-16\)$/);
    expect(errors[4]).toBe('label is missing');
    expect(errors[5]).toBe('unknown key "note": an entry has prediction_id and label');
    expect(errors[6]).toBe('expected an object {"prediction_id": "…", "label": …}');
    expect(errors[7]).toMatch(/^prediction_id must be a string/);
    expect(errors[9]).toBe(`prediction ${ids[0]} already has the label ${JSON.stringify(truths[100])}; a different label is refused`);
    // Later requests are judged against what was taken: the same label again is a duplicate.
    const again = await postFeedback(server.url, { feedback: [{ prediction_id: ids[3], label: 'Yes' }, { prediction_id: ids[3], label: 'No' }] });
    expect(again.body).toEqual({ accepted: 1, duplicates: 1, rejected: [{ index: 1, error: `prediction ${ids[3]} already has the label "Yes"; a different label is refused` }] });
  });

  test('malformed bodies are 4xx naming the problem, never 5xx', async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      ['', {}, 400, 'invalid_body'],
      ['{', {}, 400, 'invalid_json'],
      ['[]', {}, 400, 'invalid_body'],
      ['{"labels":[]}', {}, 400, 'unknown_field'],
      ['{"feedback":{}}', {}, 400, 'invalid_body'],
      ['{"feedback":[]}', {}, 400, 'empty_feedback'],
      ['{"feedback":[{"prediction_id":"a","label":"Yes"}]}', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
      ['\u0000{', {}, 415, 'unsupported_media_type'],
      [`{"feedback":[${'{"prediction_id":"a","label":"Yes"},'.repeat(10_000)}{"prediction_id":"a","label":"Yes"}]}`, {}, 413, 'too_many_labels'],
      [`{"feedback":[{"prediction_id":"${'a'.repeat(1_100_000)}","label":"Yes"}]}`, {}, 413, 'body_too_large'],
    ];
    for (const [body, headers, status, code] of cases) {
      const response = await postFeedback(server.url, body, { raw: true, headers });
      expect({ body: body.slice(0, 30), status: response.status, code: response.body.error?.code }).toEqual({ body: body.slice(0, 30), status, code });
    }
    expect((await fetch(`${server.url}/feedback`)).status).toBe(405);
  });

  test('live quality: the metrics of evaluate over the labelled predictions, per slice, in /monitoring and /metrics', async () => {
    const offset = 200;
    const { ids, probabilities } = await predict(server.url, 300, offset);
    const labels = truths.slice(offset, offset + 300);
    for (let start = 0; start < 300; start += 100) {
      const answer = await postFeedback(server.url, { feedback: ids.slice(start, start + 100).map((id, i) => ({ prediction_id: id, label: labels[start + i] })) });
      expect(answer.body).toEqual({ accepted: 100, duplicates: 0, rejected: [] });
    }
    const quality = (await monitoring(server.url)).quality!;
    // 2 labelled by the earlier test, and these 300; a history point every 200 labels (a tenth of the window).
    expect(quality.labelled).toBe(302);
    expect(quality.labels_total).toBe(302);
    expect(quality.history.map((point) => point.labels_total)).toEqual([200]);
    // The last 300 labels alone, scored by the metrics code of evaluate:
    const expected = prepareMetrics('binary', labels.map((label) => (label === 'Yes' ? 1 : 0)), probabilities, { threshold: 0.5 }).compute();
    expect(quality.metrics.auc).toBeGreaterThan(0.7);
    expect(Math.abs(quality.metrics.auc! - expected.auc!)).toBeLessThan(0.02);
    expect(quality.offline.auc).toBeGreaterThan(0.7);
    expect(quality.checks).toEqual([expect.objectContaining({ metric: 'auc', rule: 'max_regression', limit: 0.05, passed: expect.any(Boolean) })]);
    expect(Object.keys(quality.slices.contract!).sort()).toEqual(['Month-to-month', 'One year', 'Two year']);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(metrics, 'mlops_live_quality', '{metric="auc"}')).toBeCloseTo(quality.metrics.auc!, 10);
    expect(metricValue(metrics, 'mlops_live_labelled_predictions')).toBe(302);
    expect(metricValue(metrics, 'mlops_feedback_labels_total', '{outcome="accepted"}')).toBe(302);
    expect(metricValue(metrics, 'mlops_feedback_labels_total', '{outcome="duplicate"}')).toBe(2);
    expect(metricValue(metrics, 'mlops_prediction_log_writable')).toBe(1);
    expect(metricValue(metrics, 'mlops_prediction_log_bytes')).toBeGreaterThan(10_000);
    expect(metricValue(metrics, 'mlops_live_quality_slice', '{column="contract",value="Two year",metric="accuracy"}')).toBeGreaterThan(0.5);
    // Prometheus's own linter finds nothing to say about the mlops_* families (names, units, help).
    if (promtool !== null) {
      const lint = runPromtool(['check', 'metrics'], { input: mlopsFamilies(metrics) });
      expect(lint, lint.output).toEqual({ status: 0, output: '' });
    }
  });

  test('a restart reads the log back: quality goes on, given labels are known, held predictions can still be labelled', async () => {
    const { ids } = await predict(server.url, 2, 600);
    await postFeedback(server.url, { feedback: [{ prediction_id: ids[0], label: 'Yes' }] });
    const before = (await monitoring(server.url)).quality!;
    await server.shutdown('restart');
    ({ server } = await startTestServer(project.registry, { feedbackDir, change: (settings) => (settings.monitoring.quality.min_labels = 50) }));
    const after = (await monitoring(server.url)).quality!;
    expect(after.labelled).toBe(before.labelled);
    expect(after.metrics).toEqual(before.metrics);
    expect(after.history).toEqual(before.history);
    const answer = await postFeedback(server.url, { feedback: [{ prediction_id: ids[0], label: 'No' }, { prediction_id: ids[1], label: 'No' }, { prediction_id: ids[0], label: 'Yes' }] });
    expect(answer.body).toEqual({ accepted: 2, duplicates: 1, rejected: [{ index: 0, error: `prediction ${ids[0]} already has the label "Yes"; a different label is refused` }] });
  });
});

describe('limits of what can be labelled', () => {
  test('only the last feedback.max_predictions predictions can be labelled; older ones have expired', async () => {
    const { server } = await startTestServer(project.registry, { change: (settings) => (settings.feedback.max_predictions = 5) });
    try {
      const { ids } = await predict(server.url, 8);
      const answer = await postFeedback(server.url, { feedback: ids.map((id) => ({ prediction_id: id, label: 'No' })) });
      expect(answer.body.accepted).toBe(5);
      expect(answer.body.rejected).toEqual([0, 1, 2].map((index) => ({ index, error: `prediction ${ids[index]} expired: only the last 5 predictions can be labelled (feedback.max_predictions)` })));
    } finally {
      await server.shutdown('test end');
    }
  });

  test('a log that cannot be written: predictions go on with ids, /feedback answers 503 and counts it', async () => {
    const blocked = join(mkdtempSync(join(project.dir, 'blocked-')), 'feedback');
    writeFileSync(blocked, 'a file where the log folder should be');
    const { server, log } = await startTestServer(project.registry, { feedbackDir: blocked });
    try {
      const { ids } = await predict(server.url, 3);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      const answer = await postFeedback(server.url, { feedback: [{ prediction_id: ids[0], label: 'Yes' }] });
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('feedback_unavailable');
      expect(answer.body.error.message).toMatch(/the prediction log cannot be written/);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(metrics, 'mlops_feedback_unavailable_total')).toBe(1);
      expect(metricValue(metrics, 'mlops_prediction_log_writable')).toBe(0);
      expect(metricValue(metrics, 'mlops_prediction_log_dropped_total')).toBe(1);
      expect(log.text()).toContain('cannot write the prediction log');
    } finally {
      await server.shutdown('test end');
    }
  });
});

describe('durability', () => {
  test('a server killed with SIGKILL loses no acknowledged prediction or label', async () => {
    const env = { PORT: '0', MLOPS_FEEDBACK_DIR: join(project.dir, 'killed-feedback') };
    const first = await spawnServe([], { cwd: project.dir, env });
    let ids: string[];
    try {
      ({ ids } = await predict(first.url, 20, 700));
      const answer = await postFeedback(first.url, { feedback: ids.slice(0, 10).map((id, i) => ({ prediction_id: id, label: truths[700 + i] })) });
      expect(answer.body.accepted).toBe(10);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    const second = await spawnServe([], { cwd: project.dir, env });
    try {
      const quality = (await monitoring(second.url)).quality!;
      expect(quality.labelled).toBe(10);
      const answer = await postFeedback(second.url, {
        feedback: ids.map((id, i) => ({ prediction_id: id, label: truths[700 + i] })),
      });
      expect(answer.body).toEqual({ accepted: 20, duplicates: 10, rejected: [] });
      const segments = await listSegments(env.MLOPS_FEEDBACK_DIR);
      expect(segments.length).toBe(2);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
