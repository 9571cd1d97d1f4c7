import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { defaultConfigPath, formatZodIssues, loadConfig } from '../config/load.js';
import { feedbackSchema, type FeedbackConfig } from '../config/feedback-schema.js';
import { monitoringSchema, servingSchema, type MonitoringConfig, type ServingConfig } from '../config/serving-schema.js';
import type { ModelConfig } from '../config/schema.js';
import { ConfigError, RegistryError } from '../core/errors.js';
import { registryPath } from '../config/paths.js';
import { ModelRegistry } from '../registry/registry.js';
import { parseVersion } from '../registry/semver.js';
import { parseAllowedHosts } from './allowed-hosts.js';

/**
 * Where `mlops serve` gets its settings. With a config file (`--config`, or mlops.config.yaml in
 * the working directory), the registry path and the `serving`/`monitoring` sections come from it.
 * With only `--registry DIR` (the container has a registry and no repository), they come from the
 * lineage of the version served at start: `lineage.config.content` is the full validated config
 * the version was trained with. Settings are fixed at start; a later champion is served with them.
 */
export interface ServeSettings {
  registryRoot: string;
  /** Serve this version only, never following the champion. */
  pinnedVersion: string | null;
  host: string;
  port: number;
  /**
   * Names the `Host` header may carry (see allowed-hosts.ts): `--allowed-hosts`, else
   * MLOPS_ALLOWED_HOSTS, else `serving.allowed_hosts`; null: the default for the listening address.
   */
  allowedHosts: string[] | null;
  serving: ServingConfig;
  monitoring: MonitoringConfig;
  /** Absolute path of the request sample log, or null when it is off. */
  sampleLogPath: string | null;
  /** Prediction ids, `/feedback` and the prediction log. */
  feedback: FeedbackConfig;
  /**
   * Absolute folder of the prediction log: `--feedback-dir`, else MLOPS_FEEDBACK_DIR, else
   * `feedback.log_dir`; null when feedback is off.
   */
  feedbackDir: string | null;
  backend: ModelConfig['backend'];
  /** Where the settings came from, for the startup log. */
  source: string;
  /** Problems that fell back to defaults. */
  warnings: string[];
}

/** The command line and environment of `mlops serve`, as given. */
export interface ServeArguments {
  config?: string;
  registry?: string;
  version?: string;
  port?: string;
  host?: string;
  /** Comma-separated host names (`--allowed-hosts`). */
  allowedHosts?: string;
  /** The prediction log's folder (`--feedback-dir`). */
  feedbackDir?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Resolves the settings of `mlops serve`; every user mistake is a ConfigError or RegistryError. */
export async function resolveServeSettings(args: ServeArguments): Promise<ServeSettings> {
  const pinnedVersion = args.version === undefined ? null : (parseVersion(args.version), args.version);
  const warnings: string[] = [];
  let registryRoot: string;
  let serving: ServingConfig;
  let monitoring: MonitoringConfig;
  let feedback: FeedbackConfig;
  let sampleLogBase: string;
  let backend: ModelConfig['backend'] = 'auto';
  let source: string;
  const defaultConfig = resolve(args.cwd, defaultConfigPath);
  if (args.config !== undefined || (args.registry === undefined && existsSync(defaultConfig))) {
    const loaded = await loadConfig(resolve(args.cwd, args.config ?? defaultConfigPath));
    registryRoot = args.registry !== undefined ? resolve(args.cwd, args.registry) : registryPath(loaded);
    serving = loaded.config.serving;
    monitoring = loaded.config.monitoring;
    feedback = loaded.config.feedback;
    backend = loaded.config.model.backend;
    sampleLogBase = loaded.baseDir;
    source = `config ${loaded.path}`;
  } else if (args.registry !== undefined) {
    registryRoot = resolve(args.cwd, args.registry);
    const registry = await ModelRegistry.open(registryRoot);
    const version = pinnedVersion ?? (await registry.champion())?.version;
    if (version === undefined) {
      throw new RegistryError(
        `No model to serve: the registry at ${registryRoot} has no champion. Run \`mlops pipeline\` (npm run pipeline) to train and register one, or pass --version.`,
      );
    }
    await registry.require(version);
    const content = (await registry.lineage(version)).config.content;
    serving = sectionOrDefault(servingSchema, content.serving, `serving (lineage of ${version})`, warnings);
    monitoring = sectionOrDefault(monitoringSchema, content.monitoring, `monitoring (lineage of ${version})`, warnings);
    feedback = sectionOrDefault(feedbackSchema, content.feedback, `feedback (lineage of ${version})`, warnings);
    sampleLogBase = args.cwd;
    source = `lineage of version ${version} in ${registryRoot}`;
  } else {
    throw new ConfigError(`No config file ${defaultConfig} and no --registry: pass --config FILE, or --registry DIR to serve a registry without a config.`);
  }
  const port = parsePort(args.port, '--port') ?? parsePort(args.env.PORT, 'PORT') ?? serving.port;
  return {
    registryRoot,
    pinnedVersion,
    host: args.host ?? serving.host,
    port,
    allowedHosts: parseAllowedHosts(args.allowedHosts, '--allowed-hosts') ?? parseAllowedHosts(args.env.MLOPS_ALLOWED_HOSTS, 'MLOPS_ALLOWED_HOSTS') ?? serving.allowed_hosts,
    serving,
    monitoring,
    sampleLogPath: monitoring.sample_log ? resolve(sampleLogBase, monitoring.sample_log.path) : null,
    feedback,
    feedbackDir: feedback.enabled ? resolve(args.cwd, nonEmpty(args.feedbackDir) ?? nonEmpty(args.env.MLOPS_FEEDBACK_DIR) ?? resolve(sampleLogBase, feedback.log_dir)) : null,
    backend,
    source,
    warnings,
  };
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

/** A port from the command line or the environment; undefined when not given. */
export function parsePort(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new ConfigError(`${name} must be a port number from 0 to 65535; got '${text}'.`);
  return port;
}

function sectionOrDefault<T>(schema: z.ZodType<T>, value: unknown, where: string, warnings: string[]): T {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  warnings.push(`${where} is not valid with this version of mlops; using defaults:\n${formatZodIssues(parsed.error.issues)}`);
  return schema.parse({});
}

/**
 * The registry a command works on: `--registry DIR`, else the config's `registry.path` (the config
 * given with --config, else mlops.config.yaml in the working directory).
 */
export async function resolveRegistryRoot(args: { config?: string; registry?: string; cwd: string }): Promise<string> {
  if (args.registry !== undefined) return resolve(args.cwd, args.registry);
  const loaded = await loadConfig(resolve(args.cwd, args.config ?? defaultConfigPath));
  return registryPath(loaded);
}
