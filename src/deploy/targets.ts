import type { DeployConfig, DeployTargetName } from '../config/deploy-schema.js';
import type { LoadedConfig } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { detectContainerEngine, requireContainerEngine } from '../container/engine.js';
import { createLocalContainerTarget } from './container-target.js';
import type { DeployTarget } from './deploy.js';
import { createKubernetesTarget } from './kubernetes-target.js';
import { createLocalProcessTarget } from './local-target.js';
import { createWebhookTarget } from './webhook-target.js';

/** Target names, as the config and the `target` input accept them. */
export const deployTargetNames: readonly DeployTargetName[] = ['local', 'webhook', 'kubernetes'];

/**
 * The image repository (without tag) for the config: `deploy.image`, else
 * `ghcr.io/<owner>/<repo>` on GitHub (lowercased, as GHCR requires), else `localhost/<name>`.
 */
export function imageRepository(deploy: DeployConfig, modelName: string, env: NodeJS.ProcessEnv = process.env): string {
  if (deploy.image) return deploy.image;
  if (env.GITHUB_REPOSITORY) return `ghcr.io/${env.GITHUB_REPOSITORY.toLowerCase()}`;
  return `localhost/${modelName}`;
}

/** Checks a target name given on the command line or as an action input. */
export function parseTargetName(name: string, source: string): DeployTargetName {
  if (!(deployTargetNames as readonly string[]).includes(name)) {
    throw new ConfigError(`Invalid ${source} '${name}': expected one of ${deployTargetNames.join(', ')}.`);
  }
  return name as DeployTargetName;
}

/** Options of {@link createDeployTarget}. */
export interface CreateTargetOptions {
  loaded: LoadedConfig;
  /** Overrides `deploy.target`. */
  target?: DeployTargetName;
  registryRoot: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** The target the config (or the override) names, ready to deploy. */
export async function createDeployTarget(options: CreateTargetOptions): Promise<DeployTarget> {
  const { loaded, logger, env } = options;
  const deploy = loaded.config.deploy;
  const name = options.target ?? deploy.target;
  const image = imageRepository(deploy, loaded.config.name, env);
  switch (name) {
    case 'local': {
      const runtime = deploy.local.runtime;
      const engine =
        runtime === 'container' ? await requireContainerEngine({ env }) : runtime === 'auto' ? (await detectContainerEngine({ env })).engine : null;
      if (engine) {
        logger.info(`Local deploys run the serving container with ${engine.name} ${engine.version}.`);
        return createLocalContainerTarget({ engine, config: deploy.local, baseDir: loaded.baseDir, registryRoot: options.registryRoot, image, modelName: loaded.config.name, logger });
      }
      if (runtime === 'auto') logger.info('No container engine (podman or docker) found: local deploys run `mlops serve` as a process.');
      return createLocalProcessTarget({
        config: deploy.local,
        baseDir: loaded.baseDir,
        configPath: loaded.path,
        registryRoot: options.registryRoot,
        logger,
      });
    }
    case 'webhook':
      if (!deploy.webhook) throw new ConfigError("The webhook target needs a deploy.webhook section with service_url (and url_env naming the hook's secret).");
      return createWebhookTarget({ config: deploy.webhook, image, modelName: loaded.config.name, env, logger });
    case 'kubernetes':
      if (!deploy.kubernetes) throw new ConfigError('The kubernetes target needs a deploy.kubernetes section with service_url.');
      return createKubernetesTarget({ config: deploy.kubernetes, image, logger, env });
  }
}
