import { join, resolve } from 'node:path';
import { configuredDataPath } from '../config/paths.js';
import { sha256File } from '../core/hash.js';
import { validationReportSchema } from '../data/validate.js';
import type { GateVerdict } from '../evaluation/report-schema.js';
import { modelFiles } from '../model/model-io.js';
import type { StepContext } from './step-context.js';
import { WorkspaceError } from './step-errors.js';
import { runManifestSchema, trainingRecordSchema, type RunManifest, type TrainingRecord } from './workspace.js';

/**
 * Freshness: every step checks that what an earlier step left in the workspace belongs to the
 * current config, data and model before using it, so a stale output is never reused. The rules
 * are pure functions of what was read; the readers below gather the facts.
 */

/** What the run manifest is checked against. */
export interface RunFacts {
  workDir: string;
  run: RunManifest;
  /**
   * The project folder (the config's): a relative `data_path` in the manifest is relative to it,
   * so a workspace validated in another checkout of the project (another runner) still matches.
   */
  projectDir: string;
  /** Whether the validation recorded in the workspace passed. */
  validationPassed: boolean;
  /** The data file the config trains on, absolute. */
  dataPath: string;
  /** The hash of the current config (overrides applied). */
  configHash: string;
  /** sha256 of the data file now; null when it cannot be read. */
  dataSha256: string | null;
}

/** Why the workspace's run does not belong to the current config and data, or null when it does. */
export function staleRunProblem(facts: RunFacts): WorkspaceError | null {
  const { workDir, run, dataPath } = facts;
  if (!facts.validationPassed) {
    return new WorkspaceError({ problem: `The last validation in ${workDir} failed`, rerun: { step: 'validate', when: 'again', before: 'fix the data and' } });
  }
  if (resolve(facts.projectDir, run.data_path) !== dataPath) {
    return new WorkspaceError({
      problem: `${workDir} validated ${resolve(facts.projectDir, run.data_path)}, but the config trains on ${dataPath}`,
      file: run.data_path,
      rerun: { step: 'validate', when: 'again', drop: 'data' },
    });
  }
  if (run.config_sha256 !== facts.configHash) {
    return new WorkspaceError({ problem: `The config changed since ${workDir} was validated`, rerun: { step: 'validate', when: 'again' } });
  }
  if (facts.dataSha256 === null) {
    return new WorkspaceError({ problem: `${dataPath} cannot be read`, file: dataPath, rerun: { step: 'validate', when: 'again' } });
  }
  if (facts.dataSha256 !== run.data_sha256) {
    return new WorkspaceError({
      problem: `${dataPath} changed since it was validated (sha256 ${facts.dataSha256.slice(0, 12)}… ≠ ${run.data_sha256.slice(0, 12)}…)`,
      file: dataPath,
      rerun: { step: 'validate', when: 'again' },
    });
  }
  return null;
}

/** What the training record is checked against. */
export interface TrainingFacts {
  workDir: string;
  modelDir: string;
  run: RunManifest;
  training: TrainingRecord;
  configHash: string;
  /** sha256 of each model file now; null when the folder cannot be read. */
  modelFileHashes: Record<string, string> | null;
}

/** Why the workspace's model does not belong to its run or was changed after training, or null. */
export function staleTrainingProblem(facts: TrainingFacts): WorkspaceError | null {
  const { training, run } = facts;
  if (training.run_id !== run.run_id || training.data_sha256 !== run.data_sha256 || training.config_sha256 !== facts.configHash) {
    return new WorkspaceError({ problem: `The model in ${facts.workDir} was trained for another run, data or config`, rerun: { step: 'train', when: 'again' } });
  }
  for (const [name, hash] of Object.entries(training.model_files)) {
    if (facts.modelFileHashes?.[name] !== hash) {
      const file = join(facts.modelDir, name);
      return new WorkspaceError({ problem: `${file} is missing or changed since training`, file, rerun: { step: 'train', when: 'again' } });
    }
  }
  return null;
}

/** Why a gate verdict does not judge the workspace's run, or null when it does. */
export function staleVerdictProblem(gatePath: string, verdict: GateVerdict, run: RunManifest): WorkspaceError | null {
  if (verdict.candidate === run.run_id) return null;
  return new WorkspaceError({ problem: `${gatePath} judged run ${verdict.candidate}, not ${run.run_id}`, file: gatePath, rerun: { step: 'evaluate', when: 'again' } });
}

/** The run manifest, checked against the current config and data. */
export async function readCurrentRun(ctx: StepContext): Promise<RunManifest> {
  const run = await ctx.workspace.read('run', runManifestSchema, 'validate');
  const validation = await ctx.workspace.read('validation', validationReportSchema, 'validate');
  const dataPath = configuredDataPath(ctx.loaded);
  const facts = { workDir: ctx.workspace.dir, run, projectDir: ctx.loaded.baseDir, validationPassed: validation.passed, dataPath, configHash: ctx.loaded.hash };
  // Hashing reads the whole file: only once the cheap checks pass.
  const early = staleRunProblem({ ...facts, dataSha256: run.data_sha256 });
  if (early) throw early;
  const problem = staleRunProblem({ ...facts, dataSha256: await sha256File(dataPath).catch(() => null) });
  if (problem) throw problem;
  return run;
}

/** The training record, checked against the current run and the model files on disk. */
export async function readCurrentTraining(ctx: StepContext, run: RunManifest): Promise<TrainingRecord> {
  const training = await ctx.workspace.read('training', trainingRecordSchema, 'train');
  const modelDir = ctx.workspace.path('modelDir');
  const modelFileHashes = await hashModelFiles(modelDir).catch(() => null);
  const problem = staleTrainingProblem({ workDir: ctx.workspace.dir, modelDir, run, training, configHash: ctx.loaded.hash, modelFileHashes });
  if (problem) throw problem;
  return training;
}

/** sha256 of each file of a saved model, by file name. */
export async function hashModelFiles(dir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const name of Object.values(modelFiles)) hashes[name] = await sha256File(join(dir, name));
  return hashes;
}
