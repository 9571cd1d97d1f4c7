import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { escapeMarkdownText } from '../../evaluation/gate-markdown.js';
import { columnFormat, formatNumber, missingValue, shortHash } from '../../core/number-format.js';
import { registryPath } from '../../config/paths.js';
import { ModelRegistry } from '../../registry/registry.js';
import { diffExperiments, experimentDiffTables, findExperiment, renderExperimentDiffMarkdown } from '../../reports/experiment-diff.js';
import { commonOptions, commonUsage, defineCommand, loadCommandConfig, type CommandContext } from '../command.js';
import { flag, positiveInteger } from '../options.js';
import { renderTable } from '../table.js';

async function openRegistry(context: CommandContext<{ config?: string }>): Promise<ModelRegistry> {
  return ModelRegistry.open(registryPath(await loadCommandConfig(context)));
}

export const versionsCommand = defineCommand({
  name: 'versions',
  summary: 'list registered model versions and the champion',
  usage: `mlops versions [--json]

  --json              print JSON instead of a table
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, json: flag() }),
  async run(context) {
    const registry = await openRegistry(context);
    const versions = await registry.versions();
    if (context.options.json) {
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
      `${v.primary_metric} ${formatNumber(v.primary_value, columnFormat)}`,
      shortHash(v.data_sha256),
      shortHash(v.commit, 8),
      v.parent_version ?? missingValue,
    ]);
    context.io.stdout.write(`${renderTable(['version', 'status', 'created (UTC)', 'metric', 'data sha256', 'commit', 'parent'], rows)}\n`);
    return 0;
  },
});

const experimentsOptions = z.strictObject({ ...commonOptions, json: flag(), md: flag(), limit: positiveInteger(), diff: flag(), all: flag() });

export const experimentsCommand = defineCommand({
  name: 'experiments',
  summary: 'list every run (promoted, rejected, failed) or compare two with --diff',
  usage: `mlops experiments [--json | --md] [--limit N]
       mlops experiments --diff A B [--json | --md] [--all]

  --diff A B          compare two runs: parameters, metrics (B − A) and what they were made from;
                      A and B are run ids (or unique prefixes) or registered versions (1.2.0)
  --all               with --diff: list unchanged parameters too
  --md                print GitHub Markdown (for PR comments and job summaries)
  --json              print JSON instead of a table
  --limit N           show the newest N runs (default 20)
${commonUsage}`,
  options: experimentsOptions,
  maxPositionals: 2,
  async run(context) {
    if (context.options.json && context.options.md) throw new ConfigError('Choose one of --json and --md.');
    if (context.options.diff) return runExperimentDiff(context);
    if (context.positionals.length > 0) {
      throw new ConfigError(`Unexpected argument '${context.positionals[0]}': to compare two runs use \`mlops experiments --diff A B\`.`);
    }
    if (context.options.all) throw new ConfigError('--all only applies with --diff.');
    const registry = await openRegistry(context);
    const experiments = (await registry.experiments()).slice(0, context.options.limit ?? defaultExperimentLimit);
    if (context.options.json) {
      context.io.stdout.write(`${JSON.stringify(experiments, null, 2)}\n`);
      return 0;
    }
    if (experiments.length === 0) {
      context.io.stdout.write('No experiments recorded yet: run `npm run pipeline`.\n');
      return 0;
    }
    const rows = experiments.map((e) => [
      e.run_id,
      e.sweep?.candidate ?? missingValue,
      e.status,
      e.version ?? missingValue,
      `${e.primary_metric} ${formatNumber(e.primary_value, columnFormat)}`,
      `${formatNumber(e.duration_ms / 1000, { decimals: 1 })} s`,
      shortHash(e.data_sha256),
      shortHash(e.commit, 8) + (e.dirty ? '+' : ''),
      e.backend ?? missingValue,
    ]);
    const headers = ['run', 'candidate', 'status', 'version', 'metric', 'duration', 'data sha256', 'commit', 'backend'];
    context.io.stdout.write(context.options.md ? renderMarkdownTable(headers, rows) : `${renderTable(headers, rows)}\n`);
    return 0;
  },
});

/** Runs `mlops experiments` lists without --limit. */
const defaultExperimentLimit = 20;

/** `mlops experiments --diff A B`. */
async function runExperimentDiff(context: CommandContext<z.output<typeof experimentsOptions>>): Promise<number> {
  const [refA, refB] = context.positionals;
  if (refA === undefined || refB === undefined || context.positionals.length !== 2) {
    throw new ConfigError('--diff needs two runs: `mlops experiments --diff A B` (run ids, unique prefixes, or versions like 1.2.0).');
  }
  if (context.options.limit !== undefined) throw new ConfigError('--limit does not apply with --diff.');
  const registry = await openRegistry(context);
  const experiments = await registry.experiments();
  const diff = diffExperiments(findExperiment(experiments, refA), findExperiment(experiments, refB));
  const allParams = context.options.all;
  if (context.options.json) {
    context.io.stdout.write(`${JSON.stringify({ a: diff.a.run_id, b: diff.b.run_id, fields: diff.fields, params: diff.params, metrics: diff.metrics }, null, 2)}\n`);
    return 0;
  }
  if (context.options.md) {
    context.io.stdout.write(renderExperimentDiffMarkdown(diff, { allParams }));
    return 0;
  }
  const tables = experimentDiffTables(diff, { allParams });
  const a = diff.a.run_id;
  const b = diff.b.run_id;
  const parts = [`Runs compared: ${a} → ${b}`, '', renderTable(['metric', a, b, 'change'], tables.metrics), 'change is B − A; ▲ better, ▼ worse', ''];
  if (tables.params.length > 0) parts.push(renderTable(['parameter', a, b, ''], tables.params), '');
  if (!allParams) parts.push(tables.unchangedParams === 0 ? 'Every parameter changed or is new.' : `${tables.unchangedParams} parameter(s) unchanged (--all lists them).`, '');
  parts.push(renderTable(['run', a, b, ''], tables.fields));
  context.io.stdout.write(`${parts.join('\n')}\n`);
  return 0;
}

/** A GitHub Markdown table; cells are escaped. */
function renderMarkdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((cell) => escapeMarkdownText(cell)).join(' | ')} |`;
  return `${[line(headers), `|${headers.map(() => ' --- |').join('')}`, ...rows.map(line)].join('\n')}\n`;
}
