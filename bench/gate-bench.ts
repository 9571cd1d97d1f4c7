/**
 * `npm run bench:gate`: measures the gate itself (issue 10) — how often it rejects a retrain that
 * changed nothing, whether it rejects candidates that are truly worse, and what its statistics add
 * to `mlops evaluate`. Never a timed test; quote medians.
 *
 * Per data shape — the default telco config (binary), and the config `mlops init` writes for the
 * generated land-cover (multiclass, 4,000 rows) and house-price (regression, 1,460 rows, skewed
 * target) tables of bench/quality — a champion is trained on the whole file with the config as
 * written. Then, each judged against that champion through the real evaluate code
 * (`fitInRunBaselines`, `evaluateCandidate`, `evaluateGate`) with the config's gate:
 *   - no-change retrains: a seeded random 1% of the rows removed, the rest split and trained as
 *     `mlops train` would (the split is by row content, so the other rows keep their split). Any
 *     rejection is a false alarm. Goal: at most 5% with the default config. The same evaluations
 *     are also judged with `gate.comparison: point`, and with the gate as it was before this
 *     issue (point rule, slices gated by rows alone, no baseline check), for contrast;
 *   - degraded candidates: under-trained (1 epoch; 1 epoch at a tenth of the learning rate), the
 *     strongest quarter of the features removed (ranked by a one-feature linear model), 30% of
 *     the training labels replaced by another class (classification) or noise of 1.5 target SDs
 *     added (regression). A candidate is truly worse when the drop of a gated overall metric
 *     (`max_regression` in gate.overall) exceeds its threshold on an independent holdout: for the
 *     generated tables, rows after the committed ones in the generator's seeded stream (same
 *     coefficients, new draws: 20,000 land-cover plots, 10,000 houses) that no model trained or
 *     was tested on; telco has no such rows, so its true drop is the drop on the whole test split.
 *     Goal: every truly worse candidate rejected. Each candidate's true drop, threshold and
 *     verdict is printed, and so is the true drop of every no-change retrain.
 *   - time: the evaluation behind the verdict (baseline fit, one pass scoring candidate, champion
 *     and baselines, the paired comparisons, the verdict) minus what evaluate spent before this
 *     issue (two separate `evaluatePredictions` with bootstrap intervals). Goal: ≤ 2 s.
 *
 * `gate.md` of a real pass (the first no-change retrain) and a real rejection (the first
 * rejected degraded candidate) is written per shape to --out (default: a new folder under the
 * system temp folder, printed).
 *
 * Options: --retrains 20, --shapes telco,multiclass,regression, --out DIR
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderConfigYaml } from '../src/config/config-yaml.js';
import { defaultPrimaryMetric, loadConfig } from '../src/config/load.js';
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
import { renderGateMarkdown } from '../src/evaluation/gate-markdown.js';
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
const outDir = argValue('out', '') || mkdtempSync(join(tmpdir(), 'mlops-gate-bench-out-'));
mkdirSync(outDir, { recursive: true });

/** The table functions of bench/quality/make-quality-datasets.mjs. */
interface QualityGenerator {
  toCsv: (header: string[], rows: unknown[][]) => string;
  committedRows: Record<string, number>;
  housePrices: (count: number) => { header: string[]; rows: unknown[][] };
  landCover: (count: number) => { header: string[]; rows: unknown[][] };
}
const generator = (await import(pathToFileURL(join(repoRoot, 'bench/quality/make-quality-datasets.mjs')).href)) as QualityGenerator;

/** A generated init-shape table: its committed file, target, and how many holdout rows to draw after it. */
const generated: Record<string, { file: string; target: string; table: keyof Pick<QualityGenerator, 'housePrices' | 'landCover'>; holdout: number }> = {
  multiclass: { file: 'land-cover.csv', target: 'cover', table: 'landCover', holdout: 20_000 },
  regression: { file: 'house-prices.csv', target: 'sale_price', table: 'housePrices', holdout: 10_000 },
};

/** A trained model that scores raw rows through its own preprocessing. */
interface Trained {
  spec: PreprocessingSpec;
  predict: (rows: readonly DatasetRow[]) => Float32Array;
}

/** A shape's config, its rows, and the rows its true drops are measured on (with their name). */
interface Shape {
  config: MlopsConfig;
  rows: DatasetRow[];
  truth: { rows: DatasetRow[]; name: string } | null;
}

async function loadShape(shape: string): Promise<Shape> {
  if (shape === 'telco') {
    const loaded = await loadConfig(join(repoRoot, 'mlops.config.yaml'));
    return { config: loaded.config, rows: (await loadDataset({ config: loaded, logger: silentLogger })).rows, truth: null };
  }
  const source = generated[shape];
  if (!source) throw new Error(`Unknown shape '${shape}': use telco, multiclass or regression.`);
  const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-bench-'));
  const configPath = join(dir, 'mlops.config.yaml');
  const dataPath = join(repoRoot, 'bench/quality', source.file);
  const inferred = await inferConfig({ dataPath, configPath, target: source.target, logger: silentLogger });
  writeFileSync(configPath, renderConfigYaml(inferred.config, inferred.notes));
  const loaded = await loadConfig(configPath);
  const committed = generator.committedRows[source.file]!;
  const table = generator[source.table](committed + source.holdout);
  const holdoutPath = join(dir, `holdout-${source.file}`);
  writeFileSync(holdoutPath, generator.toCsv(table.header, table.rows.slice(committed)));
  const holdout = (await loadDataset({ config: loaded, dataPath: holdoutPath, logger: silentLogger })).rows;
  return { config: loaded.config, rows: (await loadDataset({ config: loaded, logger: silentLogger })).rows, truth: { rows: holdout, name: `holdout of ${holdout.length.toLocaleString('en-US')} generated rows` } };
}

