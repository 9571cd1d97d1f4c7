import { join, relative, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { defaultPrimaryMetric } from '../config/load.js';
import type { MlopsConfig } from '../config/schema.js';
import { DataError, GateRejectedError, RegistryError, describeError } from '../core/errors.js';
import { githubRunUrl, readCodeVersion } from '../core/git-info.js';
import { sha256File } from '../core/hash.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import type { Logger } from '../core/logger.js';
import { loadDataset, type DatasetRow, type LoadedDataset } from '../data/load-dataset.js';
import { dataProfileSchema } from '../data/profile-schema.js';
import { splitByKey, type SplitIndices } from '../data/split.js';
import { validateDataset, validationReportSchema, type ValidationReport } from '../data/validate.js';
import { evaluatePredictions } from '../evaluation/evaluate.js';
import { evaluateGate } from '../evaluation/gate.js';
import { renderGateMarkdown } from '../evaluation/gate-markdown.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../evaluation/report-schema.js';
import { loadModel, modelFiles, saveModel } from '../model/model-io.js';
import { describeArchitecture } from '../model/network.js';
import { predictRows } from '../model/predict.js';
import { classIndices, encodeFeatures, encodeTargets, fitPreprocessing, type PreprocessingSpec } from '../model/preprocessing.js';
import { trainNetwork } from '../model/train.js';
import { selectBackend } from '../model/backend.js';
import { writeModelCardFiles } from '../cards/model-card.js';
import type { Lineage } from '../registry/lineage-schema.js';
import { ModelRegistry, type ExperimentRecord, type RegisteredVersion } from '../registry/registry.js';
import { newRunId, runManifestSchema, trainingRecordSchema, RunWorkspace, type RunManifest, type TrainingRecord } from './workspace.js';

/** What every step needs: the config, the run workspace, a logger. */
export interface StepContext {
  loaded: LoadedConfig;
  workspace: RunWorkspace;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

/** The config's data file, absolute. */
export function configuredDataPath(loaded: LoadedConfig): string {
  return resolve(loaded.baseDir, loaded.config.data.path);
}

/** The registry folder named by the config, absolute. */
export function registryPath(loaded: LoadedConfig): string {
  return resolve(loaded.baseDir, loaded.config.registry.path);
}

/** The repository's model-cards folder (beside the config). */
export function modelCardsPath(loaded: LoadedConfig): string {
  return resolve(loaded.baseDir, 'model-cards');
}

/** Default workspace for single steps: `.mlops/work` beside the config. */
export function defaultWorkDir(loaded: LoadedConfig): string {
  return resolve(loaded.baseDir, '.mlops/work');
}

/** Warnings printed by validate; the rest are counted and kept in validation.json. */
const maxLoggedWarnings = 20;

/**
 * validate: checks the data against the config, writes the report and the profile, and starts
 * a run (run.json). Throws DataError after writing the report when the data has errors.
 */
export async function validateStep(ctx: StepContext, options: { dataPath?: string } = {}): Promise<ValidationReport> {
  const { loaded, workspace, logger } = ctx;
  await workspace.ensure();
  const report = await validateDataset({ config: loaded, dataPath: options.dataPath, logger });
  await workspace.write('validation', report);
  if (report.profile) await workspace.write('profile', report.profile);
  const dataPath = options.dataPath ? resolve(options.dataPath) : configuredDataPath(loaded);
  const manifest: RunManifest = {
    run_id: newRunId(new Date(), ctx.env),
    started_at: new Date().toISOString(),
    config_path: loaded.path,
    config_sha256: loaded.hash,
    data_path: dataPath,
    data_sha256: report.sha256,
  };
  await workspace.write('run', manifest);
  const warnings = report.issues.filter((issue) => issue.severity === 'warning');
  for (const issue of warnings.slice(0, maxLoggedWarnings)) logger.warn(issue.message, { file: report.file });
  if (report.warning_count > maxLoggedWarnings) {
    logger.warn(`…and ${report.warning_count - maxLoggedWarnings} more warnings (all of them are in ${workspace.path('validation')})`, { file: report.file });
  }
  if (!report.passed) {
    throw new DataError(
      `${report.file}: ${report.error_count} error${report.error_count === 1 ? '' : 's'}, ${report.warning_count} warning${report.warning_count === 1 ? '' : 's'}; the data was rejected.`,
      report.issues.filter((issue) => issue.severity === 'error'),
      report.file,
    );
  }
  logger.info(`Validated ${report.file}: ${report.valid_rows} of ${report.rows} rows valid, ${report.warning_count} warnings, sha256 ${report.sha256.slice(0, 12)}…`);
  return report;
}

/** The run manifest, checked against the current config and data so stale outputs are never reused. */
async function readCurrentRun(ctx: StepContext): Promise<RunManifest> {
  const run = await ctx.workspace.read('run', runManifestSchema, 'validate');
  const validation = await ctx.workspace.read('validation', validationReportSchema, 'validate');
  const dataPath = configuredDataPath(ctx.loaded);
  if (!validation.passed) throw new RegistryError(`The last validation in ${ctx.workspace.dir} failed; fix the data and run \`mlops validate\` again.`);
  if (resolve(run.data_path) !== dataPath) {
    throw new RegistryError(`${ctx.workspace.dir} validated ${run.data_path}, but the config trains on ${dataPath}: run \`mlops validate\` without --data.`);
  }
  if (run.config_sha256 !== ctx.loaded.hash) {
    throw new RegistryError(`The config changed since \`mlops validate\` ran in ${ctx.workspace.dir}: run it again.`);
  }
  const currentSha = await sha256File(dataPath);
  if (currentSha !== run.data_sha256) {
    throw new RegistryError(`${dataPath} changed since it was validated (sha256 ${currentSha.slice(0, 12)}… ≠ ${run.data_sha256.slice(0, 12)}…): run \`mlops validate\` again.`);
  }
  return run;
}

/** The dataset and its deterministic split. */
export async function loadSplitDataset(ctx: StepContext): Promise<{ dataset: LoadedDataset; split: SplitIndices }> {
  const dataset = await loadDataset({ config: ctx.loaded, logger: ctx.logger });
  const split = splitByKey(dataset.rows, ctx.loaded.config.split);
  if (split.train.length === 0 || split.test.length === 0) {
    throw new DataError(
      `The split left ${split.train.length} training and ${split.test.length} test rows out of ${dataset.rows.length}; add rows or change split.test_fraction.`,
    );
  }
  return { dataset, split };
}

/** Targets of rows as the task's numeric form for metrics: 0/1, class index, or value. */
export function metricTargets(spec: PreprocessingSpec, rows: readonly DatasetRow[]): Float64Array {
  const targets = rows.map((row) => row.target);
  if (spec.target.type === 'binary') return Float64Array.from(encodeTargets(spec, targets));
  if (spec.target.type === 'multiclass') return Float64Array.from(classIndices(spec, targets));
  return Float64Array.from(targets, Number);
}

/** train: fits preprocessing on the training split, trains the network, saves model files. */
export async function trainStep(ctx: StepContext): Promise<TrainingRecord> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  const { dataset, split } = await loadSplitDataset(ctx);
  const pick = (indices: number[]) => indices.map((i) => dataset.rows[i]!);
  const train = pick(split.train);
  const validation = pick(split.validation);
  logger.info(`Split ${dataset.rows.length} rows: ${train.length} train, ${validation.length} validation, ${split.test.length} test (seed ${config.split.seed}).`);
  const spec = fitPreprocessing(config.features, config.task, train.map((r) => r.features), train.map((r) => r.target));
  const encode = (rows: DatasetRow[]) => ({
    x: encodeFeatures(spec, rows.map((r) => r.features)),
    y: encodeTargets(spec, rows.map((r) => r.target)),
    rows: rows.length,
  });
  const result = await trainNetwork({ model: config.model, spec, train: encode(train), validation: encode(validation), logger });
  const modelDir = workspace.path('modelDir');
  await saveModel(result.network, modelDir, spec);
  result.network.dispose();
  const record: TrainingRecord = {
    run_id: run.run_id,
    data_sha256: run.data_sha256,
    config_sha256: loaded.hash,
    backend: result.backend.name,
    tfjs_version: result.backend.tfjsVersion,
    node_version: process.version,
    platform: `${process.platform}-${process.arch}`,
    epochs_run: result.epochsRun,
    best_epoch: result.bestEpoch,
    best_validation_loss: result.bestValidationLoss,
    duration_ms: Math.round(result.durationMs),
    samples_per_second: Math.round(result.samplesPerSecond),
    architecture: describeArchitecture(spec, config.model),
    split: { train: train.length, validation: validation.length, test: split.test.length },
    history: result.history,
    model_files: await hashModelFiles(modelDir),
    finished_at: new Date().toISOString(),
  };
  await workspace.write('training', record);
  logger.info(
    `Trained on ${result.backend.name} in ${(result.durationMs / 1000).toFixed(1)} s: ${result.epochsRun} epochs, kept epoch ${result.bestEpoch} (val_loss ${result.bestValidationLoss.toFixed(4)}), ${record.samples_per_second} samples/s.`,
  );
  return record;
}

async function hashModelFiles(dir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const name of Object.values(modelFiles)) hashes[name] = await sha256File(join(dir, name));
  return hashes;
}

