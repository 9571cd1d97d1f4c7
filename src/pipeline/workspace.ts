import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { RegistryError } from '../core/errors.js';

/**
 * A run workspace: the folder where one pipeline run's steps leave their outputs for the next
 * step (locally, or as an artifact between GitHub jobs). Every file is written atomically, and
 * each step checks that what it reads belongs to the same data, config and model.
 *
 *   run.json            identity of the run (id, start, config and data hashes)
 *   validation.json     the validation report; profile.json the data profile
 *   model/              model.json, weights.bin, preprocessing.json
 *   training.json       how the model was trained (backend, epochs, split sizes, file hashes)
 *   metrics.json        the candidate's evaluation; champion-metrics.json the champion's
 *   gate.json, gate.md  the verdict
 *   registered.json     what register did
 */
export const workspaceFiles = {
  run: 'run.json',
  validation: 'validation.json',
  profile: 'profile.json',
  modelDir: 'model',
  training: 'training.json',
  metrics: 'metrics.json',
  championMetrics: 'champion-metrics.json',
  gate: 'gate.json',
  gateMarkdown: 'gate.md',
  registered: 'registered.json',
} as const;

export const runManifestSchema = z.object({
  run_id: z.string(),
  started_at: z.string(),
  config_path: z.string(),
  config_sha256: z.string(),
  data_path: z.string(),
  data_sha256: z.string(),
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
  duration_ms: z.number(),
  samples_per_second: z.number(),
  architecture: z.string(),
  split: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
  history: z.array(z.object({ epoch: z.number().int(), loss: z.number(), validation_loss: z.number() })),
  /** sha256 of each model file, so later steps can tell the model was not swapped. */
  model_files: z.record(z.string(), z.string()),
  finished_at: z.string(),
});
export type TrainingRecord = z.infer<typeof trainingRecordSchema>;

/** Paths inside one workspace folder. */
export class RunWorkspace {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  path(name: keyof typeof workspaceFiles): string {
    return join(this.dir, workspaceFiles[name]);
  }

  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async write(name: keyof typeof workspaceFiles, value: unknown): Promise<void> {
    await writeJsonAtomic(this.path(name), value);
  }

  /**
   * Reads and validates a JSON file the workspace must hold; a missing or malformed file is a
   * RegistryError naming the command that produces it.
   */
  async read<T>(name: keyof typeof workspaceFiles, schema: z.ZodType<T>, producedBy: string): Promise<T> {
    const path = this.path(name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new RegistryError(`${path} is missing: run \`mlops ${producedBy}\` first (with the same --work-dir).`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RegistryError(`${path} is not valid JSON; run \`mlops ${producedBy}\` again.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RegistryError(`${path} does not have the expected shape (${issue.path.join('.') || 'top level'}: ${issue.message}); run \`mlops ${producedBy}\` again.`);
    }
    return parsed.data;
  }

  async exists(name: keyof typeof workspaceFiles): Promise<boolean> {
    try {
      await readFile(this.path(name));
      return true;
    } catch {
      return false;
    }
  }
}

/** A new run id: sortable by time, unique across parallel runs, GitHub run id when there is one. */
export function newRunId(now: Date = new Date(), env: NodeJS.ProcessEnv = process.env): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const github = env.GITHUB_RUN_ID ? `-gh${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `.${env.GITHUB_RUN_ATTEMPT}` : ''}` : '';
  return `run-${stamp}${github}-${randomBytes(3).toString('hex')}`;
}
