/**
 * `npm run bench:gate-stats`: what the gate's paired statistics add to `mlops evaluate` on the
 * default dataset, as a ratio to what evaluate already spends (never a timed test; quote medians).
 *
 * Real rows: data/telco-churn.csv under mlops.config.yaml's split (1,403 test rows). Two real
 * models: the candidate is the logistic baseline on every feature, the champion the same model
 * without `tenure`. Scopes: overall plus every value of contract, internet_service and
 * payment_method (10 slices). Per scope: the paired bootstrap of all 7 binary metrics (1,000
 * resamples by default), DeLong's test for AUC, the one-sided p-value of every metric, and Holm
 * over the slice checks.
 *
 * Measured in the same run:
 *   - evaluate (today): `evaluatePredictions` with bootstrap intervals, the work `mlops evaluate`
 *     does per model (once without a champion, twice with one);
 *   - gate statistics: the paired comparison above (goal: at most 2 s). Its draws also give each
 *     model's own intervals (`modelIntervals`, identical to a separate bootstrap with the same
 *     seed), so the integration can drop both per-model bootstraps: the net cost is then gate
 *     statistics − evaluate with champion;
 *   - baseline fit: fitting the logistic and prior baselines on the 5,056 training rows (phase 2
 *     adds this to the run).
 *
 * Options: --rounds 7, --resamples 1000
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import { lowerIsBetter } from '../src/config/schema.js';
import { fnv1a32 } from '../src/core/hash.js';
import { silentLogger } from '../src/core/logger.js';
import { loadDataset, type DatasetRow } from '../src/data/load-dataset.js';
import { splitByKey } from '../src/data/split.js';
import { evaluatePredictions } from '../src/evaluation/evaluate.js';
import { delongRegressionPValue, delongTest } from '../src/evaluation/stats/delong.js';
import { pairedBootstrap, testRegression } from '../src/evaluation/stats/paired-bootstrap.js';
import { judgeRegressionFamily, type RegressionEvidence } from '../src/evaluation/stats/regression-rule.js';
import { baselineTaskOf, fitBaselines, predictBaseline } from '../src/model/baseline/baseline.js';
import { encodeFeatures, encodeTargets, fitPreprocessing } from '../src/model/preprocessing.js';
import { argValue, median, printTable } from './bench-util.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const rounds = Number(argValue('rounds', '7'));
const resamples = Number(argValue('resamples', '1000'));
const sliceColumns = ['contract', 'internet_service', 'payment_method'];
const maxRegression = 0.02;

const loaded = await loadConfig(`${repoRoot}mlops.config.yaml`);
const config = loaded.config;
const rows = (await loadDataset({ config: { ...loaded, config: { ...config, slices: sliceColumns } }, logger: silentLogger })).rows;
const split = splitByKey(rows, config.split);
const train = split.train.map((i) => rows[i]!);
const test = split.test.map((i) => rows[i]!);

/** A logistic baseline on the given features, and its test predictions. */
function logisticPredictions(features: typeof config.features, part: DatasetRow[]): Float64Array {
  const spec = fitPreprocessing(features, config.task, train.map((r) => r.features), train.map((r) => r.target));
  const x = encodeFeatures(spec, train.map((r) => r.features));
  const { linear } = fitBaselines(baselineTaskOf(spec), x, encodeTargets(spec, train.map((r) => r.target)), spec.input_width);
  return predictBaseline(linear, encodeFeatures(spec, part.map((r) => r.features)));
}

const candidate = logisticPredictions(config.features, test);
const champion = logisticPredictions(config.features.filter((f) => f.name !== 'tenure'), test);
const spec = fitPreprocessing(config.features, config.task, train.map((r) => r.features), train.map((r) => r.target));
const yTrue = Float64Array.from(encodeTargets(spec, test.map((r) => r.target)));
const bootstrap = { ...config.gate.bootstrap, resamples };

/** Row indices of every scope: overall, then each value of each slice column. */
const scopes: { name: string; rows: Uint32Array }[] = [{ name: 'overall', rows: Uint32Array.from(test, (_, i) => i) }];
for (const column of sliceColumns) {
  const values = [...new Set(test.map((r) => r.slices[column] ?? '(missing)'))].sort();
  for (const value of values) {
    scopes.push({ name: `${column}=${value}`, rows: Uint32Array.from(test.flatMap((r, i) => ((r.slices[column] ?? '(missing)') === value ? [i] : []))) });
  }
}
const pick = (values: Float64Array, indices: Uint32Array) => Float64Array.from(indices, (i) => values[i]!);

