import { join, resolve } from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { applyConfigOverrides, type ConfigOverrides } from '../config/overrides.js';
import { defaultWorkDir } from '../config/paths.js';
import type { Logger } from '../core/logger.js';
import { RunWorkspace, compactTimestamp, workspaceFiles } from './workspace.js';

/** What every step needs: the config, the run workspace, a logger. */
export interface StepContext {
  loaded: LoadedConfig;
  workspace: RunWorkspace;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /**
   * The config overrides of the run (a sweep candidate's model.* keys), already applied to
   * `loaded`; validate records them in the workspace for the steps after it.
   */
  overrides?: ConfigOverrides;
}

/** What an edge knows when it opens a step: what the user named, and where they stand. */
export interface OpenStepContextOptions {
  /** The config file as the user gave it (`--config`, the `config` input); default mlops.config.yaml. */
  configPath?: string;
  /** The run workspace as the user gave it (`--work-dir`, the `work-dir` input); default `.mlops/work` beside the config. */
  workDir?: string;
  /** What relative paths are resolved against: the CLI's working directory, an action's checkout root. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /**
   * Overrides a new run starts with (validate), and the name of where they came from for
   * messages. Without them, the overrides the workspace records are applied, so train, evaluate
   * and register in later jobs use the variant validate started.
   */
  overrides?: { values: ConfigOverrides; source: string };
  /** Without `workDir`: a fresh workspace under `.mlops/runs/` (whole pipeline runs) instead of the shared default. */
  freshWorkspace?: boolean;
}

/**
 * Opens the context of a step the same way for every edge: the config named relative to `cwd`,
 * the workspace named relative to `cwd` (or the default beside the config), the run's config
 * overrides applied.
 */
export async function openStepContext(options: OpenStepContextOptions): Promise<StepContext> {
  const base = await loadConfig(options.configPath, options.cwd);
  const workspace = new RunWorkspace(
    options.workDir !== undefined
      ? resolve(options.cwd, options.workDir)
      : options.freshWorkspace
        ? freshWorkspaceDir(base.baseDir)
        : defaultWorkDir(base),
  );
  const overrides = options.overrides?.values ?? (await workspace.readOverrides());
  const source = options.overrides?.source ?? join(workspace.dir, workspaceFiles.overrides);
  const loaded = applyConfigOverrides(base, overrides, source);
  return { loaded, workspace, logger: options.logger, env: options.env, overrides };
}

/** A fresh workspace folder for one pipeline run, so parallel runs never share files. */
export function freshWorkspaceDir(baseDir: string, now: Date = new Date(), pid: number = process.pid): string {
  return join(baseDir, '.mlops', 'runs', `${compactTimestamp(now)}-${pid}`);
}