/** The training record, checked against the current run and the model files on disk. */
async function readCurrentTraining(ctx: StepContext, run: RunManifest): Promise<TrainingRecord> {
  const training = await ctx.workspace.read('training', trainingRecordSchema, 'train');
  if (training.run_id !== run.run_id || training.data_sha256 !== run.data_sha256 || training.config_sha256 !== ctx.loaded.hash) {
    throw new RegistryError(`The model in ${ctx.workspace.dir} was trained for another run, data or config: run \`mlops train\` again.`);
  }
  const actual = await hashModelFiles(ctx.workspace.path('modelDir')).catch(() => null);
  for (const [name, hash] of Object.entries(training.model_files)) {
    if (actual?.[name] !== hash) {
      throw new RegistryError(`${join(ctx.workspace.path('modelDir'), name)} is missing or changed since training: run \`mlops train\` again.`);
    }
  }
  return training;
}

/** Scores a model on the test rows: metrics overall and per slice, with bootstrap intervals. */
function scoreTestRows(
  config: MlopsConfig,
  model: Awaited<ReturnType<typeof loadModel>>,
  test: readonly DatasetRow[],
): EvaluationReport {
  const predictions = predictRows(model.network, model.spec, test.map((r) => r.features));
  const spec = model.spec;
  const slices: Record<string, (string | null)[]> = {};
  for (const column of config.slices) slices[column] = test.map((r) => r.slices[column] ?? null);
  return evaluatePredictions({
    task: spec.target.type,
    yTrue: metricTargets(spec, test),
    predictions,
    classes:
      spec.target.type === 'binary'
        ? [spec.target.negative_label, spec.target.positive_label]
        : spec.target.type === 'multiclass'
          ? spec.target.classes
          : undefined,
    threshold: spec.target.type === 'binary' ? spec.target.threshold : undefined,
    slices,
    bootstrap: config.gate.bootstrap,
  });
}

