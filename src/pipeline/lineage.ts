import { join, relative } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { CodeVersion } from '../core/git-info.js';
import { sha256File } from '../core/hash.js';
import type { ValidationReport } from '../data/validate.js';
import type { GateVerdict } from '../evaluation/report-schema.js';
import { modelFiles } from '../model/model-io.js';
import type { Lineage } from '../registry/lineage-schema.js';
import type { ModelRegistry, RegisteredVersion } from '../registry/registry.js';
import type { RunManifest, TrainingRecord } from './workspace.js';

/**
 * Lineage: what a registered version was made from (data, code, config, training, parent), built
 * from what the run's steps recorded in its workspace; and the rule that tells a retrain on
 * unchanged inputs from a new model.
 */

/** Everything the lineage is built from. */
export interface LineageInputs {
  run: RunManifest;
  training: TrainingRecord;
  validation: ValidationReport;
  gate: GateVerdict;
  loaded: LoadedConfig;
  code: CodeVersion;
  /** The CI run that made the version, if any. */
  runUrl: string | null;
}

/** The lineage of the version a run registers: a pure function of the run's records. */
export function buildLineage(inputs: LineageInputs): Lineage {
  const { run, training, validation, gate, loaded } = inputs;
  const config = loaded.config;
  return {
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
      training_keys: training.training_keys,
      ...(training.time_split ? { time_split: training.time_split } : {}),
      ...(run.sources
        ? { sources: run.sources.sources, fetched_at: run.sources.fetched_at, ...(run.sources.window ? { window: run.sources.window } : {}) }
        : {}),
    },
    code: inputs.code,
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
      ...(training.monitor ? { monitor: training.monitor } : {}),
      ...(training.streamed === undefined ? {} : { streamed: training.streamed }),
    },
    parent_version: gate.champion_version,
    run_url: inputs.runUrl,
    // From validation to the end of training: a re-run of the register job (same candidate)
    // writes the same lineage, card and release notes as the first attempt.
    run_duration_ms: Math.max(0, Date.parse(training.finished_at) - Date.parse(run.started_at)),
    ...(run.trigger ? { trigger: run.trigger } : {}),
  };
}

/** A path relative to `base` when it lies inside it, else as it is. */
function relativeOrAbsolute(base: string, path: string): string {
  const rel = relative(base, path);
  return rel.startsWith('..') ? path : rel;
}

/**
 * Whether a candidate is the same model as the champion: same data, config and clean commit,
 * and bit-identical weights (training is deterministic). Scheduled retrains on unchanged inputs
 * then do not mint a new version each time.
 */
export function isSameModel(
  champion: { lineage: Lineage; weightsSha256: string | null },
  candidate: { lineage: Lineage; weightsSha256: string | undefined },
): boolean {
  const next = candidate.lineage;
  return (
    sameInputs(champion.lineage, { dataSha256: next.dataset.sha256, configSha256: next.config.sha256, code: next.code }) &&
    champion.weightsSha256 !== null &&
    champion.weightsSha256 === candidate.weightsSha256
  );
}

/**
 * The same code: the same source tree when both lineages record one (a commit that only adds a
 * model card changes the commit, not the tree), else the same commit.
 */
export function sameCode(a: Lineage['code'], b: Lineage['code']): boolean {
  if (a.tree && b.tree) return a.tree === b.tree;
  return a.commit !== null && a.commit === b.commit;
}

/** What a run trains from: its data, its config, its code. */
export interface RunInputs {
  dataSha256: string;
  configSha256: string;
  code: CodeVersion;
}

/**
 * Whether a run would train from exactly what a version was trained from: the same data bytes,
 * the same config, the same clean source tree (or commit). Then training would reproduce it (training is
 * deterministic), so a scheduled retrain can stop before training: nothing changed.
 */
export function sameInputs(version: Lineage, run: RunInputs): boolean {
  return (
    run.code.dirty === false &&
    version.code.dirty === false &&
    version.dataset.sha256 === run.dataSha256 &&
    version.config.sha256 === run.configSha256 &&
    sameCode(version.code, run.code)
  );
}

/** The champion, when a run's inputs equal those it was trained from ({@link sameInputs}); null otherwise. */
export async function championWithSameInputs(registry: ModelRegistry, run: RunInputs): Promise<RegisteredVersion | null> {
  const champion = await registry.champion();
  if (!champion || run.code.dirty !== false) return null;
  const lineage = await registry.lineage(champion.version).catch(() => null);
  return lineage && sameInputs(lineage, run) ? champion : null;
}

/** The champion, when the candidate is the same model ({@link isSameModel}); null otherwise. */
export async function unchangedChampion(registry: ModelRegistry, lineage: Lineage, training: TrainingRecord): Promise<RegisteredVersion | null> {
  const champion = await registry.champion();
  if (!champion || lineage.code.dirty !== false) return null;
  const previous = await registry.lineage(champion.version).catch(() => null);
  if (!previous) return null;
  const weightsSha256 = await sha256File(join(registry.versionDir(champion.version), modelFiles.weights)).catch(() => null);
  return isSameModel({ lineage: previous, weightsSha256 }, { lineage, weightsSha256: training.model_files[modelFiles.weights] }) ? champion : null;
}
