/**
 * `npm run bench:gate`: measures the gate itself (issue 10) — how often it rejects a retrain that
 * changed nothing, whether it rejects candidates that are truly worse, and what its statistics add
 * to `mlops evaluate`. Never a timed test; quote medians.
 *
 * Per data shape (the default telco config, and `mlops init` on the multiclass and regression
 * fixtures of tests/fixtures/data/infer): a champion is trained on the whole file with the config
 * as written. Then, each judged against that champion through the real evaluate code
 * (`fitInRunBaselines`, `evaluateCandidate`, `evaluateGate`) with the config's gate:
 *   - no-change retrains: a seeded random 1% of the rows removed, the rest split and trained as
 *     `mlops train` would (the split is by row content, so the other rows keep their split). Any
 *     rejection is a false alarm. Goal: at most 5% with the default config. The same evaluations
 *     are also judged with `gate.comparison: point`, and with the gate as it was before this
 *     issue (point rule, slices gated by rows alone, no baseline check), for contrast;
 *   - degraded candidates, truly worse: under-trained (1 epoch), the strongest quarter of the
 *     features removed (ranked by a one-feature linear model), 30% of the training labels replaced
 *     by another class (classification) or noise of 1.5 target SDs added (regression). "Truly
 *     worse" is judged on the whole test split: the drop of a gated overall metric exceeds its
 *     `max_regression`. Goal: every such candidate rejected.
 *   - time: the evaluation behind the verdict (baseline fit, one pass scoring candidate, champion
 *     and baselines, the paired comparisons, the verdict) minus what evaluate spent before this
 *     issue (two separate `evaluatePredictions` with bootstrap intervals). Goal: ≤ 2 s.
 *
 * Options: --retrains 20, --shapes telco,multiclass,regression
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigYaml } from '../src/config/config-yaml.js';
import { defaultPrimaryMetric, loadConfig, type LoadedConfig } from '../src/config/load.js';
import { lowerIsBetter, type FeatureSpec, type MlopsConfig } from '../src/config/schema.js';
import { silentLogger } from '../src/core/logger.js';
import { formatNumber, formatPValue } from '../src/core/number-format.js';
import { createRandom, seededPermutation, type Random } from '../src/core/rng.js';
import { inferConfig } from '../src/data/infer-config.js';
import { loadDataset, type DatasetRow } from '../src/data/load-dataset.js';
import { splitByKey } from '../src/data/split.js';
import { evaluateCandidate } from '../src/evaluation/evaluate-candidate.js';
import { evaluatePredictions } from '../src/evaluation/evaluate.js';
import { evaluateGate } from '../src/evaluation/gate.js';
import type { GateVerdict } from '../src/evaluation/report-schema.js';
import { baselineTaskOf, fitBaselines, predictBaseline } from '../src/model/baseline/baseline.js';
import { selectBackend } from '../src/model/backend.js';
import { predictRows } from '../src/model/predict.js';
import { encodeFeatures, encodeTargets, fitPreprocessing, type PreprocessingSpec } from '../src/model/preprocessing.js';
import { trainNetwork } from '../src/model/train.js';
import { inMemoryTrainingRows, inMemoryValidationRows } from '../src/model/training-rows.js';
import { fitInRunBaselines, metricTargets, testRowsInput } from '../src/pipeline/test-rows.js';
import { argValue, median, printTable } from './bench-util.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const retrains = Number(argValue('retrains', '20'));
const shapes = argValue('shapes', 'telco,multiclass,regression').split(',');

/** A trained model that scores raw rows through its own preprocessing. */
interface Trained {
  spec: PreprocessingSpec;
  predict: (rows: readonly DatasetRow[]) => Float32Array;
}

