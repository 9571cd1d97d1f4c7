import { randomBytes } from 'node:crypto';
import { access, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { configOverridesSchema, type ConfigOverrides } from '../config/overrides.js';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { readJsonFile, type JsonFileProblem } from '../core/json-file.js';
import { fetchRecordSchema } from '../data/fetch-record.js';
import { formatKeyPath } from '../core/zod-issues.js';
import { lineageTimeSplitSchema, lineageTrainingKeysSchema } from '../registry/lineage-schema.js';
import { trainingTriggerSchema } from '../registry/training-trigger.js';
import { WorkspaceError, type StepName } from './step-errors.js';

/**
 * A run workspace: the folder where one pipeline run's steps leave their outputs for the next
 * step (locally, or as an artifact between GitHub jobs). Every file is written atomically, and
 * each step checks that what it reads belongs to the same data, config and model.
 *
 *   run.json            identity of the run (id, start, config and data hashes)
 *   config-overrides.json  the model.* keys a sweep candidate changes (absent when none)
 *   validation.json     the validation report; profile.json the data profile
 *   model/              model.json, weights.bin, preprocessing.json, training-keys.mlks
 *   training.json       how the model was trained (backend, epochs, split sizes, file hashes)
 *   metrics.json        the candidate's evaluation; champion-metrics.json the champion's
 *   gate.json, gate.md  the verdict
 *   registered.json     what register did
 *   sweep.json          the sweep and candidate this run is (absent outside `mlops sweep`)
 *   encoded/            the encoded training matrix while a streamed training runs (deleted after)
 */
export const workspaceFiles = {
  run: 'run.json',
  overrides: 'config-overrides.json',
  validation: 'validation.json',
  profile: 'profile.json',
  modelDir: 'model',
  training: 'training.json',
  metrics: 'metrics.json',
  championMetrics: 'champion-metrics.json',
  gate: 'gate.json',
  gateMarkdown: 'gate.md',
  registered: 'registered.json',
  sweep: 'sweep.json',
  encoded: 'encoded',
} as const;

/** A file (or the model folder) of a run workspace. */
export type WorkspaceFile = keyof typeof workspaceFiles;

export const runManifestSchema = z.object({
  run_id: z.string(),
  started_at: z.string(),
  config_path: z.string(),
  config_sha256: z.string(),
  /** The validated data file: relative to the project (the config's folder) when inside it. */
  data_path: z.string(),
  data_sha256: z.string(),
  /** What `mlops fetch` recorded for this data (its sources), when it fetched it. */
  sources: fetchRecordSchema.optional(),
  /** Why the run was started (`--reason`, the validate action's `reason` input), when it says. */
  trigger: trainingTriggerSchema.optional(),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

export const trainingRecordSchema = z.object({
  run_id: z.string(),
  data_sha256: z.string(),
  config_sha256: z.string(),
  backend: z.string(),
  tfjs_version: z.string(),
  node_version: z.string(),
  platform: z.string(),
  epochs_run: z.number().int(),
  best_epoch: z.number().int(),
  best_validation_loss: z.number(),
  /** What early stopping watched on the validation split, and its value at the kept epoch (absent in older records). */
  monitor: z.object({ name: z.string(), best: z.number() }).optional(),
  duration_ms: z.number(),
  samples_per_second: z.number(),
  architecture: z.string(),
  split: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
  /** Whether training read the rows from an encoded file on disk (`training.streaming`) rather than memory. */
  streamed: z.boolean().optional(),
  /** The rows the model trained on (the key set file is in the model folder). */
  training_keys: lineageTrainingKeysSchema,
  /** The time column and each split's time range, when the split was out-of-time. */
  time_split: lineageTimeSplitSchema.optional(),
  history: z.array(
    z.object({
      epoch: z.number().int(),
      loss: z.number(),
      validation_loss: z.number(),
      /** The watched primary metric on the validation split, when early stopping watched one. */
      validation_metric: z.number().optional(),
      learning_rate: z.number().optional(),
    }),
  ),
  /** sha256 of each model file, so later steps can tell the model was not swapped. */
  model_files: z.record(z.string(), z.string()),
  finished_at: z.string(),
});
export type TrainingRecord = z.infer<typeof trainingRecordSchema>;

/** Which sweep a candidate's work dir belongs to (`sweep.json`), for the experiment log. */
export const sweepMembershipSchema = z.object({
  /** The sweep's id: its folder name under .mlops/sweeps/. */
  sweep_id: z.string(),
  /** The candidate's id in `sweep.candidates`. */
  candidate: z.string(),
});
export type SweepMembership = z.infer<typeof sweepMembershipSchema>;

/** Paths inside one workspace folder. */
export class RunWorkspace {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** The absolute path of one of the workspace's files. */
  path(name: WorkspaceFile): string {
    return join(this.dir, workspaceFiles[name]);
  }

  /** Creates the folder. */
  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Writes a file atomically as JSON. */
  async write(name: WorkspaceFile, value: unknown): Promise<void> {
    await writeJsonAtomic(this.path(name), value);
  }

  /**
   * Reads and validates a JSON file the workspace must hold; a missing or malformed file is a
   * WorkspaceError naming the step that produces it.
   */
  async read<S extends z.ZodType>(name: WorkspaceFile, schema: S, producedBy: StepName): Promise<z.output<S>> {
    return readJsonFile(this.path(name), schema, (problem) => workspaceFileError(problem, producedBy));
  }

  /** Whether the file is there. */
  async exists(name: WorkspaceFile): Promise<boolean> {
    return access(this.path(name)).then(
      () => true,
      () => false,
    );
  }

  /** Deletes a file (or the model folder) so an earlier run's output never stands in for this one's. */
  async remove(name: WorkspaceFile): Promise<void> {
    await rm(this.path(name), { recursive: true, force: true });
  }

  /** The config overrides the run started with ({} when none). */
  async readOverrides(): Promise<ConfigOverrides> {
    return (await this.exists('overrides')) ? this.read('overrides', configOverridesSchema, 'validate') : {};
  }

  /** Records (or clears) the config overrides a run starts with, for the steps after it. */
  async recordOverrides(overrides: ConfigOverrides): Promise<void> {
    if (Object.keys(overrides).length === 0) await this.remove('overrides');
    else await this.write('overrides', overrides);
  }
}

/** The error for a workspace file that cannot be used: which file, and the step that writes it. */
export function workspaceFileError(problem: JsonFileProblem, producedBy: StepName): WorkspaceError {
  const { path } = problem;
  switch (problem.kind) {
    case 'missing':
      return new WorkspaceError({ problem: `${path} is missing`, file: path, rerun: { step: producedBy, when: 'first', keep: 'work-dir' } });
    case 'unreadable':
      return new WorkspaceError({ problem: `${path} cannot be read (${problem.detail})`, file: path, rerun: { step: producedBy, when: 'again' } });
    case 'not-json':
      return new WorkspaceError({ problem: `${path} is not valid JSON (${problem.detail})`, file: path, rerun: { step: producedBy, when: 'again' } });
    case 'invalid': {
      const issue = problem.issues[0];
      const where = issue ? ` (${formatKeyPath(issue.path) || 'top level'}: ${issue.message})` : '';
      return new WorkspaceError({ problem: `${path} does not have the expected shape${where}`, file: path, rerun: { step: producedBy, when: 'again' } });
    }
  }
}

/** A new run id: sortable by time, unique across parallel runs, GitHub run id when there is one. */
export function newRunId(now: Date = new Date(), env: NodeJS.ProcessEnv = process.env): string {
  const github = env.GITHUB_RUN_ID ? `-gh${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `.${env.GITHUB_RUN_ATTEMPT}` : ''}` : '';
  return `run-${compactTimestamp(now)}${github}-${randomBytes(3).toString('hex')}`;
}

/** `20240501T120000Z`: a UTC time that sorts as text and fits in a file name. */
export function compactTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
