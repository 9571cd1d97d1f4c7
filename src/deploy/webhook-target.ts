import type { WebhookDeployConfig } from '../config/deploy-schema.js';
import { ConfigError, DeployError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DeployTarget } from './deploy.js';
import { probeServedVersion } from './verify.js';

/**
 * The `webhook` target, for platforms that redeploy a service when a deploy hook is called
 * (Render, Railway, Fly and most PaaS): POST a JSON payload naming the image and version to the
 * hook URL (a secret, read from an environment variable), then let the post-deploy check poll
 * the service's public `/model` until it reports the version.
 */

/** The JSON body POSTed to the hook. */
export interface WebhookPayload {
  /** Full image reference, `registry/owner/repo:version`. */
  image: string;
  version: string;
  /** The release tag, `vX.Y.Z`. */
  tag: string;
  model: string;
  /** `deploy` or `rollback`-style redeploys look the same to the hook; the version says which. */
  event: 'deploy';
}

/** The payload for a version (pure). */
export function webhookPayload(image: string, version: string, model: string): WebhookPayload {
  return { image: `${image}:${version}`, version, tag: `v${version}`, model, event: 'deploy' };
}

/** Options of {@link createWebhookTarget}. */
export interface WebhookTargetOptions {
  config: WebhookDeployConfig;
  /** Image repository (no tag). */
  image: string;
  modelName: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** The hook URL from the environment; a ConfigError naming the variable when it is missing or not a URL. */
export function webhookUrl(config: WebhookDeployConfig, env: NodeJS.ProcessEnv): URL {
  const raw = env[config.url_env];
  if (!raw) {
    throw new ConfigError(
      `deploy.webhook.url_env names ${config.url_env}, but it is not set: store the deploy-hook URL as a secret and pass it as env ${config.url_env}.`,
    );
  }
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
    return url;
  } catch {
    // The value is a secret: never echo it.
    throw new ConfigError(`${config.url_env} does not hold an http(s) URL.`);
  }
}

/** The webhook target. */
export function createWebhookTarget(options: WebhookTargetOptions): DeployTarget {
  const { config, logger } = options;
  return {
    name: 'webhook',
    describe: () => `the service at ${config.service_url} (deploy hook from $${config.url_env})`,
    async current() {
      const probe = await probeServedVersion(config.service_url);
      return probe.ok ? probe.version : null;
    },
    async deploy(version) {
      const url = webhookUrl(config, options.env);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'mlops-deploy' };
      if (config.token_env) {
        const token = options.env[config.token_env];
        if (!token) throw new ConfigError(`deploy.webhook.token_env names ${config.token_env}, but it is not set.`);
        headers.authorization = `Bearer ${token}`;
      }
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(webhookPayload(options.image, version, options.modelName)),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        throw new DeployError(`The deploy hook ($${config.url_env}, host ${url.host}) did not answer: ${cause ?? (error as Error).message}.`);
      }
      await response.body?.cancel().catch(() => {});
      if (!response.ok) throw new DeployError(`The deploy hook ($${config.url_env}, host ${url.host}) answered HTTP ${response.status}.`);
      logger.info(`Deploy hook accepted ${version} (HTTP ${response.status}); waiting for ${config.service_url} to report it.`);
      return { url: config.service_url };
    },
  };
}