async function shapeConfig(shape: string): Promise<LoadedConfig> {
  if (shape === 'telco') return loadConfig(join(repoRoot, 'mlops.config.yaml'));
  const fixture = shape === 'multiclass' ? { file: 'penguins-odd-names.csv', target: 'Species' } : { file: 'house-prices.csv', target: 'price' };
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-'));
  const configPath = join(dir, 'mlops.config.yaml');
  const dataPath = join(repoRoot, 'tests/fixtures/data/infer', fixture.file);
  const inferred = await inferConfig({ dataPath, configPath, target: fixture.target, logger: silentLogger });
  writeFileSync(configPath, renderConfigYaml(inferred.config, inferred.notes));
  return loadConfig(configPath);
}

async function train(config: MlopsConfig, rows: readonly DatasetRow[], options: { features?: FeatureSpec[]; epochs?: number; labels?: (rows: DatasetRow[]) => DatasetRow[] } = {}): Promise<Trained> {
  const split = splitByKey(rows, config.split);
  const pick = (indices: number[]) => indices.map((i) => rows[i]!);
  const trainRows = options.labels ? options.labels(pick(split.train)) : pick(split.train);
  const validation = pick(split.validation);
  const spec = fitPreprocessing(options.features ?? config.features, config.task, trainRows.map((r) => r.features), trainRows.map((r) => r.target));
  const encode = (part: DatasetRow[]) => ({ x: encodeFeatures(spec, part.map((r) => r.features)), y: encodeTargets(spec, part.map((r) => r.target)), rows: part.length });
  const model = { ...config.model, max_epochs: options.epochs ?? config.model.max_epochs };
  const { network } = await trainNetwork({
    model,
    spec,
    train: inMemoryTrainingRows(encode(trainRows)),
    validation: inMemoryValidationRows(encode(validation), metricTargets(spec, validation)),
    primaryMetric: config.gate.primary_metric ?? defaultPrimaryMetric(config.task.type),
    logger: silentLogger,
  });
  return { spec, predict: (part) => predictRows(network, spec, part.map((r) => r.features)) };
}

/** The outcome of judging one candidate against the champion. */
interface Judged {
  paired: GateVerdict;
  point: GateVerdict;
  /** The gate before issue 10: the point rule, slices gated by rows alone, no baseline check. */
  before: GateVerdict;
  /** Gated overall metrics whose measured drop on the whole test split exceeds max_regression. */
  trulyWorse: string[];
  gateMs: number;
  beforeMs: number;
}

function judge(config: MlopsConfig, rows: readonly DatasetRow[], candidate: Trained, champion: Trained): Judged {
  const split = splitByKey(rows, config.split);
  const test = split.test.map((i) => rows[i]!);
  const trainRows = split.train.map((i) => rows[i]!);
  const input = testRowsInput(config, candidate.spec, test);
  const candidatePredictions = candidate.predict(test);
  const championPredictions = Float64Array.from(champion.predict(test));
  const started = performance.now();
  const baselines = fitInRunBaselines(candidate.spec, trainRows, test);
  const evaluation = evaluateCandidate({ ...input, gate: config.gate, candidate: candidatePredictions, champion: championPredictions, baselines: Array.isArray(baselines) ? baselines : [] });
  const verdictOf = (comparison: 'paired' | 'point', change: Partial<MlopsConfig['gate']> = {}) =>
    evaluateGate({
      gate: { ...config.gate, comparison, ...change },
      task: config.task.type,
      candidate: evaluation.candidate,
      candidateId: 'bench',
      champion: { version: '1.0.0', report: evaluation.champion! },
      comparisons: evaluation.comparisons,
    });
  const paired = verdictOf('paired');
  const gateMs = performance.now() - started;
  const point = verdictOf('point');
  const before = verdictOf('point', { min_slice_class_rows: 2, baseline: { enabled: false } });
  const timed = performance.now();
  evaluatePredictions({ ...input, predictions: candidatePredictions, bootstrap: config.gate.bootstrap });
  evaluatePredictions({ ...input, predictions: championPredictions, bootstrap: config.gate.bootstrap });
  const beforeMs = performance.now() - timed;
  const trulyWorse = paired.checks
    .filter((c) => c.scope === 'overall' && c.rule === 'max_regression' && c.delta !== null && c.threshold !== null)
    .filter((c) => {
      const allowed = config.gate.overall[c.metric]?.max_regression ?? Infinity;
      return (lowerIsBetter.has(c.metric) ? c.delta! : -c.delta!) > allowed;
    })
    .map((c) => `${c.metric} ${c.delta! > 0 ? '+' : ''}${c.delta!.toFixed(3)}`);
  return { paired, point, before, trulyWorse, gateMs, beforeMs };
}

