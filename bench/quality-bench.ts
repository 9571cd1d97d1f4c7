/**
 * `npm run bench:quality`: the default model against linear baselines on the same split, one
 * dataset per task shape — the default telco churn table (binary), a generated land-cover table
 * (multiclass) and a generated house-price table shaped like Ames (regression, 74 columns, skewed
 * positive target); bench/quality/README.md says how those were made. For each: the config `mlops
 * init` writes (the repository's mlops.config.yaml for telco), `mlops pipeline` with it, the same
 * with `model.kind: linear`, and the in-run baselines of src/model/baseline (L2 logistic
 * regression by IRLS, ridge, the class prior / mean) fitted on the training split with the
 * pipeline's own preprocessing. Goal: the default model at least as good as the linear baseline on
 * the primary metric of every dataset, and test AUC ≥ 0.845 on telco.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { runCli } from '../src/cli/main.js';
import { renderConfigYaml } from '../src/config/config-yaml.js';
import { loadConfig } from '../src/config/load.js';
import { lowerIsBetter } from '../src/config/schema.js';
import { silentLogger } from '../src/core/logger.js';
import { inferConfig } from '../src/data/infer-config.js';
import { loadDataset } from '../src/data/load-dataset.js';
import { splitByKey } from '../src/data/split.js';
import { prepareMetrics } from '../src/evaluation/metrics.js';
import { baselineTaskOf, fitBaselines, predictBaseline } from '../src/model/baseline/baseline.js';
import { encodeFeatures, parsePreprocessingSpec } from '../src/model/preprocessing.js';
import { metricTargets } from '../src/pipeline/test-rows.js';
import { printTable } from './bench-util.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const datasets = [
  { name: 'telco churn', file: join(repoRoot, 'data/telco-churn.csv'), target: 'churn', config: join(repoRoot, 'mlops.config.yaml') },
  { name: 'land cover', file: join(repoRoot, 'bench/quality/land-cover.csv'), target: 'cover' },
  { name: 'house prices', file: join(repoRoot, 'bench/quality/house-prices.csv'), target: 'sale_price' },
];

/** A project with the dataset and a config (the given one, or what `mlops init` infers), changed by `change`. */
async function project(dataset: (typeof datasets)[number], change: (config: Record<string, unknown>) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-quality-'));
  mkdirSync(join(dir, 'data'));
  const data = join(dir, 'data', dataset.file.split('/').at(-1)!);
  copyFileSync(dataset.file, data);
  let text: string;
  if (dataset.config) text = readFileSync(dataset.config, 'utf8');
  else {
    const inferred = await inferConfig({ dataPath: data, configPath: join(dir, 'mlops.config.yaml'), target: dataset.target, logger: silentLogger });
    text = renderConfigYaml(inferred.config, inferred.notes);
  }
  const config = parse(text) as Record<string, unknown>;
  change(config);
  writeFileSync(join(dir, 'mlops.config.yaml'), stringify(config));
  return dir;
}

/** Runs the pipeline; returns the primary metric on the test split (the gate may reject: metrics are written first). */
async function pipelineMetric(dir: string): Promise<{ primary: string; value: number; transform: string }> {
  const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
  const code = await runCli(['pipeline', '--quiet', '--work-dir', 'work'], { stdout: quiet, stderr: quiet, env: process.env, cwd: dir });
  if (code !== 0 && code !== 4) throw new Error(`mlops pipeline in ${dir} exited ${code}`);
  const gate = JSON.parse(readFileSync(join(dir, 'work/gate.json'), 'utf8')) as { primary_metric: string };
  const metrics = JSON.parse(readFileSync(join(dir, 'work/metrics.json'), 'utf8')) as { overall: { metrics: Record<string, number> } };
  const spec = JSON.parse(readFileSync(join(dir, 'work/model/preprocessing.json'), 'utf8')) as { target: { transform?: string } };
  return { primary: gate.primary_metric, value: metrics.overall.metrics[gate.primary_metric]!, transform: spec.target.transform ?? '–' };
}

/** The in-run baselines on the pipeline's split and preprocessing: their primary metric on the test split. */
async function baselineMetrics(dir: string, primary: string): Promise<{ linear: number; constant: number }> {
  const loaded = await loadConfig(join(dir, 'mlops.config.yaml'));
  const spec = parsePreprocessingSpec(JSON.parse(readFileSync(join(dir, 'work/model/preprocessing.json'), 'utf8')));
  const dataset = await loadDataset({ config: loaded, logger: silentLogger });
  const split = splitByKey(dataset.rows, loaded.config.split);
  const rows = (indices: number[]) => indices.map((i) => dataset.rows[i]!);
  const train = rows(split.train);
  const test = rows(split.test);
  const task = baselineTaskOf(spec);
  const x = encodeFeatures(spec, train.map((r) => r.features));
  const baselines = fitBaselines(task, x, metricTargets(spec, train), spec.input_width);
  const testX = encodeFeatures(spec, test.map((r) => r.features));
  const score = (predictions: Float64Array) =>
    prepareMetrics(spec.target.type, metricTargets(spec, test), predictions, {
      threshold: spec.target.type === 'binary' ? spec.target.threshold : undefined,
      classCount: spec.target.type === 'multiclass' ? spec.target.classes.length : undefined,
    }).compute()[primary]!;
  return { linear: score(predictBaseline(baselines.linear, testX)), constant: score(predictBaseline(baselines.constant, testX)) };
}

const rows: string[][] = [];
const verdicts: string[] = [];
for (const dataset of datasets) {
  const candidateDir = await project(dataset, () => {});
  const candidate = await pipelineMetric(candidateDir);
  const linearKind = await pipelineMetric(await project(dataset, (config) => ((config.model as Record<string, unknown>) = { ...(config.model as object), kind: 'linear' })));
  const baselines = await baselineMetrics(candidateDir, candidate.primary);
  const sign = lowerIsBetter.has(candidate.primary) ? -1 : 1;
  const beats = sign * (candidate.value - baselines.linear) >= 0;
  const config = parse(readFileSync(join(candidateDir, 'mlops.config.yaml'), 'utf8')) as { task: { type: string }; model: { kind: string } };
  const f = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(4));
  rows.push([
    dataset.name,
    config.task.type,
    candidate.primary,
    `${f(candidate.value)} (${config.model.kind}${candidate.transform === 'log' ? ', log target' : ''})`,
    f(linearKind.value),
    f(baselines.linear),
    f(baselines.constant),
    `${sign * (candidate.value - baselines.linear) >= 0 ? '+' : '−'}${f(Math.abs(candidate.value - baselines.linear))}`,
  ]);
  verdicts.push(`${dataset.name}: default model ${beats ? 'at least as good as' : 'WORSE than'} the linear baseline on ${candidate.primary}`);
  if (dataset.name === 'telco churn') verdicts.push(`telco churn: test AUC ${candidate.value.toFixed(4)} (goal ≥ 0.845: ${candidate.value >= 0.845 ? 'met' : 'MISSED'})`);
}
console.log('\n## Quality: the default model against linear baselines on the same test split\n');
printTable(['dataset', 'task', 'primary', 'default model', 'model.kind linear', 'linear baseline (IRLS / ridge)', 'constant baseline', 'default vs linear baseline'], rows);
console.log(`\n${verdicts.join('\n')}`);
