import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { copyFileSynced, formatJsonFile, syncDirectory, writeNewFileSynced } from '../core/atomic-fs.js';
import { RegistryError } from '../core/errors.js';
import { checkWeightFiles, ModelFilesError } from '../model/weights-manifest.js';

/**
 * A version folder (`versions/<version>/`): what it holds, and how one is assembled durably —
 * every file written and fsynced in a staging folder, then one rename publishes the whole folder.
 */

/** Files every model folder must hold besides the weight shards model.json names. */
const requiredModelFiles = ['model.json', 'preprocessing.json'] as const;
/** Files copied when the model folder has them: the set of rows the model trained on (its lineage names its sha256). */
export const optionalModelFiles = ['training-keys.mlks'] as const;

/**
 * Checks a model folder and lists the files to copy: model.json, preprocessing.json, every
 * weight shard model.json names (whose total size must match the manifest's weight specs), and
 * the optional files it holds. `action` completes "Cannot …:" in the error (what the caller was
 * doing with the folder).
 */
export async function listModelFiles(modelDir: string, action = 'register'): Promise<string[]> {
  for (const name of requiredModelFiles) {
    const path = join(modelDir, name);
    if (!(await stat(path).catch(() => null))?.isFile()) {
      throw new RegistryError(`Cannot ${action}: ${path} is missing (a model folder holds model.json, weights.bin and preprocessing.json).`);
    }
  }
  try {
    const { shards } = await checkWeightFiles(modelDir);
    const optional: string[] = [];
    for (const name of optionalModelFiles) if ((await stat(join(modelDir, name)).catch(() => null))?.isFile()) optional.push(name);
    return [...requiredModelFiles, ...shards, ...optional];
  } catch (error) {
    if (error instanceof ModelFilesError) throw new RegistryError(`Cannot ${action}: ${error.message}`);
    throw error;
  }
}

/** The documents of a version besides its model files: file name → JSON value, or text as is. */
export type VersionDocuments = Readonly<Record<string, unknown>>;

/**
 * Writes a complete version into `staging` (which must not exist): the model files copied from
 * `modelDir`, then each document, every file fsynced, then the folder itself.
 */
export async function stageVersionFolder(staging: string, modelDir: string, modelFiles: readonly string[], documents: VersionDocuments): Promise<void> {
  await mkdir(staging, { recursive: true });
  for (const name of modelFiles) await copyFileSynced(join(modelDir, name), join(staging, name));
  for (const [name, value] of Object.entries(documents)) {
    await writeNewFileSynced(join(staging, name), typeof value === 'string' ? value : formatJsonFile(value));
  }
  await syncDirectory(staging);
}

/** Renames a complete folder to its final place in `versions/` and makes the rename durable. */
export async function publishVersionFolder(from: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  await rename(from, target);
  await syncDirectory(dirname(target));
}

/** Whether `dir` already holds a version (a lineage.json: every version has one). */
export async function holdsVersion(dir: string): Promise<boolean> {
  return (await stat(join(dir, 'lineage.json')).catch(() => null))?.isFile() ?? false;
}