/** The strongest quarter of the features: ranked by the primary metric of a linear model on that feature alone (test rows). */
function strongestFeatures(config: MlopsConfig, rows: readonly DatasetRow[]): FeatureSpec[] {
  const split = splitByKey(rows, config.split);
  const trainRows = split.train.map((i) => rows[i]!);
  const test = split.test.map((i) => rows[i]!);
  const metric = config.gate.primary_metric ?? defaultPrimaryMetric(config.task.type);
  const scored = config.features.map((feature) => {
    const spec = fitPreprocessing([feature], config.task, trainRows.map((r) => r.features), trainRows.map((r) => r.target));
    const { linear } = fitBaselines(baselineTaskOf(spec), encodeFeatures(spec, trainRows.map((r) => r.features)), metricTargets(spec, trainRows), spec.input_width);
    const predictions = predictBaseline(linear, encodeFeatures(spec, test.map((r) => r.features)));
    const report = evaluatePredictions({ ...testRowsInput({ ...config, slices: [] }, spec, test), predictions, bootstrap: { resamples: 0, confidence: 0.95, seed: 1 } });
    const value = report.overall.metrics[metric] ?? NaN;
    return { feature, score: lowerIsBetter.has(metric) ? -value : value };
  });
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, Math.max(1, Math.ceil(config.features.length / 4))).map((s) => s.feature);
}

function noisyLabels(spec: PreprocessingSpec, random: Random): (rows: DatasetRow[]) => DatasetRow[] {
  const target = spec.target;
  if (target.type === 'regression') {
    return (rows) => {
      const values = rows.map((r) => Number(r.target));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      // Box–Muller: 1.5 SDs of Gaussian noise on every training label.
      return rows.map((r) => ({ ...r, target: Number(r.target) + 1.5 * sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()) }));
    };
  }
  const labels = target.type === 'binary' ? [target.negative_label, target.positive_label] : target.classes;
  return (rows) =>
    rows.map((r) => {
      if (random() >= 0.3) return r;
      const others = labels.filter((label) => label !== String(r.target));
      return { ...r, target: others[Math.floor(random() * others.length)]! };
    });
}

function failed(verdict: GateVerdict): string {
  const failures = verdict.checks.filter((c) => c.outcome === 'fail');
  return failures.length === 0 ? '-' : failures.map((c) => `${c.metric}@${c.scope}${c.rule === 'baseline' ? ' (baseline)' : ''}`).join('; ');
}

/** The primary metric's overall check against the champion: Δ with its interval and the Holm-adjusted p. */
function primaryEvidence(config: MlopsConfig, verdict: GateVerdict): string {
  const metric = config.gate.primary_metric ?? defaultPrimaryMetric(config.task.type);
  const evidence = verdict.checks.find((c) => c.scope === 'overall' && c.metric === metric && c.rule === 'max_regression')?.evidence;
  if (!evidence || evidence.delta === null) return '-';
  const interval = evidence.interval ? ` [${formatNumber(evidence.interval.low, { signed: true })}, ${formatNumber(evidence.interval.high, { signed: true })}]` : '';
  return `${formatNumber(evidence.delta, { signed: true })}${interval}, p ${formatPValue(evidence.p_adjusted)}`;
}

const percent = (part: number, whole: number) => `${part}/${whole} (${((100 * part) / whole).toFixed(0)}%)`;

