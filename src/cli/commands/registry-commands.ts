import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import { registryPath } from '../../pipeline/steps.js';
import { ModelRegistry } from '../../registry/registry.js';
import { commonOptions, commonUsage, stringOption, type CliCommand } from '../command.js';
import { formatNumber, renderTable, shortHash } from '../table.js';

async function openRegistry(config: string | undefined): Promise<ModelRegistry> {
  const loaded = await loadConfig(config);
  return ModelRegistry.open(registryPath(loaded));
}

export const versionsCommand: CliCommand = {
  name: 'versions',
  summary: 'list registered model versions and the champion',
  usage: `mlops versions [--json]

  --json              print JSON instead of a table
${commonUsage}`,
  options: { ...commonOptions, json: { type: 'boolean' } },
  async run(context) {
    const registry = await openRegistry(stringOption(context.options, 'config'));
    const versions = await registry.versions();
    if (context.options.json === true) {
      context.io.stdout.write(`${JSON.stringify(versions, null, 2)}\n`);
      return 0;
    }
    if (versions.length === 0) {
      context.io.stdout.write('No versions registered yet: run `npm run pipeline`.\n');
      return 0;
    }
    const rows = versions.map((v) => [
      v.version,
      v.status === 'champion' ? 'champion ★' : v.status,
      v.created_at.replace('T', ' ').slice(0, 19),
      `${v.primary_metric} ${formatNumber(v.primary_value)}`,
      shortHash(v.data_sha256),
      shortHash(v.commit, 8),
      v.parent_version ?? '–',
    ]);
    context.io.stdout.write(`${renderTable(['version', 'status', 'created (UTC)', 'metric', 'data sha256', 'commit', 'parent'], rows)}\n`);
    return 0;
  },
};

export const experimentsCommand: CliCommand = {
  name: 'experiments',
  summary: 'list every run: promoted, rejected and failed',
  usage: `mlops experiments [--json] [--limit N]

  --json              print JSON instead of a table
  --limit N           show the newest N runs (default 20)
${commonUsage}`,
  options: { ...commonOptions, json: { type: 'boolean' }, limit: { type: 'string' } },
  async run(context) {
    const registry = await openRegistry(stringOption(context.options, 'config'));
    const limitText = stringOption(context.options, 'limit') ?? '20';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ConfigError(`--limit must be a positive whole number; got '${limitText}'.`);
    }
    const experiments = (await registry.experiments()).slice(0, limit);
    if (context.options.json === true) {
      context.io.stdout.write(`${JSON.stringify(experiments, null, 2)}\n`);
      return 0;
    }
    if (experiments.length === 0) {
      context.io.stdout.write('No experiments recorded yet: run `npm run pipeline`.\n');
      return 0;
    }
    const rows = experiments.map((e) => [
      e.run_id,
      e.status,
      e.version ?? '–',
      `${e.primary_metric} ${formatNumber(e.primary_value)}`,
      `${(e.duration_ms / 1000).toFixed(1)} s`,
      shortHash(e.data_sha256),
      shortHash(e.commit, 8) + (e.dirty ? '+' : ''),
      e.backend ?? '–',
    ]);
    context.io.stdout.write(`${renderTable(['run', 'status', 'version', 'metric', 'duration', 'data sha256', 'commit', 'backend'], rows)}\n`);
    return 0;
  },
};
