import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { applyConfigOverrides, parseConfigOverrides, type ConfigOverrides } from '../config/overrides.js';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import type { Logger } from '../core/logger.js';
import type { StepContext } from '../pipeline/steps.js';
import { RunWorkspace } from '../pipeline/workspace.js';
import { workspaceRoot } from './run-action.js';

/**
 * What every pipeline action shares: the config (with the sweep's overrides, which validate
 * records in the work dir so that train, evaluate and register in later jobs use the same
 * variant), and the run workspace named by `work-dir`.
 */

/** The file in a work dir that records the config overrides of the run. */
export const overridesFileName = 'config-overrides.json';

/** Resolves an input path against the checkout root. */
export function inputPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(workspaceRoot(env), path);
}

/** Loads the config named by the `config` input and applies the overrides the work dir records. */
export async function loadRunConfig(configInput: string, workDir: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const loaded = await loadConfig(inputPath(configInput, env));
  const overrides = await readRecordedOverrides(workDir);
  return applyConfigOverrides(loaded, overrides, join(workDir, overridesFileName));
}

/** The overrides recorded in a work dir ({} when none). */
export async function readRecordedOverrides(workDir: string): Promise<ConfigOverrides> {
  const path = join(workDir, overridesFileName);
  const text = await readFile(path, 'utf8').catch(() => null);
  return text === null ? {} : parseConfigOverrides(text, path);
}

/** Records (or clears) the overrides a run starts with. */
export async function recordOverrides(workDir: string, overrides: ConfigOverrides): Promise<void> {
  const path = join(workDir, overridesFileName);
  if (Object.keys(overrides).length === 0) await rm(path, { force: true });
  else await writeJsonAtomic(path, overrides);
}

/** A StepContext for the work dir. */
export function stepContext(loaded: LoadedConfig, workDir: string, logger: Logger, env: NodeJS.ProcessEnv = process.env): StepContext {
  return { loaded, workspace: new RunWorkspace(workDir), logger, env };
}