await selectBackend('auto', silentLogger);
const summary: string[][] = [];
for (const shape of shapes) {
  const loaded = await shapeConfig(shape);
  const config = loaded.config;
  const rows = (await loadDataset({ config: loaded, logger: silentLogger })).rows;
  console.log(`\n== ${shape}: ${config.task.type}, ${rows.length} rows, ${config.features.length} features, slices [${config.slices.join(', ')}], gate.comparison ${config.gate.comparison}, alpha ${config.gate.alpha}`);
  const champion = await train(config, rows);

  const noChange: string[][] = [];
  const gateMs: number[] = [];
  const beforeMs: number[] = [];
  let pairedRejections = 0;
  let pointRejections = 0;
  let beforeRejections = 0;
  for (let i = 0; i < retrains; i++) {
    const removeCount = Math.max(1, Math.round(rows.length / 100));
    const removed = new Set(seededPermutation(rows.length, createRandom(1000 + i)).subarray(0, removeCount));
    const kept = rows.filter((_, index) => !removed.has(index));
    const result = judge(config, kept, await train(config, kept), champion);
    if (!result.paired.passed) pairedRejections++;
    if (!result.point.passed) pointRejections++;
    if (!result.before.passed) beforeRejections++;
    gateMs.push(result.gateMs);
    beforeMs.push(result.beforeMs);
    const outcome = (verdict: GateVerdict) => (verdict.passed ? 'pass' : 'REJECT');
    noChange.push([String(i + 1), outcome(result.paired), failed(result.paired), primaryEvidence(config, result.paired), outcome(result.point), outcome(result.before), failed(result.before)]);
    process.stderr.write(`${shape} retrain ${i + 1}/${retrains}: ${result.paired.summary}\n`);
  }
  console.log(`\nNo-change retrains (1% of rows removed, seeded), judged against the same champion:`);
  printTable(['#', 'paired (default)', 'failed checks', 'overall primary Δ [90%], p (Holm)', 'point rule', 'before issue 10', 'failed checks (before)'], noChange);

  const degradedRows: string[][] = [];
  let worse = 0;
  let caught = 0;
  const dropped = strongestFeatures(config, rows);
  const kinds: [string, () => Promise<Trained>][] = [
    ['under-trained (1 epoch)', () => train(config, rows, { epochs: 1 })],
    [`features removed: ${dropped.map((f) => f.name).join(', ')}`, () => train(config, rows, { features: config.features.filter((f) => !dropped.includes(f)) })],
    [config.task.type === 'regression' ? 'label noise (1.5 SD)' : 'label noise (30% relabelled)', () => train(config, rows, { labels: noisyLabels(champion.spec, createRandom(77)) })],
  ];
  for (const [kind, trainDegraded] of kinds) {
    const result = judge(config, rows, await trainDegraded(), champion);
    const isWorse = result.trulyWorse.length > 0;
    if (isWorse) worse++;
    if (isWorse && !result.paired.passed) caught++;
    degradedRows.push([kind, result.trulyWorse.join(', ') || 'within thresholds', primaryEvidence(config, result.paired), result.paired.passed ? 'pass' : 'REJECT', failed(result.paired)]);
  }
  console.log(`\nDegraded candidates, judged against the same champion:`);
  printTable(['candidate', 'overall drop beyond max_regression', 'overall primary Δ [90%], p (Holm)', 'verdict', 'failed checks'], degradedRows);

  const added = gateMs.map((ms, i) => ms - beforeMs[i]!);
  summary.push([
    shape,
    percent(pairedRejections, retrains),
    percent(pointRejections, retrains),
    percent(beforeRejections, retrains),
    `${caught}/${worse}`,
    `${median(gateMs).toFixed(0)} ms`,
    `${median(beforeMs).toFixed(0)} ms`,
    `${median(added).toFixed(0)} ms`,
  ]);
}

console.log(`\nSummary (goals: false rejections ≤ 5% with the default config; every truly worse candidate rejected; statistics add ≤ 2 s):`);
printTable(['shape', 'false rejections (paired)', 'false rejections (point rule)', 'false rejections (before issue 10)', 'worse caught', 'gate evaluation (median)', 'before (median)', 'added (median)'], summary);