async function train(
  config: MlopsConfig,
  rows: readonly DatasetRow[],
  options: { features?: FeatureSpec[]; epochs?: number; learningRateScale?: number; labels?: (rows: DatasetRow[]) => DatasetRow[] } = {},
): Promise<Trained> {
  const split = splitByKey(rows, config.split);
  const pick = (indices: number[]) => indices.map((i) => rows[i]!);
  const trainRows = options.labels ? options.labels(pick(split.train)) : pick(split.train);
  const validation = pick(split.validation);
  const spec = fitPreprocessing(options.features ?? config.features, config.task, trainRows.map((r) => r.features), trainRows.map((r) => r.target));
  const encode = (part: DatasetRow[]) => ({ x: encodeFeatures(spec, part.map((r) => r.features)), y: encodeTargets(spec, part.map((r) => r.target)), rows: part.length });
  const model = { ...config.model, max_epochs: options.epochs ?? config.model.max_epochs, learning_rate: config.model.learning_rate * (options.learningRateScale ?? 1) };
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
  /** Each gated overall metric's true drop (on the truth rows) against its max_regression. */
  trueDrops: TrueDrop[];
  gateMs: number;
  beforeMs: number;
}

/** A gated overall metric's worsening (positive: worse) on the truth rows, and its threshold. */
interface TrueDrop {
  metric: string;
  worsening: number;
  threshold: number;
}

/** The worsening of every overall metric with a max_regression, candidate against champion, on `truth` (no bootstrap). */
function trueDrops(config: MlopsConfig, truth: readonly DatasetRow[], candidate: Trained, champion: Trained): TrueDrop[] {
  const input = testRowsInput({ ...config, slices: [] }, candidate.spec, truth);
  const none = { resamples: 0, confidence: 0.95, seed: 1 };
  const candidateMetrics = evaluatePredictions({ ...input, predictions: candidate.predict(truth), bootstrap: none }).overall.metrics;
  const championMetrics = evaluatePredictions({ ...input, predictions: Float64Array.from(champion.predict(truth)), bootstrap: none }).overall.metrics;
  return Object.entries(config.gate.overall)
    .filter(([, rule]) => rule?.max_regression !== undefined)
    .map(([metric, rule]) => {
      const change = candidateMetrics[metric]! - championMetrics[metric]!;
      return { metric, worsening: lowerIsBetter.has(metric) ? change : -change, threshold: rule!.max_regression! };
    });
}

const isTrulyWorse = (drops: readonly TrueDrop[]) => drops.some((d) => d.worsening > d.threshold);

/** "auc −0.0361 > 0.02": each metric's true worsening (signed as the metric moves) against its threshold. */
function describeDrops(drops: readonly TrueDrop[]): string {
  return drops
    .map((d) => {
      const moved = lowerIsBetter.has(d.metric) ? d.worsening : -d.worsening;
      return `${d.metric} ${formatNumber(moved, { signed: true })} ${d.worsening > d.threshold ? ">" : "≤"} ${d.threshold}`;
    })
    .join('; ');
}

