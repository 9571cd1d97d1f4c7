import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { columnFormat, formatInterval, formatNumber, formatPValue } from '../../src/core/number-format.js';
import { dashboardContentSecurityPolicy } from '../../src/dashboard/page-html.js';
import { modelInfoSchema, monitoringSnapshotSchema, versionHistorySchema, type ModelInfo, type VersionHistory } from '../../src/serving/api-schema.js';
import { createProject, defaultConfigText, mlopsBin, repoRoot, runMlops, stackTraceLine } from '../helpers/project.js';
import { extractMermaidBlocks } from '../../src/evaluation/mermaid-charts.js';
import { checkMermaid, decodeEntities, dumpDom, screenshot } from './chromium.js';
import { countColor, decodePng, imageStats } from './png.js';

/**
 * The dashboard end to end, as a user gets it: a project trained with the real pipeline (two
 * promoted versions and a rejected run), `mlops serve` answering real /predict traffic, the page
 * loaded in Debian's headless Chromium; then `mlops report` and the same page from disk and
 * from a static file server. The pipeline is shortened (2,500 rows, 5 epochs, 100 resamples) to
 * keep this file around half a minute.
 */

type Config = Record<string, any>;

function configText(change: (config: Config) => void): string {
  const config = parse(defaultConfigText()) as Config;
  config.model.max_epochs = 5;
  config.gate.bootstrap = { resamples: 100 };
  config.gate.overall = { auc: { min: 0.5 } };
  config.gate.per_slice = {};
  // A small quality window, so that the 160 labels sent below draw a quality history.
  config.monitoring = { quality: { window_size: 100, min_labels: 50 } };
  change(config);
  return stringify(config);
}

/** The header and the first `rows` rows of the default dataset (a smaller, faster project). */
function telcoHead(rows: number): string {
  return `${readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n').slice(0, rows + 1).join('\n')}\n`;
}

/** The churn labels of the default dataset's first rows. */
function labelsFromCsv(count: number): string[] {
  const lines = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',').map((cell) => cell.replace(/^"|"$/g, ''));
  return lines.slice(1, count + 1).map((line) => line.split(',')[header.indexOf('churn')]!.replace(/^"|"$/g, ''));
}

/** Rows of the default dataset as /predict instances, with tenure shifted so drift shows. */
function instancesFromCsv(features: ModelInfo['features'], count: number): Record<string, unknown>[] {
  const lines = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').trim().split('\n');
  const unquote = (cell: string) => cell.replace(/^"|"$/g, '');
  const header = lines[0]!.split(',').map(unquote);
  return lines.slice(1, count + 1).map((line) => {
    const cells = line.split(',').map(unquote);
    const instance: Record<string, unknown> = {};
    for (const feature of features) {
      const cell = cells[header.indexOf(feature.name)]!;
      instance[feature.name] = cell === '' ? null : feature.type === 'numeric' ? Number(cell) : cell;
    }
    instance.tenure = Math.min(72, Number(instance.tenure) + 30);
    return instance;
  });
}

/** Starts the real `mlops serve` and resolves with its URL once it listens. */
function startServe(cwd: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mlopsBin, 'serve', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`mlops serve did not start:\n${stderr}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mlops serve exited with ${code}:\n${stderr}`));
    });
  });
}

/** A plain static file server for a folder, like GitHub Pages (no special headers). */
function serveFolder(root: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })));
}

