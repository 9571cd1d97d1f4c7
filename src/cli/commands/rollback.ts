import { ConfigError } from '../../core/errors.js';
import { selectBackend } from '../../model/backend.js';
import { ModelRegistry } from '../../registry/registry.js';
import { compareVersions, parseVersion } from '../../registry/semver.js';
import { loadServedModel } from '../../serving/served-model.js';
import { resolveRegistryRoot } from '../../serving/settings.js';
import { z } from 'zod';
import { commonOptions, commonUsage, defineCommand } from '../command.js';
import { flag, text } from '../options.js';

export const rollbackCommand = defineCommand({
  name: 'rollback',
  summary: 'point the champion at an earlier version; running servers follow within a second',
  usage: `mlops rollback <version> [--reason TEXT] [--registry DIR] [--force]

Moves the registry's champion alias to a registered version and records the move (with its
reason) in the alias history. Before moving, the version is loaded and checked the way the
server loads it (weights, preprocessing, profile), so a rollback never points at a version the
server would refuse. A running \`mlops serve\` follows the champion within about a second.

  --reason TEXT       why (recorded in registry.json's alias history)
  --registry DIR      the registry (default: registry.path of the config)
  --force             skip the load check
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, reason: text(), registry: text(), force: flag() }),
  maxPositionals: 1,
  async run(context) {
    const version = context.positionals[0];
    if (version === undefined) throw new ConfigError('mlops rollback needs the version to serve, e.g. `mlops rollback 1.0.0` (see `mlops versions`).');
    parseVersion(version);
    const root = await resolveRegistryRoot({
      config: context.options.config,
      registry: context.options.registry,
      cwd: context.io.cwd,
    });
    const registry = await ModelRegistry.open(root);
    const target = await registry.require(version);
    const champion = await registry.champion();
    if (champion?.version === version) {
      context.io.stdout.write(`${version} is already the champion; nothing changed.\n`);
      return 0;
    }
    if (!context.options.force) {
      await selectBackend('auto', context.logger);
      const model = await loadServedModel(registry, version, { maxInstances: 1, maxStringLength: 1 });
      model.network.dispose();
    }
    if (!target.gate_passed) context.logger.warn(`Version ${version} was registered with --force although the gate rejected it.`);
    if (champion && compareVersions(version, champion.version) > 0) {
      context.logger.warn(`Version ${version} is newer than the champion ${champion.version}: this is a roll-forward.`);
    }
    const reason = context.options.reason ?? 'rollback with mlops rollback';
    const { previous } = await registry.setChampion(version, reason);
    context.io.stdout.write(`champion: ${previous ?? 'none'} → ${version} (${reason})\n`);
    return 0;
  },
});