/** Why a champion cannot be scored on the current data, or null when it can. */
function championIncompatibility(championSpec: PreprocessingSpec, config: MlopsConfig): string | null {
  const current = new Map(config.features.map((f) => [f.name, f.type]));
  for (const feature of championSpec.features) {
    const type = current.get(feature.name);
    if (type === undefined) return `the champion uses feature '${feature.name}', which the current config does not have`;
    if (type !== feature.type) return `the champion uses '${feature.name}' as ${feature.type}, the current config as ${type}`;
  }
  if (championSpec.target.type !== config.task.type) return `the champion is a ${championSpec.target.type} model, the config a ${config.task.type} task`;
  if (championSpec.target.type === 'multiclass' && config.task.type === 'multiclass') {
    if (championSpec.target.classes.join('\u0000') !== config.task.classes.join('\u0000')) return 'the champion predicts a different set of classes';
  }
  if (championSpec.target.type === 'binary' && config.task.type === 'binary') {
    if (championSpec.target.positive_label !== config.task.positive_label || championSpec.target.negative_label !== config.task.negative_label) {
      return 'the champion uses different target labels';
    }
  }
  return null;
}

/**
 * evaluate: scores the candidate and the champion on the same held-out rows and applies the
 * gate. Writes metrics.json, gate.json and gate.md; a rejection is recorded as an experiment and
 * thrown as GateRejectedError after everything is written.
 */