/** The text of the element with this id in a dumped DOM (entities decoded, tags removed). */
function textOf(dom: string, id: string): string | null {
  const match = new RegExp(`<([a-z0-9]+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(dom);
  return match ? decodeEntities(match[2]!.replace(/<[^>]+>/g, '')) : null;
}

const trainedBecause = 'manual: <b>check</b> the seed & retrain';

describe('the dashboard on a real server and as a static report', () => {
  let project: string;
  let served: { child: ChildProcess; url: string };
  let model: ModelInfo;
  let history: VersionHistory;
  // Set MLOPS_KEEP_SCREENSHOTS=1 to keep the screenshots (their folder is printed) and look at them.
  const shots = join(tmpdir(), `mlops-dashboard-shots-${process.pid}`);

  beforeAll(async () => {
    project = createProject(
      { 'mlops.config.yaml': configText(() => {}), 'data/telco-churn.csv': telcoHead(2500), '.gitignore': '.mlops/\n' },
      { git: true },
    );
    const first = await runMlops(['pipeline', '-q'], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    // The second run is judged against the first (a champion check with paired evidence) and the in-run baseline.
    writeFileSync(
      join(project, 'mlops.config.yaml'),
      configText((config) => {
        config.model.seed = 7;
        config.gate.overall = { auc: { min: 0.5, max_regression: 0.1 } };
      }),
    );
    // Why it was trained: untrusted text, which the page must show as text, never as markup.
    const second = await runMlops(['pipeline', '-q', '--reason', trainedBecause], { cwd: project });
    expect(second.code, second.stderr).toBe(0);
    writeFileSync(join(project, 'mlops.config.yaml'), configText((config) => (config.gate.overall = { auc: { min: 0.99 } })));
    const rejected = await runMlops(['pipeline', '-q'], { cwd: project });
    expect(rejected.code, rejected.stderr).toBe(4);

    served = await startServe(project);
    model = modelInfoSchema.parse(await (await fetch(`${served.url}/api/model.json`)).json());
    const instances = instancesFromCsv(model.features, 160);
    const labels = labelsFromCsv(160);
    for (let i = 0; i < instances.length; i += 20) {
      const response = await fetch(`${served.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: instances.slice(i, i + 20) }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      // The true label of each prediction comes back, as a client's ground truth would.
      const { predictions } = (await response.json()) as { predictions: { prediction_id: string }[] };
      const feedback = await fetch(`${served.url}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ feedback: predictions.map((p, j) => ({ prediction_id: p.prediction_id, label: labels[i + j] })) }),
      });
      expect(await feedback.json()).toEqual({ accepted: 20, duplicates: 0, rejected: [] });
    }
    history = versionHistorySchema.parse(await (await fetch(`${served.url}/api/versions.json`)).json());
    mkdirSync(shots, { recursive: true });
  });

  afterAll(async () => {
    if (served?.child.exitCode === null) {
      const exited = new Promise((resolve) => served.child.once('exit', resolve));
      served.child.kill('SIGTERM');
      await exited;
    }
    if (project) rmSync(project, { recursive: true, force: true });
    if (process.env.MLOPS_KEEP_SCREENSHOTS) console.log(`dashboard screenshots kept in ${shots}`);
    else rmSync(shots, { recursive: true, force: true });
  });

  test('the project has the history the page must show: two versions, a rejected run', () => {
    expect(history.versions.map((v) => v.version)).toHaveLength(2);
    expect(history.champion).toBe(model.version);
    expect(history.served).toBe(model.version);
    expect(history.experiments.map((e) => e.status).sort()).toEqual(['promoted', 'promoted', 'rejected']);
  });

  test('`/` is the page, under a strict CSP, with the assets it names', async () => {
    const page = await fetch(`${served.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(dashboardContentSecurityPolicy);
    const html = await page.text();
    for (const asset of ['assets/dashboard.css', 'assets/js/dashboard/client/main.js', 'assets/chart.umd.min.js']) {
      expect(html).toContain(`"${asset}"`);
      const response = await fetch(`${served.url}/${asset}`);
      expect(response.status, asset).toBe(200);
    }
    const chartJs = Buffer.from(await (await fetch(`${served.url}/assets/chart.umd.min.js`)).arrayBuffer());
    expect(chartJs.equals(readFileSync(join(repoRoot, 'node_modules/chart.js/dist/chart.umd.min.js')))).toBe(true);
  });

  test('Chromium renders the served version, lineage, per-slice metrics, history, live monitoring and rollback', async () => {
    const dom = await dumpDom(`${served.url}/`, { budgetMs: 5000 });
    expect(dom).toContain('data-dashboard="ready"');
    expect(dom).not.toContain('data-csp-violations');
    expect(textOf(dom, 'errors')).toBe('');
    expect(textOf(dom, 'served-version')).toBe(model.version);
    expect(textOf(dom, 'data-sha256')).toBe(model.lineage.dataset.sha256);
    expect(textOf(dom, 'trained-because')).toBe(trainedBecause);
    expect(dom).not.toContain('<b>check</b>');
    expect(textOf(dom, 'glance-metric')).toBe(formatNumber(model.evaluation.overall.metrics['auc']));
    expect(dom).toMatch(/<canvas id="glance-chart"[^>]*width="\d+"/);
    // Every slice value of both slice columns, with its row count.
    for (const [column, values] of Object.entries(model.evaluation.slices)) {
      for (const value of Object.keys(values)) expect(dom).toContain(`data-slice="${column}=${value}"`);
    }
    expect(dom).toMatch(/<canvas id="slice-chart-0"[^>]*width="\d+"/);
    for (const version of history.versions) expect(dom).toContain(`data-version="${version.version}"`);
    expect(dom).toContain('data-status="rejected"');
    expect(dom).toMatch(/<canvas id="trend-chart"[^>]*width="\d+"/);
    // Live numbers from the traffic sent above.
    expect(dom).toContain('data-live="true"');
    expect(Number(textOf(dom, 'requests-total'))).toBeGreaterThanOrEqual(8);
    for (const feature of model.features) expect(dom).toContain(`data-feature="${feature.name}"`);
    expect(textOf(dom, 'drift-alerts')).toMatch(/tenure/);
    expect(dom, 'the drift window counts the requests sent above').toMatch(/: [1-9]\d* requests, [1-9]\d* instances\./);
    // Live quality from the labels sent above, beside the offline test value, with its history.
    const quality = monitoringSnapshotSchema.parse(await (await fetch(`${served.url}/monitoring`)).json()).quality!;
    expect(quality.labelled).toBe(100);
    expect(textOf(dom, 'quality-live')).toBe(formatNumber(quality.metrics['auc']));
    expect(textOf(dom, 'quality-offline')).toBe(formatNumber(model.evaluation.overall.metrics['auc']));
    expect(textOf(dom, 'quality-labelled')).toBe('100 of 100');
    expect(dom).toMatch(/<canvas id="quality-chart"[^>]*width="\d+"/);
    expect(dom).toContain('data-metric="log_loss"');
    expect(dom).toContain('id="quality-slices-contract"');
    const previous = history.versions.find((v) => v.version !== model.version)!.version;
    expect(textOf(dom, 'rollback-command')).toBe(`npx mlops rollback ${previous}`);
    expect(textOf(dom, 'deploy-command')).toBe(`gh workflow run deploy.yml -f version=v${previous}`);
  });

  test('Chromium renders the gate: per check the champion, the baseline, Δ with its interval and p; the rule; the baselines beside the metrics', async () => {
    const dom = await dumpDom(`${served.url}/`, { budgetMs: 5000 });
    expect(textOf(dom, 'gate-rule')).toBe(`Rule (gate.comparison: paired): ${model.gate.method!.rule}`);
    expect(textOf(dom, 'gate-baseline')).toBe(`In-run baseline: logistic regression, trained on the same rows and inputs (gated: auc may be at most ${formatNumber(0.1)} worse).`);
    const rowText = (check: string) => {
      const match = new RegExp(`<tr[^>]*data-check="${check.replace(/[|]/g, '\\|')}"[^>]*>([\\s\\S]*?)</tr>`).exec(dom);
      return match ? [...match[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => decodeEntities(cell[1]!.replace(/<[^>]+>/g, ''))) : null;
    };
    const signed = { ...columnFormat, signed: true };
    for (const [rule, against] of [['max_regression', ''], ['baseline', ' vs baseline']] as const) {
      const check = model.gate.checks.find((c) => c.scope === 'overall' && c.metric === 'auc' && c.rule === rule)!;
      const evidence = check.evidence!;
      expect(evidence.p_value).not.toBeNull();
      const cells = rowText(`overall|auc|${rule}`);
      expect(cells, rule).not.toBeNull();
      // Scope, Rows, Metric, Rule, Candidate, Champion, Baseline, Threshold, Δ [interval], p, Outcome
      expect(cells!.slice(0, 4)).toEqual(['overall', String(check.rows), 'auc', rule]);
      expect(cells![4]).toBe(formatNumber(check.candidate, columnFormat));
      expect(cells![5]).toBe(formatNumber(check.champion, columnFormat));
      expect(cells![6]).toBe(formatNumber(check.baseline, columnFormat));
      expect(cells![8]).toBe(`${formatNumber(evidence.delta, signed)} ${formatInterval(evidence.interval, signed)}${against}`);
      expect(cells![9]).toContain(formatPValue(evidence.p_value));
      expect(cells![10]).toMatch(/^pass/);
    }
    // The baselines beside the candidate's overall metrics.
    const baselines = model.evaluation.baselines!;
    expect(baselines.map((b) => b.name)).toEqual(['logistic regression', 'class prior']);
    for (const baseline of baselines) expect(dom).toContain(`${baseline.name} baseline`);
    expect(dom).toContain(formatNumber(baselines[0]!.overall.metrics['auc'], columnFormat));
  });

  test('a screenshot shows a drawn page with charts, in light and in dark mode', async () => {
    const light = decodePng(await screenshot(`${served.url}/`, join(shots, 'served-light.png'), { windowSize: '1280,2400' }));
    expect([light.width, light.height]).toEqual([1280, 2400]);
    const stats = imageStats(light);
    expect(stats.distinctColors).toBeGreaterThan(500);
    expect(stats.foregroundShare).toBeGreaterThan(0.04);
    // Chart bars: the accent blue at 55% over the white panel.
    expect(countColor(light, [120, 172, 235])).toBeGreaterThan(5000);

    const dark = decodePng(await screenshot(`${served.url}/`, join(shots, 'served-dark.png'), { windowSize: '1280,1200', dark: true }));
    const background = imageStats(dark).background;
    const luminance = ((background >> 16) & 0xff) + ((background >> 8) & 0xff) + (background & 0xff);
    expect(luminance).toBeLessThan(150);
    expect(imageStats(dark).distinctColors).toBeGreaterThan(300);
  });

  test('the model card the pipeline wrote carries charts that Mermaid parses and renders', async () => {
    const markdown = readFileSync(join(project, 'model-cards', `${model.version}.md`), 'utf8');
    const blocks = extractMermaidBlocks(markdown);
    // Per-slice bars for both slice columns and the calibration plot of this binary model.
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    expect(markdown).toContain('### Confusion matrix');
    for (const result of await checkMermaid(blocks)) expect(result).toMatchObject({ ok: true, type: 'xychart' });
  });

  describe('mlops report', () => {
    let site: string;
    beforeAll(async () => {
      site = join(project, 'site');
      const run = await runMlops(['report', '--out', 'site'], { cwd: project });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`report: telco-churn ${model.version.replace(/\./g, '\\.')} \\(champion\\), 2 versions, 3 runs → site/index\\.html`));
    });

    test('writes the page, its assets and the registry’s JSON in the server’s shapes', () => {
      const reported = modelInfoSchema.parse(JSON.parse(readFileSync(join(site, 'api/model.json'), 'utf8')));
      expect(reported.version).toBe(model.version);
      expect(reported.features).toEqual(model.features);
      expect(reported.evaluation).toEqual(model.evaluation);
      const versions = versionHistorySchema.parse(JSON.parse(readFileSync(join(site, 'api/versions.json'), 'utf8')));
      expect(versions.served).toBeNull();
      expect(versions.versions.map((v) => v.version)).toEqual(history.versions.map((v) => v.version));
      expect(versions.experiments).toHaveLength(3);
      expect(readFileSync(join(site, 'assets/chart.umd.min.js')).equals(readFileSync(join(repoRoot, 'node_modules/chart.js/dist/chart.umd.min.js')))).toBe(true);
      expect(existsSync(join(site, 'api/monitoring.json'))).toBe(false);
    });

    test.each([
      ['opened from disk (file://)', 'file'],
      ['from a static file server', 'http'],
    ])('the page works %s, with history and without live monitoring', async (_name, mode) => {
      let url = pathToFileURL(join(site, 'index.html')).href;
      let server: Server | null = null;
      if (mode === 'http') ({ server, url } = await serveFolder(site));
      try {
        const dom = await dumpDom(url, { budgetMs: 4000 });
        expect(dom).toContain('data-dashboard="ready"');
        expect(dom).not.toContain('data-csp-violations');
        expect(textOf(dom, 'errors')).toBe('');
        expect(textOf(dom, 'served-version')).toBe(model.version);
        expect(textOf(dom, 'monitoring-static')).toBe('Live monitoring appears when served by mlops serve.');
        for (const version of history.versions) expect(dom).toContain(`data-version="${version.version}"`);
        expect(dom).toContain('data-slice="contract=Two year"');
        expect(dom).toMatch(/<canvas id="trend-chart"[^>]*width="\d+"/);
      } finally {
        server?.close();
      }
    });

    test('replaces an earlier report; refuses a folder it did not write', async () => {
      writeFileSync(join(site, 'stale.txt'), 'from an earlier report');
      const again = await runMlops(['report', '--out', 'site'], { cwd: project });
      expect(again.code, again.stderr).toBe(0);
      expect(existsSync(join(site, 'stale.txt'))).toBe(false);

      mkdirSync(join(project, 'docs'));
      copyFileSync(join(project, 'mlops.config.yaml'), join(project, 'docs', 'keep.yaml'));
      const refused = await runMlops(['report', '--out', 'docs'], { cwd: project });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--out \S*docs is not empty and was not written by mlops report/);
      expect(refused.stderr).not.toMatch(stackTraceLine);
      expect(existsSync(join(project, 'docs', 'keep.yaml'))).toBe(true);
    });
  });
});
