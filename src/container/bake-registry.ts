import { cp, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { RegistryError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { experimentPath, readExperimentRecord } from '../registry/experiment-log.js';
import { addVersion, emptyIndex, moveChampion } from '../registry/index-operations.js';
import { ModelRegistry } from '../registry/registry.js';
import { registryIndexSchema, type RegisteredVersion, type RegistryIndex } from '../registry/registry-schema.js';
import { listModelFiles } from '../registry/version-folder.js';
import { parseVersion } from '../registry/semver.js';

/**
 * The registry a serving image carries: one registered version, copied from the project's
 * registry and made the champion of a registry of its own. The image then serves exactly the
 * version it was built for, with no volume and whatever the project's champion is later; its
 * `/model` and dashboard still show that version's card, lineage and experiment.
 */

/** What {@link bakeRegistry} wrote. */
export interface BakedRegistry {
  version: string;
  /** The registry folder written (`registry.json`, `versions/<version>/`, `experiments/`). */
  root: string;
  /** Files of the version folder, by name. */
  files: string[];
  /** Whether the run's experiment record was found and copied. */
  experiment: boolean;
}

/**
 * The index of a registry holding only `entry`, as champion. The move is dated with the
 * version's registration time so that baking the same version twice writes the same bytes.
 */
export function singleVersionIndex(entry: RegisteredVersion, sourceChampion: string | null): RegistryIndex {
  const reason =
    sourceChampion === entry.version
      ? `baked into a serving image (champion of the source registry)`
      : `baked into a serving image (source registry champion: ${sourceChampion ?? 'none'})`;
  const at = entry.created_at;
  return registryIndexSchema.parse(moveChampion(addVersion(emptyIndex(), entry, at), entry.version, reason, at));
}

/**
 * Copies `version` of the registry at `sourceRoot` into a new registry at `targetRoot` (which
 * must not exist or be empty) and makes it the champion there. The model files are checked
 * against their manifest first, so a corrupt version fails the image build rather than the
 * container's start. A version the source does not list is a RegistryError naming the
 * registered ones; anything but MAJOR.MINOR.PATCH is a ConfigError.
 */
export async function bakeRegistry(sourceRoot: string, version: string, targetRoot: string, logger: Logger): Promise<BakedRegistry> {
  parseVersion(version);
  const source = await ModelRegistry.open(sourceRoot);
  const entry = await source.require(version);
  const versionDir = source.versionDir(version);
  await listModelFiles(versionDir, `bake version ${version}`);
  await source.lineage(version);

  if ((await readdir(targetRoot).catch(() => [])).length > 0) {
    throw new RegistryError(`Cannot bake version ${version} into ${targetRoot}: the folder is not empty.`);
  }
  const targetVersionDir = join(targetRoot, 'versions', version);
  await cp(versionDir, targetVersionDir, { recursive: true, errorOnExist: true, force: false });
  const files = (await readdir(targetVersionDir)).sort();

  const experiment = await copyExperiment(sourceRoot, targetRoot, entry.run_id);
  const champion = await source.champion();
  await writeJsonAtomic(join(targetRoot, 'registry.json'), singleVersionIndex(entry, champion?.version ?? null));
  // Reading it back through the registry proves the result is a registry the server can open.
  const baked = await ModelRegistry.open(targetRoot);
  if ((await baked.champion())?.version !== version) throw new Error(`The baked registry at ${targetRoot} does not name ${version} as champion.`);

  logger.info(`Baked version ${version} (run ${entry.run_id}, ${files.length} files) into ${targetRoot} as its champion.`);
  return { version, root: targetRoot, files, experiment };
}

/** Copies `experiments/<runId>.json` when the source has a valid one; returns whether it did. */
async function copyExperiment(sourceRoot: string, targetRoot: string, runId: string): Promise<boolean> {
  const path = experimentPath(sourceRoot, runId);
  if (!(await stat(path).catch(() => null))?.isFile()) return false;
  await writeJsonAtomic(experimentPath(targetRoot, runId), await readExperimentRecord(path));
  return true;
}
