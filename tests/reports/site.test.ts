import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ConfigError, RegistryError } from '../../src/core/errors.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { buildReportData, type ReportData } from '../../src/reports/report-data.js';
import { reportMarkerFile, writeReportSite } from '../../src/reports/site.js';
import { modelInfoSchema, versionHistorySchema } from '../../src/serving/api-schema.js';
import { decodeEntities, dumpDom } from '../dashboard/chromium.js';
import { fixtureRegistryWithHistory, registerFixtureVersion } from './report-fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlops-report-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const generatedAt = '2024-05-05T12:00:00.000Z';

describe('buildReportData', () => {
  test('the champion with its lineage, evaluation and contract; every version, move and run', async () => {
    const registry = await fixtureRegistryWithHistory(join(dir, 'registry'), join(dir, 'work'));
    const data = await buildReportData(registry, { generatedAt });
    const model = modelInfoSchema.parse(data.model);
    expect(model).toMatchObject({ name: 'telco-churn', version: '1.1.0', champion: true, loaded_at: generatedAt });
    expect(model.lineage.parent_version).toBe('1.0.0');
    expect(model.features).toEqual([
      { name: 'tenure', type: 'numeric', nullable: false, min: 0, max: 72 },
      { name: 'monthly_charges', type: 'numeric', nullable: true, min: 18.25, max: 118.75 },
      { name: 'contract', type: 'categorical', nullable: false, vocabulary: ['Month-to-month', 'One year', 'Two year'] },
      { name: 'internet_service', type: 'categorical', nullable: false, vocabulary: ['DSL', 'Fiber optic', 'No'] },
    ]);
    expect(Object.keys(model.evaluation.slices['contract']!)).toEqual(['Month-to-month', 'One year', 'Two year']);
    expect(model.card).toHaveProperty('model_details.version.name', '1.1.0');

    const history = versionHistorySchema.parse(data.versions);
    expect(history).toMatchObject({ champion: '1.1.0', served: null, primary_metric: 'auc', generated_at: generatedAt });
    expect(history.versions.map((v) => [v.version, v.status])).toEqual([['1.0.0', 'archived'], ['1.1.0', 'champion']]);
    expect(history.versions[1]!.metrics).toEqual(model.evaluation.overall.metrics);
    expect(history.alias_history.map((move) => [move.from, move.to])).toEqual([[null, '1.0.0'], ['1.0.0', '1.1.0']]);
    expect(history.experiments.map((e) => e.status)).toEqual(['failed', 'promoted', 'rejected', 'promoted']);
  });

  test('before any promotion: the newest version, not marked champion', async () => {
    const registry = await ModelRegistry.open(join(dir, 'registry'));
    await registerFixtureVersion(registry, join(dir, 'work'), { promote: false });
    const data = await buildReportData(registry, { generatedAt });
    expect(data.model).toMatchObject({ version: '1.0.0', champion: false });
    expect(data.versions.champion).toBeNull();
  });

  test.each([
    ['not JSON', '{"passed": tru', /Cannot use gate\.json of version 1\.1\.0: \S+gate\.json is not valid JSON/],
    ['the wrong shape', '{"passed": "yes"}', /Cannot use gate\.json of version 1\.1\.0: \S+gate\.json does not have the expected shape:\n.*passed/],
  ])('a stored gate.json that is %s is a RegistryError naming the version and file', async (_case, text, message) => {
    const registry = await fixtureRegistryWithHistory(join(dir, 'registry'), join(dir, 'work'));
    await writeFile(join(registry.versionDir('1.1.0'), 'gate.json'), text);
    await expect(buildReportData(registry)).rejects.toThrow(RegistryError);
    await expect(buildReportData(registry)).rejects.toThrow(message);
  });

  test('an empty registry is a RegistryError that says what to run', async () => {
    const registry = await ModelRegistry.open(join(dir, 'registry'));
    await expect(buildReportData(registry)).rejects.toThrow(RegistryError);
    await expect(buildReportData(registry)).rejects.toThrow(/has no versions yet: run `npm run pipeline`/);
  });
});

describe('writeReportSite', () => {
  async function data(): Promise<ReportData> {
    return buildReportData(await fixtureRegistryWithHistory(join(dir, 'registry'), join(dir, 'work')), { generatedAt });
  }

  test('writes the page, its assets, the JSON and the same data as a script', async () => {
    const report = await data();
    const site = await writeReportSite(report, join(dir, 'out', 'site'));
    expect(site.files).toEqual([
      '.mlops-report',
      'api/model.json',
      'api/report-data.js',
      'api/versions.json',
      'assets/chart.umd.min.js',
      'assets/dashboard.css',
      'assets/dashboard.js',
      'index.html',
    ]);
    for (const file of site.files) expect(existsSync(join(site.dir, file)), file).toBe(true);
    expect(JSON.parse(await readFile(join(site.dir, 'api/model.json'), 'utf8'))).toEqual(report.model);
    const script = await readFile(join(site.dir, 'api/report-data.js'), 'utf8');
    const window: { MLOPS_REPORT?: unknown } = {};
    runInNewContext(script, { window });
    expect(window.MLOPS_REPORT).toEqual({ model: report.model, versions: report.versions });
    // Nothing left beside the site.
    expect(await readdir(join(dir, 'out'))).toEqual(['site']);
  });

  test('replaces an earlier report whole; refuses a folder it did not write, changing nothing', async () => {
    const report = await data();
    const target = join(dir, 'site');
    await writeReportSite(report, target);
    await writeFile(join(target, 'leftover.txt'), 'old');
    await writeReportSite(report, target);
    expect(existsSync(join(target, 'leftover.txt'))).toBe(false);
    expect(existsSync(join(target, reportMarkerFile))).toBe(true);

    const docs = join(dir, 'docs');
    await mkdir(docs);
    await writeFile(join(docs, 'index.md'), '# mine');
    await expect(writeReportSite(report, docs)).rejects.toThrow(ConfigError);
    expect(await readdir(docs)).toEqual(['index.md']);
    await expect(writeReportSite(report, join(docs, 'index.md'))).rejects.toThrow(/is a file/);

    const empty = join(dir, 'empty');
    await mkdir(empty);
    await writeReportSite(report, empty);
    expect(existsSync(join(empty, 'index.html'))).toBe(true);
    expect((await readdir(dir)).filter((name) => name.includes('.tmp-') || name.includes('.old-'))).toEqual([]);
  });

  test('data cannot inject HTML or script into the page (checked in Chromium)', async () => {
    const report = await data();
    const payload = `<img src=x onerror="document.title='pwned'">`;
    const slice = report.model.evaluation.slices['contract']!['One year']!;
    report.model.evaluation.slices['contract'] = { ...report.model.evaluation.slices['contract']!, [payload]: slice };
    report.model.gate.summary = `Passed <script>document.title='pwned'</script>`;
    report.versions.experiments[0]!.gate_summary = `<b onmouseover="x()">bold</b>`;
    report.model.lineage.run_url = 'javascript:alert(1)' as unknown as string;
    const site = await writeReportSite(report, join(dir, 'site'));
    const dom = await dumpDom(pathToFileURL(join(site.dir, 'index.html')).href, { budgetMs: 4000 });
    expect(dom).toContain('data-dashboard="ready"');
    expect(dom).toMatch(/<title>telco-churn 1\.1\.0 · model dashboard<\/title>/);
    expect(dom).not.toMatch(/<img|<b onmouseover|<script>document/);
    expect(dom).not.toContain('href="javascript:');
    expect(decodeEntities(dom)).toContain(payload);
    expect(dom).not.toContain('data-csp-violations');
  });
});