export async function evaluateStep(ctx: StepContext): Promise<GateVerdict> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  await readCurrentTraining(ctx, run);
  const { dataset, split } = await loadSplitDataset(ctx);
  const test = split.test.map((i) => dataset.rows[i]!);
  await selectBackend(config.model.backend, logger);
  const candidateModel = await loadModel(workspace.path('modelDir'));
  const candidate = scoreTestRows(config, candidateModel, test);
  candidateModel.network.dispose();
  await workspace.write('metrics', candidate);

  const registry = await ModelRegistry.open(registryPath(loaded));
  const championVersion = await registry.champion();
  let champion: { version: string; report: EvaluationReport } | null = null;
  let championNote: string | undefined;
  if (championVersion) {
    try {
      const championModel = await loadModel(registry.versionDir(championVersion.version));
      const incompatible = championIncompatibility(championModel.spec, config);
      if (incompatible) {
        championNote = `Champion ${championVersion.version} cannot be scored on this data: ${incompatible}.`;
      } else {
        champion = { version: championVersion.version, report: scoreTestRows(config, championModel, test) };
        await workspace.write('championMetrics', champion.report);
      }
      championModel.network.dispose();
    } catch (error) {
      championNote = `Champion ${championVersion.version} could not be loaded: ${describeError(error)}.`;
    }
    if (championNote) logger.warn(championNote);
  }
  let verdict = evaluateGate({ gate: config.gate, task: config.task.type, candidate, candidateId: run.run_id, champion, championNote });
  if (championNote && config.gate.on_unscorable_champion === 'fail') {
    verdict = {
      ...verdict,
      passed: false,
      summary: `Rejected: ${championNote} (gate.on_unscorable_champion is 'fail'; set it to 'floors_only' to accept a model with a new input contract on absolute bounds alone).`,
      champion_version: championVersion?.version ?? null,
    };
  }
  await workspace.write('gate', verdict);
  const markdown = renderGateMarkdown(verdict);
  await writeFileAtomic(workspace.path('gateMarkdown'), markdown);
  if (!verdict.passed) {
    await recordExperiment(ctx, registry, { status: 'rejected', verdict, candidate, version: null, championVersion: championVersion?.version ?? null });
    throw new GateRejectedError(verdict.summary);
  }
  logger.info(verdict.summary);
  return verdict;
}

/** register: stores the gated model as a new version, writes its model card, and promotes it. */
export async function registerStep(ctx: StepContext, options: { promote?: boolean; force?: boolean } = {}): Promise<RegisterOutcome> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  const training = await readCurrentTraining(ctx, run);
  const validation = await workspace.read('validation', validationReportSchema, 'validate');
  const profile = await workspace.read('profile', dataProfileSchema, 'validate');
  const evaluation = await workspace.read('metrics', evaluationReportSchema, 'evaluate');
  const gate = await workspace.read('gate', gateVerdictSchema, 'evaluate');
  if (gate.candidate !== run.run_id) {
    throw new RegistryError(`gate.json in ${workspace.dir} judged run ${gate.candidate}, not ${run.run_id}: run \`mlops evaluate\` again.`);
  }
  const registry = await ModelRegistry.open(registryPath(loaded));
  const code = await readCodeVersion(loaded.baseDir, ctx.env);
  const lineage: Lineage = {
    run_id: run.run_id,
    model_name: config.name,
    created_at: training.finished_at,
    dataset: {
      path: config.data.path,
      sha256: run.data_sha256,
      rows: validation.rows,
      valid_rows: validation.valid_rows,
      train_rows: training.split.train,
      validation_rows: training.split.validation,
      test_rows: training.split.test,
    },
    code,
    config: { path: relativeOrAbsolute(loaded.baseDir, loaded.path), sha256: loaded.hash, content: config as unknown as Record<string, unknown> },
    task: config.task,
    features: config.features,
    hyperparameters: config.model as unknown as Record<string, unknown>,
    training: {
      backend: training.backend,
      tfjs_version: training.tfjs_version,
      node_version: training.node_version,
      platform: training.platform,
      epochs_run: training.epochs_run,
      best_epoch: training.best_epoch,
      duration_ms: training.duration_ms,
      samples_per_second: training.samples_per_second,
      best_validation_loss: training.best_validation_loss,
    },
    parent_version: gate.champion_version,
    run_url: githubRunUrl(ctx.env),
    run_duration_ms: Date.now() - Date.parse(run.started_at),
  };
  const promote = options.promote ?? true;
  const unchanged = await unchangedChampion(registry, lineage, training);
  if (unchanged && !options.force) {
    logger.info(
      `Nothing new to register: champion ${unchanged.version} was trained from the same data, config and commit and has identical weights.`,
    );
    await workspace.write('registered', { version: unchanged.version, created: false, promoted: false, registered_at: new Date().toISOString() });
    await recordExperiment(ctx, registry, { status: 'unchanged', verdict: gate, candidate: evaluation, version: unchanged.version, championVersion: gate.champion_version });
    return { version: unchanged, created: false };
  }
  const { entry: registered, card, markdown: cardMarkdown } = await registry.register({
    modelDir: workspace.path('modelDir'),
    profile,
    evaluation,
    gate,
    lineage,
    promote,
    force: options.force,
  });
  await writeModelCardFiles(modelCardsPath(loaded), registered.version, card, cardMarkdown);
  await workspace.write('registered', { version: registered.version, created: true, promoted: promote, registered_at: new Date().toISOString(), card: join(modelCardsPath(loaded), `${registered.version}.md`) });
  await recordExperiment(ctx, registry, {
    status: promote ? 'promoted' : 'registered',
    verdict: gate,
    candidate: evaluation,
    version: registered.version,
    championVersion: gate.champion_version,
  });
  logger.info(`Registered ${config.name} ${registered.version}${promote ? ' as champion' : ''}; model card model-cards/${registered.version}.md`);
  return { version: registered, created: true };
}

