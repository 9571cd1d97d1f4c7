import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { deployVersion } from '../../deploy/deploy.js';
import { createDeployTarget, deployTargetNames, imageRepository } from '../../deploy/targets.js';
import { registryPath } from '../../config/paths.js';
import { ModelRegistry } from '../../registry/registry.js';
import { parseReleaseTag } from '../../registry/semver.js';
import { commonOptions, commonUsage, defineCommand, loadCommandConfig } from '../command.js';
import { oneOf, text } from '../options.js';

/** `mlops deploy`: the CLI edge of the deploy action (same targets, check and rollback). */
export const deployCommand = defineCommand({
  name: 'deploy',
  summary: 'deploy a registered version to the configured target; check /model; roll back on failure',
  usage: `mlops deploy --version V [--target local|webhook|kubernetes]

Deploys version V (1.2.0 or v1.2.0) of the registry to deploy.target in the config: local runs
the server process (or the serving container), webhook calls a deploy hook, kubernetes runs
kubectl set image and waits for the rollout. Then /model must report V within
deploy.verify.timeout_s; otherwise the previous version is deployed again and the command
exits with 6.
  --version V         the version to deploy (required)
  --target T          override deploy.target
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, version: text(), target: oneOf(deployTargetNames) }),
  async run(context) {
    const tag = context.options.version;
    if (tag === undefined) throw new ConfigError('mlops deploy needs --version, e.g. --version 1.2.0 (see `mlops versions`).');
    const version = parseReleaseTag(tag);
    const target = context.options.target;
    const loaded = await loadCommandConfig(context);
    const registry = await ModelRegistry.open(registryPath(loaded));
    await registry.require(version);
    const deployTarget = await createDeployTarget({ loaded, target, registryRoot: registryPath(loaded), env: context.io.env, logger: context.logger });
    const image = imageRepository(loaded.config.deploy, loaded.config.name, context.io.env);
    const outcome = await deployVersion({
      target: deployTarget,
      version,
      verify: { timeoutMs: loaded.config.deploy.verify.timeout_s * 1000, intervalMs: loaded.config.deploy.verify.interval_ms },
      imageFor: (v) => `${image}:${v}`,
      logger: context.logger,
    });
    context.io.stdout.write(`deployed: ${outcome.version} at ${outcome.url}${outcome.previous ? ` (previous: ${outcome.previous})` : ''}\n`);
    return 0;
  },
});
