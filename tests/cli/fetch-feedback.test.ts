import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lineageSchema } from '../../src/registry/lineage-schema.js';
import { createServingProject, fixtureInstances, postPredict, removeServingProject, spawnServe, type ServeProcess, type ServingProject } from '../serving/fixture.js';
import { createProject, defaultConfigText, readJson, repoRoot, runMlops, stackTraceLine } from '../helpers/project.js';

/**
 * Labelled data back into training, with the real CLI: predictions and their true labels through a
 * running `mlops serve`, `mlops feedback export` from the log folder and from the service, `mlops
 * validate --data` accepting the export; `mlops monitor --url` reading drift and live quality from
 * the service; `mlops pipeline` fetching `data.source` into the data it
 * trains on, the card naming each source, and `--if-changed` stopping with "nothing changed".
 */

const adminToken = 'feedback-export-token-0123456789abcdef';
const telco = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').trimEnd().split('\n');
const churnColumn = telco[0]!.split(',').map((cell) => cell.replace(/"/g, '')).indexOf('churn');
const truth = (row: number) => telco[row + 1]!.split(',')[churnColumn]!.replace(/"/g, '');

describe('mlops feedback export and mlops monitor --url, against a running service', () => {
  let project: ServingProject;
  let serve: ServeProcess;

  beforeAll(async () => {
    // A live floor no churn model reaches, so `--fail-on quality` has something to fail on.
    project = await createServingProject([42], (config) => {
      config.monitoring = { ...config.monitoring, quality: { rules: { auc: { min: 0.99 } } } };
    });
    serve = await spawnServe([], { cwd: project.dir, env: { PORT: '0', MLOPS_ADMIN_TOKEN: adminToken } });
    for (let offset = 0; offset < 300; offset += 100) {
      const response = await postPredict(serve.url, { instances: fixtureInstances(100, offset) });
      expect(response.status).toBe(200);
      // Two of every three predictions get their true label back.
      const feedback = (response.body.predictions as { prediction_id: string }[])
        .map((p, i) => ({ prediction_id: p.prediction_id, label: truth(offset + i) }))
        .filter((_, i) => i % 3 !== 2);
      const answer = await fetch(`${serve.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback }) });
      expect(((await answer.json()) as { accepted: number }).accepted).toBe(feedback.length);
    }
  });

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    removeServingProject(project);
  });

  test('writes the labelled predictions as rows of the training CSV, which mlops validate --data accepts', async () => {
    const run = await runMlops(['feedback', 'export', '--out', 'labelled.csv'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('exported: 201 labelled predictions to labelled.csv (model versions 1.0.0)\n');
    const lines = readFileSync(join(project.dir, 'labelled.csv'), 'utf8').trimEnd().split('\n');
    const config = parse(readFileSync(join(project.dir, 'mlops.config.yaml'), 'utf8')) as { features: { name: string }[] };
    expect(lines[0]).toBe([...config.features.map((f) => f.name), 'churn'].join(','));
    expect(lines).toHaveLength(202);
    // The first row is the fixture's first row with its label.
    const header = telco[0]!.split(',').map((cell) => cell.replace(/"/g, ''));
    const source = telco[1]!.split(',').map((cell) => cell.replace(/"/g, ''));
    expect(lines[1]).toBe([...config.features.map((f) => source[header.indexOf(f.name)]), truth(0)].join(','));
    const validate = await runMlops(['validate', '--data', 'labelled.csv', '--work-dir', '.mlops/export-check'], { cwd: project.dir });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/^valid: .*labelled\.csv: 201\/201 rows/);
  });

  test('from a running service with the admin token: the same rows; without it, a clear refusal', async () => {
    const run = await runMlops(['feedback', 'export', '--out', 'from-service.csv', '--url', serve.url], { cwd: project.dir, env: { MLOPS_ADMIN_TOKEN: adminToken } });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(project.dir, 'from-service.csv'), 'utf8')).toBe(readFileSync(join(project.dir, 'labelled.csv'), 'utf8'));
    const wrong = await runMlops(['feedback', 'export', '--out', 'no.csv', '--url', serve.url], { cwd: project.dir, env: { MLOPS_ADMIN_TOKEN: 'x'.repeat(40) } });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/--url: http:\/\/127\.0\.0\.1:\d+\/admin\/feedback answered HTTP 401 Unauthorized \(check the credentials/);
    expect(wrong.stderr).not.toMatch(stackTraceLine);
    const usage = await runMlops(['feedback', 'import'], { cwd: project.dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/mlops feedback needs an action: `mlops feedback export --out FILE`, not 'import'/);
  });

  test('mlops monitor --url prints the drift and live quality of the running service; --fail-on quality exits 3 naming the rule', async () => {
    const run = await runMlops(['monitor', '--url', `${serve.url}/`], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Drift of 300 instances \(3 requests\) against the training data of 1\.0\.0\n/);
    expect(run.stdout).toContain('Live quality of 1.0.0 over 201 labelled predictions');
    expect(run.stdout).toMatch(/\n\s*auc\s+0\.\d+\s+0\.\d+/);
    expect(run.stdout).toMatch(/quality alerts:\n {2}- quality: auc 0\.\d+ < 0\.99 over 201 labels/);
    const json = await runMlops(['monitor', '--url', serve.url, '--json'], { cwd: project.dir });
    const report = JSON.parse(json.stdout) as { quality: { labelled: number; metrics: { auc: number } } };
    expect(report.quality.labelled).toBe(201);
    expect(report.quality.metrics.auc).toBeGreaterThan(0.6);
    const fail = await runMlops(['monitor', '--url', serve.url, '--fail-on', 'drift,quality'], { cwd: project.dir });
    expect(fail.code).toBe(3);
    expect(fail.stderr).toMatch(/Live quality rules fail: quality: auc 0\.\d+ < 0\.99 over 201 labels\./);
    expect(fail.stderr).not.toMatch(stackTraceLine);
  });

  test('mlops monitor --url: a service that is not there exits 6; bad options exit 2', async () => {
    const down = await runMlops(['monitor', '--url', 'http://127.0.0.1:9/', '--timeout-s', '5'], { cwd: project.dir });
    expect(down.code).toBe(6);
    expect(down.stderr).toMatch(/Cannot read http:\/\/127\.0\.0\.1:9\/monitoring: /);
    expect(down.stderr).not.toMatch(stackTraceLine);
    const wrongList = await runMlops(['monitor', '--url', serve.url, '--fail-on', 'latency'], { cwd: project.dir });
    expect(wrongList.code).toBe(2);
    expect(wrongList.stderr).toMatch(/Invalid --fail-on 'latency': expected drift, quality/);
    const noLabels = await runMlops(['monitor', '--log', 'x.jsonl', '--fail-on', 'quality'], { cwd: project.dir });
    expect(noLabels.code).toBe(2);
    expect(noLabels.stderr).toMatch(/--fail-on quality needs --url/);
  });
});

describe('mlops pipeline with data.source', () => {
  let project: string;
  const config = () => {
    const value = parse(defaultConfigText()) as Record<string, any>;
    value.data.path = '.mlops/data/train.csv';
    value.data.source = [
      { type: 'file', path: 'data/base.csv' },
      { type: 'file', path: 'data/new.csv' },
    ];
    value.model.max_epochs = 3;
    value.gate = { overall: { auc: { min: 0.6 } }, per_slice: {}, bootstrap: { resamples: 50 }, baseline: { enabled: true, max_regression: 0.1 } };
    return stringify(value);
  };
  const rows = (from: number, to: number) => `${[telco[0], ...telco.slice(from, to)].join('\n')}\n`;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: project, stdio: 'pipe' });

  beforeAll(() => {
    project = createProject({ 'mlops.config.yaml': config(), 'data/base.csv': rows(1, 1201), 'data/new.csv': rows(1201, 1501), '.gitignore': '.mlops/\n' }, { git: true });
  });

  afterAll(() => {
    execFileSync('rm', ['-rf', project]);
  });

  test('fetches the sources, trains on them, and the lineage and card record each one', async () => {
    const run = await runMlops(['pipeline', '--if-changed'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/version\s+1\.0\.0 \(champion\)/);
    expect(run.stderr).toMatch(/Fetched 2 sources into \.mlops\/data\/train\.csv: 1500 rows/);
    const lineage = lineageSchema.parse(readJson(join(project, '.mlops/registry/versions/1.0.0/lineage.json')));
    expect(lineage.dataset.sources!.map((s) => [s.type, s.location, s.rows])).toEqual([
      ['file', 'data/base.csv', 1200],
      ['file', 'data/new.csv', 300],
    ]);
    expect(lineage.dataset.rows).toBe(1500);
    const card = readFileSync(join(project, 'model-cards/1.0.0.md'), 'utf8');
    expect(card).toContain('### Data sources');
    expect(card).toMatch(/\| 2 \| file \| `data\/new\.csv` \| .* \| 300 \| `[0-9a-f]{64}` \|/);
  });

  test('the same data, config and commit again: "nothing changed", no training, no version', async () => {
    const run = await runMlops(['pipeline', '--if-changed'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^nothing changed: the data \(sha256 [0-9a-f]{12}…\), config and code are those champion 1\.0\.0 was trained from; no training, no new version\n$/);
    expect(run.stderr).not.toMatch(/── train ──/);
    const versions = await runMlops(['versions'], { cwd: project });
    expect(versions.stdout).not.toContain('1.1.0');
  });

  test('new rows in a source: it trains again', async () => {
    writeFileSync(join(project, 'data/new.csv'), rows(1201, 1701));
    git('commit', '-qam', 'new rows');
    const run = await runMlops(['pipeline', '--if-changed'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/version\s+1\.1\.0 \(champion\)/);
  });
});