/** What register did: a new version, or nothing because the champion is the same model. */
export interface RegisterOutcome {
  version: RegisteredVersion;
  /** False when the candidate duplicated the champion and nothing was written. */
  created: boolean;
}

/**
 * The champion, when the candidate is the same model: same data, config and clean commit, and
 * bit-identical weights (training is deterministic). Scheduled retrains on unchanged inputs then
 * do not mint a new version each time.
 */
async function unchangedChampion(registry: ModelRegistry, lineage: Lineage, training: TrainingRecord): Promise<RegisteredVersion | null> {
  const champion = await registry.champion();
  if (!champion || lineage.code.dirty !== false) return null;
  const previous = await registry.lineage(champion.version).catch(() => null);
  if (
    !previous ||
    previous.dataset.sha256 !== lineage.dataset.sha256 ||
    previous.config.sha256 !== lineage.config.sha256 ||
    previous.code.commit !== lineage.code.commit ||
    previous.code.dirty !== false
  ) {
    return null;
  }
  const championWeights = await sha256File(join(registry.versionDir(champion.version), modelFiles.weights)).catch(() => null);
  return championWeights === training.model_files[modelFiles.weights] ? champion : null;
}

function relativeOrAbsolute(base: string, path: string): string {
  const rel = relative(base, path);
  return rel.startsWith('..') ? path : rel;
}

/** Records a run as an experiment; failures to record are logged, never hide the run's own outcome. */
async function recordExperiment(
  ctx: StepContext,
  registry: ModelRegistry,
  outcome: {
    status: ExperimentRecord['status'];
    verdict: GateVerdict | null;
    candidate: EvaluationReport | null;
    version: string | null;
    championVersion: string | null;
    error?: string;
  },
): Promise<void> {
  try {
    const run = await ctx.workspace.read('run', runManifestSchema, 'validate');
    const training = (await ctx.workspace.exists('training'))
      ? await ctx.workspace.read('training', trainingRecordSchema, 'train').catch(() => null)
      : null;
    const config = ctx.loaded.config;
    const primary = config.gate.primary_metric ?? defaultPrimaryMetric(config.task.type);
    const code = await readCodeVersion(ctx.loaded.baseDir, ctx.env);
    const finished = new Date();
    await registry.recordExperiment({
      run_id: run.run_id,
      started_at: run.started_at,
      finished_at: finished.toISOString(),
      duration_ms: finished.getTime() - Date.parse(run.started_at),
      status: outcome.status,
      version: outcome.version,
      champion_version: outcome.championVersion,
      params: config.model as unknown as Record<string, unknown>,
      metrics: outcome.candidate?.overall.metrics ?? {},
      primary_metric: primary,
      primary_value: outcome.candidate?.overall.metrics[primary] ?? null,
      data_sha256: run.data_sha256,
      data_path: config.data.path,
      commit: code.commit,
      dirty: code.dirty,
      config_sha256: ctx.loaded.hash,
      gate_summary: outcome.verdict?.summary ?? null,
      error: outcome.error ?? null,
      backend: training?.backend ?? null,
    });
  } catch (error) {
    ctx.logger.warn(`Could not record the experiment: ${describeError(error)}`);
  }
}

/** Records a run that failed after validation started (training diverged, I/O error). */
export async function recordFailedRun(ctx: StepContext, error: unknown): Promise<void> {
  if (!(await ctx.workspace.exists('run'))) return;
  const registry = await ModelRegistry.open(registryPath(ctx.loaded));
  await recordExperiment(ctx, registry, { status: 'failed', verdict: null, candidate: null, version: null, championVersion: null, error: describeError(error) });
}