/** The gate's paired statistics over every scope; returns the number of failed checks (so nothing is optimised away). */
function gateStatistics(): number {
  const overall: RegressionEvidence[] = [];
  const slices: RegressionEvidence[] = [];
  for (const scope of scopes) {
    const y = pick(yTrue, scope.rows);
    const a = pick(candidate, scope.rows);
    const b = pick(champion, scope.rows);
    const samples = pairedBootstrap({ task: 'binary', yTrue: y, candidate: a, champion: b, bootstrap: { ...bootstrap, seed: fnv1a32(scope.name, bootstrap.seed) } });
    const delong = delongTest(y, a, b, bootstrap.confidence);
    for (const [metric, sample] of Object.entries(samples)) {
      const tested = testRegression(sample, maxRegression, bootstrap.confidence);
      const pValue = metric === 'auc' ? (delong.defined ? delongRegressionPValue(delong, maxRegression) : null) : tested.pValue;
      const evidence = { worsening: tested.worsening, maxRegression, pValue };
      (scope.name === 'overall' ? overall : slices).push(evidence);
      if (lowerIsBetter.has(metric) !== sample.lowerIsBetter) throw new Error(`orientation of ${metric}`);
    }
  }
  return [...judgeRegressionFamily(overall, 0.05), ...judgeRegressionFamily(slices, 0.05)].filter((j) => j.outcome === 'fail').length;
}

const sliceValues = Object.fromEntries(sliceColumns.map((c) => [c, test.map((r) => r.slices[c] ?? null)]));
function evaluateToday(predictions: Float64Array): number {
  return evaluatePredictions({ task: 'binary', yTrue, predictions, slices: sliceValues, bootstrap }).overall.rows;
}

function fitBaselineModels(): number {
  const x = encodeFeatures(spec, train.map((r) => r.features));
  const fitted = fitBaselines(baselineTaskOf(spec), x, encodeTargets(spec, train.map((r) => r.target)), spec.input_width);
  return fitted.linear.rows;
}

function timeIt(run: () => number): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

const timings = { evaluate: [] as number[], evaluateBoth: [] as number[], gate: [] as number[], baseline: [] as number[] };
let failed = 0;
for (let round = 0; round < rounds; round++) {
  timings.evaluate.push(timeIt(() => evaluateToday(candidate)));
  timings.evaluateBoth.push(timeIt(() => evaluateToday(candidate) + evaluateToday(champion)));
  timings.gate.push(timeIt(() => (failed = gateStatistics())));
  timings.baseline.push(timeIt(fitBaselineModels));
}

const evaluateMs = median(timings.evaluate);
const row = (name: string, values: number[], goal: string) => [
  name,
  `${median(values).toFixed(0)} ms`,
  `${(median(values) / evaluateMs).toFixed(2)}×`,
  `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)} ms`,
  goal,
];
console.log(
  `Default dataset: ${test.length} test rows, ${scopes.length} scopes (overall + ${scopes.length - 1} slices), ${resamples} resamples, 7 metrics; ${rounds} rounds (medians).`,
);
printTable(
  ['work', 'median', 'vs evaluate', 'range', 'goal'],
  [
    row('evaluate today, no champion (1 model, intervals)', timings.evaluate, 'baseline'),
    row('evaluate today, with champion (2 models)', timings.evaluateBoth, 'report'),
    row('gate statistics (paired bootstrap + DeLong + Holm)', timings.gate, '≤ 2000 ms'),
    row(`baseline fit (logistic + prior, ${train.length} rows)`, timings.baseline, 'report'),
  ],
);
const gateMs = median(timings.gate);
const netMs = gateMs - median(timings.evaluateBoth);
console.log(`Gate statistics: ${gateMs.toFixed(0)} ms median — ${gateMs <= 2000 ? 'meets' : 'MISSES'} the 2 s goal (${failed} checks failed: candidate vs champion without tenure).`);
console.log(`Net, when both models' intervals come from the paired draws instead of their own bootstraps: ${netMs.toFixed(0)} ms.`);
console.log(
  JSON.stringify({
    evaluate_ms: evaluateMs,
    evaluate_with_champion_ms: median(timings.evaluateBoth),
    gate_statistics_ms: gateMs,
    net_added_ms: netMs,
    baseline_fit_ms: median(timings.baseline),
    scopes: scopes.length,
    resamples,
  }),
);
