import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { escapeUntrusted } from '../../src/cards/card-markdown.js';
import { prepareMetrics } from '../../src/evaluation/metrics.js';
import { retrainDecisionSchema } from '../../src/monitoring/retrain-decision.js';
import { lineageSchema } from '../../src/registry/lineage-schema.js';
import { fixtureInstances, postPredict, spawnServe, type ServeProcess } from '../serving/fixture.js';
import { createProject, defaultConfigText, readJson, repoRoot, runMlops, stackTraceLine } from '../helpers/project.js';

/**
 * The continuous-training loop end to end, with the real CLI and a real server on loopback:
 * train on the first 3,000 rows of the default dataset → serve → predict 2,000 rows the model
 * never saw → send their true labels back → live AUC equals the AUC of the same predictions
 * scored offline and sits near the version's test AUC → `mlops pipeline --if-changed` with a
 * feedback source fetches the labelled predictions from the service and trains on base + feedback
 * → the same again changes nothing; drifted traffic makes `mlops monitor --retrain-decision` say a
 * retrain is due (once the cool-down allows it), and the retrain run with that reason (`--reason`)
 * records it in the lineage and the new card. (The GitHub part — the monitor workflow raising an issue and
 * dispatching the retrain — lives with the workflows' tests.)
 */

const adminToken = 'continuous-training-token-0123456789abcdef';
const telco = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').trimEnd().split('\n');
const churnColumn = telco[0]!.split(',').map((cell) => cell.replace(/"/g, '')).indexOf('churn');
const truth = (row: number) => telco[row + 1]!.split(',')[churnColumn]!.replace(/"/g, '');
const baseRows = 3000;
const served = { offset: 3000, count: 2000 };

describe('serve → feedback → fetch → retrain', () => {
  let project: string;
  let serve: ServeProcess | undefined;
  const config = (sources: Record<string, unknown>[], cooldownHours = 24) => {
    const value = parse(defaultConfigText()) as Record<string, any>;
    value.data.path = '.mlops/data/train.csv';
    value.data.source = sources;
    value.monitoring = { ...value.monitoring, retrain_on: { drift: true, quality: true, cooldown_hours: cooldownHours } };
    value.model.max_epochs = 3;
    value.gate = { overall: { auc: { min: 0.6 } }, per_slice: {}, bootstrap: { resamples: 50 }, baseline: { enabled: true, max_regression: 0.02 } };
    return stringify(value);
  };
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: project, stdio: 'pipe' });

  beforeAll(() => {
    project = createProject(
      { 'mlops.config.yaml': config([{ type: 'file', path: 'data/base.csv' }]), 'data/base.csv': `${telco.slice(0, baseRows + 1).join('\n')}\n`, '.gitignore': '.mlops/\n' },
      { git: true },
    );
  });

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    rmSync(project, { recursive: true, force: true });
  });

  test('live quality of 2,000 labelled predictions: the AUC of the same predictions offline, near the test AUC', async () => {
    const first = await runMlops(['pipeline', '--if-changed'], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/version\s+1\.0\.0 \(champion\)/);
    serve = await spawnServe([], { cwd: project, env: { PORT: '0', MLOPS_ADMIN_TOKEN: adminToken } });
    const probabilities: number[] = [];
    const labels: string[] = [];
    for (let start = 0; start < served.count; start += 500) {
      const response = await postPredict(serve.url, { instances: fixtureInstances(500, served.offset + start) });
      expect(response.status).toBe(200);
      const predictions = response.body.predictions as { prediction_id: string; probability: number }[];
      const feedback = predictions.map((p, i) => ({ prediction_id: p.prediction_id, label: truth(served.offset + start + i) }));
      const answer = await fetch(`${serve.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback }) });
      expect(await answer.json()).toEqual({ accepted: 500, duplicates: 0, rejected: [] });
      probabilities.push(...predictions.map((p) => p.probability));
      labels.push(...feedback.map((f) => f.label));
    }
    const monitoring = (await (await fetch(`${serve.url}/monitoring`)).json()) as { quality: { labelled: number; metrics: Record<string, number>; offline: Record<string, number> } };
    const { quality } = monitoring;
    expect(quality.labelled).toBe(2000);
    const offline = prepareMetrics('binary', labels.map((label) => (label === 'Yes' ? 1 : 0)), probabilities, { threshold: 0.5 }).compute();
    // The same rows scored offline: the live window is exactly these predictions and labels.
    expect(Math.abs(quality.metrics.auc! - offline.auc!)).toBeLessThan(1e-6);
    // Unseen rows of the same population: within a few hundredths of the version's test AUC.
    expect(quality.offline.auc).toBeGreaterThan(0.75);
    expect(Math.abs(quality.metrics.auc! - quality.offline.auc!)).toBeLessThan(0.05);
  });

  let reason: string;

  test('drifted traffic: the monitor says a retrain is due, and why, once the cool-down since the served version allows it', async () => {
    // Unlabelled traffic of long-tenured, expensive customers: tenure and monthly_charges drift.
    const instances = fixtureInstances(2000, 5000).map((row) => ({ ...row, tenure: 70, monthly_charges: 115 }));
    for (let start = 0; start < instances.length; start += 500) expect((await postPredict(serve!.url, { instances: instances.slice(start, start + 500) })).status).toBe(200);
    const cooling = await runMlops(['monitor', '--url', serve!.url, '--json', '--retrain-decision'], { cwd: project });
    expect(cooling.code, cooling.stderr).toBe(0);
    const blocked = retrainDecisionSchema.parse(JSON.parse(cooling.stdout).retrain);
    const trained = lineageSchema.parse(readJson(join(project, '.mlops/registry/versions/1.0.0/lineage.json'))).created_at;
    // 1.0.0 was trained minutes ago: the 24-hour cool-down from its training blocks the retrain.
    expect(blocked).toMatchObject({ due: false, blocked_by: 'cooldown', last_retrain_at: new Date(trained).toISOString(), cooldown_until: new Date(Date.parse(trained) + 24 * 3_600_000).toISOString() });
    expect(blocked.reason).toMatch(/^drift: .*tenure PSI \d\.\d+ > 0\.1/);
    // The operator shortens the cool-down (committed, as a fork would): now the retrain is due.
    writeFileSync(join(project, 'mlops.config.yaml'), config([{ type: 'file', path: 'data/base.csv' }], 0));
    git('commit', '-qam', 'retrain on drift without a cool-down');
    const due = await runMlops(['monitor', '--url', serve!.url, '--json', '--retrain-decision', '--fail-on', 'drift'], { cwd: project });
    // --fail-on drift still exits 3; the report with the decision is printed first.
    expect(due.code, due.stderr).toBe(3);
    const decision = retrainDecisionSchema.parse(JSON.parse(due.stdout).retrain);
    expect(decision).toMatchObject({ due: true, reason: blocked.reason });
    expect(decision.signals).toHaveLength(1);
    reason = decision.reason!;
    const text = await runMlops(['monitor', '--url', serve!.url, '--retrain-decision'], { cwd: project });
    expect(text.stdout).toContain(`retrain: due — ${reason}`);
  });

  test('a feedback source fetches the labelled predictions from the service and the retrain, run with the monitor\'s reason, uses them; again, nothing changed', async () => {
    writeFileSync(join(project, 'mlops.config.yaml'), config([{ type: 'file', path: 'data/base.csv' }, { type: 'feedback', url_env: 'MLOPS_SERVICE_URL' }], 0));
    git('commit', '-qam', 'train on the labelled predictions too');
    const env = { MLOPS_SERVICE_URL: serve!.url, MLOPS_ADMIN_TOKEN: adminToken };
    const retrain = await runMlops(['pipeline', '--if-changed', '--reason', reason], { cwd: project, env });
    expect(retrain.code, retrain.stderr).toBe(0);
    expect(retrain.stdout).toMatch(/version\s+1\.1\.0 \(champion\)/);
    const lineage = lineageSchema.parse(readJson(join(project, '.mlops/registry/versions/1.1.0/lineage.json')));
    expect(lineage.dataset.sources!.map((s) => [s.type, s.rows])).toEqual([
      ['file', baseRows],
      ['feedback', served.count],
    ]);
    expect(lineage.dataset.rows).toBe(baseRows + served.count);
    const card = readFileSync(join(project, 'model-cards/1.1.0.md'), 'utf8');
    expect(card).toMatch(/\| 2 \| feedback \| .* \| 2000 \| `[0-9a-f]{64}` \|/);
    // Why it was trained: the lineage keeps the reason as given, the card shows it escaped.
    expect(lineage.trigger).toEqual({ reason });
    expect(card).toContain(`**Trained because** ${escapeUntrusted(reason)}`);
    expect(card).toMatch(/\| Trained because \| drift: tenure PSI \d\.\d+ &gt; 0\.1/);
    expect(readJson(join(project, 'model-cards/1.1.0.json'))).toMatchObject({ model_details: { documentation: expect.stringContaining(`Trained because: ${reason}.`) } });
    const again = await runMlops(['pipeline', '--if-changed'], { cwd: project, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^nothing changed: .* champion 1\.1\.0 was trained from; no training, no new version\n$/);
  });

  test.each([
    ['a reason over 500 characters', ['pipeline', '--reason', 'x'.repeat(501)], "Invalid --reason: 501 characters; a reason is at most 500 characters"],
    ['a --last-retrain that is not a time', ['monitor', '--url', 'http://127.0.0.1:9', '--retrain-decision', '--last-retrain', 'yesterday'], "Invalid --last-retrain 'yesterday'"],
    ['--retrain-decision with a sample log', ['monitor', '--log', 'requests.jsonl', '--retrain-decision'], '--retrain-decision and --last-retrain go with --url'],
  ])('%s is a usage error (exit 2) naming the option, before anything runs', async (_name, args, message) => {
    const run = await runMlops(args, { cwd: project });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(stackTraceLine);
  });
});
