import { resolve } from 'node:path';
import { defaultConfigPath, type LoadedConfig } from './load.js';

/**
 * Where a project keeps its files, all derived from the config: relative paths in the config
 * are resolved against the config's folder, so a command finds the same files whatever the
 * working directory. Every layer that needs one of these paths (pipeline, serving, deploy, the
 * edges) asks here.
 */

/** The run workspace single steps share when none is named: `.mlops/work` beside the config. */
export const defaultWorkDirName = '.mlops/work';

/** The config file a command means: `path` (default mlops.config.yaml) resolved against `cwd`. */
export function resolveConfigPath(cwd: string, path: string = defaultConfigPath): string {
  return resolve(cwd, path);
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
  return resolve(loaded.baseDir, defaultWorkDirName);
}