function judge(shape: Shape, rows: readonly DatasetRow[], candidate: Trained, champion: Trained): Judged {
  const config = shape.config;
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
  return { paired, point, before, trueDrops: trueDrops(config, shape.truth?.rows ?? test, candidate, champion), gateMs, beforeMs };
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
    // On the scale the model learns (log for a log-transformed target, so noisy prices stay positive).
    const log = target.transform === 'log';
    return (rows) => {
      const values = rows.map((r) => (log ? Math.log(Number(r.target)) : Number(r.target)));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      // Box–Muller: 1.5 SDs of Gaussian noise on every training label.
      return rows.map((r, i) => {
        const noisy = values[i]! + 1.5 * sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        return { ...r, target: log ? Math.exp(noisy) : noisy };
      });
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
for (const shapeName of shapes) {
  const shape = await loadShape(shapeName);
  const { config, rows } = shape;
  const truthName = shape.truth?.name ?? 'whole test split (no independent rows)';
  console.log(
    `\n== ${shapeName}: ${config.task.type}, ${rows.length} rows (${splitByKey(rows, config.split).test.length} test), ${config.features.length} features, model ${config.model.kind}, slices [${config.slices.join(', ')}], gate.comparison ${config.gate.comparison}, alpha ${config.gate.alpha}; true drops on the ${truthName}`,
  );
  const champion = await train(config, rows);

  const noChange: string[][] = [];
  const gateMs: number[] = [];
  const beforeMs: number[] = [];
  let pairedRejections = 0;
  let pointRejections = 0;
  let beforeRejections = 0;
  let trulyWorseRetrains = 0;
  for (let i = 0; i < retrains; i++) {
    const removeCount = Math.max(1, Math.round(rows.length / 100));
    const removed = new Set(seededPermutation(rows.length, createRandom(1000 + i)).subarray(0, removeCount));
    const kept = rows.filter((_, index) => !removed.has(index));
    const result = judge(shape, kept, await train(config, kept), champion);
    if (!result.paired.passed) pairedRejections++;
    if (!result.point.passed) pointRejections++;
    if (!result.before.passed) beforeRejections++;
    if (isTrulyWorse(result.trueDrops)) trulyWorseRetrains++;
    gateMs.push(result.gateMs);
    beforeMs.push(result.beforeMs);
    if (i === 0) writeFileSync(join(outDir, `${shapeName}-no-change-retrain.gate.md`), renderGateMarkdown(result.paired, { title: `${shapeName}: no-change retrain 1` }));
    const outcome = (verdict: GateVerdict) => (verdict.passed ? 'pass' : 'REJECT');
    noChange.push([String(i + 1), outcome(result.paired), failed(result.paired), primaryEvidence(config, result.paired), describeDrops(result.trueDrops), outcome(result.point), outcome(result.before), failed(result.before)]);
    process.stderr.write(`${shapeName} retrain ${i + 1}/${retrains}: ${result.paired.summary}\n`);
  }
  console.log(`\nNo-change retrains (1% of rows removed, seeded), judged against the same champion:`);
  printTable(['#', 'paired (default)', 'failed checks', 'overall primary Δ [90%], p (Holm)', 'true Δ vs max_regression', 'point rule', 'before issue 10', 'failed checks (before)'], noChange);

  const degradedRows: string[][] = [];
  let worse = 0;
  let caught = 0;
  let rejectionWritten = false;
  const dropped = strongestFeatures(config, rows);
  const kinds: [string, () => Promise<Trained>][] = [
    ['under-trained (1 epoch)', () => train(config, rows, { epochs: 1 })],
    ['under-trained (1 epoch, learning rate / 10)', () => train(config, rows, { epochs: 1, learningRateScale: 0.1 })],
    [`features removed: ${dropped.length} strongest (${dropped.slice(0, 4).map((f) => f.name).join(', ')}${dropped.length > 4 ? ', …' : ''})`, () => train(config, rows, { features: config.features.filter((f) => !dropped.includes(f)) })],
    [config.task.type === 'regression' ? `label noise (1.5 SD${champion.spec.target.type === 'regression' && champion.spec.target.transform === 'log' ? ' of log target' : ''})` : 'label noise (30% relabelled)', () => train(config, rows, { labels: noisyLabels(champion.spec, createRandom(77)) })],
  ];
  for (const [kind, trainDegraded] of kinds) {
    const result = judge(shape, rows, await trainDegraded(), champion);
    const isWorse = isTrulyWorse(result.trueDrops);
    if (isWorse) worse++;
    if (isWorse && !result.paired.passed) caught++;
    if (!result.paired.passed && !rejectionWritten) {
      writeFileSync(join(outDir, `${shapeName}-degraded-rejected.gate.md`), renderGateMarkdown(result.paired, { title: `${shapeName}: ${kind}` }));
      rejectionWritten = true;
    }
    degradedRows.push([kind, describeDrops(result.trueDrops), isWorse ? 'yes' : 'no', primaryEvidence(config, result.paired), result.paired.passed ? 'pass' : 'REJECT', failed(result.paired)]);
    process.stderr.write(`${shapeName} ${kind}: ${result.paired.summary}\n`);
  }
  console.log(`\nDegraded candidates, judged against the same champion (true Δ on the ${truthName}):`);
  printTable(['candidate', 'true Δ vs max_regression', 'truly worse', 'gate: overall primary Δ [90%], p (Holm)', 'verdict', 'failed checks'], degradedRows);

  const added = gateMs.map((ms, i) => ms - beforeMs[i]!);
  summary.push([
    shapeName,
    percent(pairedRejections, retrains),
    String(trulyWorseRetrains),
    percent(pointRejections, retrains),
    percent(beforeRejections, retrains),
    `${caught}/${worse} (of ${kinds.length})`,
    `${median(gateMs).toFixed(0)} ms`,
    `${median(beforeMs).toFixed(0)} ms`,
    `${median(added).toFixed(0)} ms`,
  ]);
}

console.log(`\nSummary (goals: false rejections ≤ 5% with the default config; every truly worse candidate rejected; statistics add ≤ 2 s):`);
printTable(
  ['shape', 'false rejections (paired)', 'no-change retrains truly worse', 'false rejections (point rule)', 'false rejections (before issue 10)', 'truly worse caught', 'gate evaluation (median)', 'before (median)', 'added (median)'],
  summary,
);
console.log(`\ngate.md of a pass and a rejection per shape: ${outDir}`);
