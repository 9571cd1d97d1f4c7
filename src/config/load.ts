import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { canonicalJson, sha256 } from '../core/hash.js';
import { formatKeyPath, formatZodIssues } from '../core/zod-issues.js';
import { sourceProblems } from './source-schema.js';
import {
  binaryMetricNames,
  configSchema,
  multiclassMetricNames,
  type DateTimeFeatureSpec,
  regressionMetricNames,
  type MlopsConfig,
  type TaskType,
} from './schema.js';

/** The default config file name, at the repository root. */
export const defaultConfigPath = 'mlops.config.yaml';

/** A validated config with where it came from. */
export interface LoadedConfig {
  config: MlopsConfig;
  /** Absolute path of the config file. */
  path: string;
  /** Folder that relative paths in the config are resolved against. */
  baseDir: string;
  /** sha256 of the validated config (defaults filled, keys sorted): a lineage field. */
  hash: string;
}

/**
 * Reads, parses and validates a config file; a relative `path` is resolved against `cwd`, and
 * messages name it as the user gave it. Every problem is a ConfigError naming the key.
 */
export async function loadConfig(path: string = defaultConfigPath, cwd: string = process.cwd()): Promise<LoadedConfig> {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(
        `Config file not found: ${path}. Create one with \`mlops init --data data/your.csv --target COLUMN\`.`,
      );
    }
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  const config = parseConfigText(text, path);
  return { config, path: absolute, baseDir: dirname(absolute), hash: configHash(config) };
}

/** Parses and validates config YAML text; `source` names the file in messages. */
export function parseConfigText(text: string, source = defaultConfigPath): MlopsConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where = first.linePos?.[0] ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    throw new ConfigError(`${source} is not valid YAML${where}: ${first.message.split('\n')[0]}`);
  }
  const raw: unknown = document.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${source} must be a YAML mapping of keys (data, task, features, ...), not ${describeYamlValue(raw)}.`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${source} is invalid:\n${formatZodIssues(parsed.error.issues)}`);
  }
  const problems = checkConfigConsistency(parsed.data);
  if (problems.length > 0) {
    throw new ConfigError(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return parsed.data;
}

/** A stable hash of the validated config, for lineage. */
export function configHash(config: MlopsConfig): string {
  return sha256(canonicalJson(config));
}

export { formatKeyPath, formatZodIssues };

function describeYamlValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty document';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** Metrics that make sense for a task. */
export function metricsForTask(task: TaskType): readonly string[] {
  if (task === 'binary') return binaryMetricNames;
  if (task === 'multiclass') return multiclassMetricNames;
  return regressionMetricNames;
}

/** The metric that leads reports and ranks sweep candidates when the config names none. */
export function defaultPrimaryMetric(task: TaskType): string {
  if (task === 'binary') return 'auc';
  if (task === 'multiclass') return 'macro_f1';
  return 'rmse';
}

/** Cross-field rules zod cannot express on its own. Returns one message per problem. */
export function checkConfigConsistency(config: MlopsConfig): string[] {
  const problems: string[] = [];
  const featureNames = config.features.map((f) => f.name);
  const seen = new Set<string>();
  config.features.forEach((feature, index) => {
    if (seen.has(feature.name)) problems.push(`features[${index}].name: '${feature.name}' is listed twice`);
    seen.add(feature.name);
    if (feature.name === config.data.target) {
      problems.push(`features[${index}].name: '${feature.name}' is the target (data.target); it cannot also be a feature`);
    }
    if (config.data.ignore_columns.includes(feature.name)) {
      problems.push(`features[${index}].name: '${feature.name}' is also in data.ignore_columns`);
    }
    if (feature.type === 'numeric' && feature.min !== undefined && feature.max !== undefined && feature.min > feature.max) {
      problems.push(`features[${index}]: min (${feature.min}) is greater than max (${feature.max})`);
    }
    if (feature.type === 'categorical') {
      const duplicates = duplicatesOf(feature.vocabulary);
      if (duplicates.length > 0) problems.push(`features[${index}].vocabulary: repeats ${duplicates.map((d) => `'${d}'`).join(', ')}`);
    }
    if (feature.type === 'numeric' && feature.format) {
      const decimal = feature.format.decimal ?? config.data.decimal;
      if (feature.format.group === decimal) problems.push(`features[${index}].format.group: '${decimal}' is also the decimal mark (${feature.format.decimal ? 'format.decimal' : 'data.decimal'})`);
    }
    if (feature.type === 'datetime') problems.push(...dateTimeFeatureProblems(config, feature, index));
  });
  config.data.source?.forEach((source, index) => {
    problems.push(...sourceProblems(source, index));
    if (source.type === 'file' && resolve('/', source.path) === resolve('/', config.data.path)) {
      problems.push(`data.source[${index}].path: '${source.path}' is data.path itself; fetch writes data.path, so a source must be another file (keep the base data elsewhere, e.g. data/base.csv)`);
    }
  });
  if (config.data.window && !config.data.source) problems.push('data.window: needs data.source (the window is applied when `mlops fetch` combines the sources)');
  problems.push(...splitProblems(config));
  if (config.data.ignore_columns.includes(config.data.target)) {
    problems.push(`data.ignore_columns: includes the target '${config.data.target}'`);
  }
  config.slices.forEach((slice, index) => {
    const feature = config.features.find((f) => f.name === slice);
    if (!feature && !config.data.ignore_columns.includes(slice)) {
      problems.push(
        `slices[${index}]: '${slice}' is neither a feature nor in data.ignore_columns; features are ${featureNames.map((n) => `'${n}'`).join(', ')}`,
      );
    } else if (feature !== undefined && feature.type !== 'categorical') {
      problems.push(`slices[${index}]: '${slice}' is ${feature.type}; slices must be categorical columns`);
    }
  });
  const task = config.task;
  if (task.type === 'binary' && task.positive_label === task.negative_label) {
    problems.push(`task.negative_label: must differ from task.positive_label ('${task.positive_label}')`);
  }
  if (task.type === 'multiclass') {
    const duplicates = duplicatesOf(task.classes);
    if (duplicates.length > 0) problems.push(`task.classes: repeats ${duplicates.map((d) => `'${d}'`).join(', ')}`);
  }
  const allowed = metricsForTask(task.type);
  for (const scope of ['overall', 'per_slice'] as const) {
    for (const [metric, rule] of Object.entries(config.gate[scope])) {
      if (!allowed.includes(metric)) {
        problems.push(`gate.${scope}.${metric}: not a ${task.type} metric; use one of ${allowed.join(', ')}`);
      }
      if (rule && rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
        problems.push(`gate.${scope}.${metric}: min (${rule.min}) is greater than max (${rule.max})`);
      }
    }
  }
  for (const metric of Object.keys(config.monitoring.quality.rules ?? {})) {
    if (!allowed.includes(metric)) problems.push(`monitoring.quality.rules.${metric}: not a ${task.type} metric; use one of ${allowed.join(', ')}`);
  }
  if (config.gate.baseline.metric && !allowed.includes(config.gate.baseline.metric)) {
    problems.push(`gate.baseline.metric: '${config.gate.baseline.metric}' is not a ${task.type} metric; use one of ${allowed.join(', ')}`);
  }
  if (config.gate.primary_metric && !allowed.includes(config.gate.primary_metric)) {
    problems.push(`gate.primary_metric: '${config.gate.primary_metric}' is not a ${task.type} metric; use one of ${allowed.join(', ')}`);
  }
  const ids = duplicatesOf(config.sweep.candidates.map((c) => c.id));
  if (ids.length > 0) problems.push(`sweep.candidates: the id${ids.length > 1 ? 's' : ''} ${ids.map((id) => `'${id}'`).join(', ')} ${ids.length > 1 ? 'are' : 'is'} used twice`);
  if (config.split.test_fraction + config.split.validation_fraction * (1 - config.split.test_fraction) >= 0.9) {
    problems.push('split: test_fraction and validation_fraction leave less than 10% of rows for training');
  }
  return problems;
}

/** An ISO 8601 date or datetime, as `age.time` takes it (src/data/datetime-format.ts reads it). */
const isoDateTime = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)?)?$/;

function dateTimeFeatureProblems(config: MlopsConfig, feature: DateTimeFeatureSpec, index: number): string[] {
  const problems: string[] = [];
  const at = `features[${index}]`;
  const { layout, separator } = feature.format;
  if (layout === 'iso' && separator !== '-') problems.push(`${at}.format.separator: ISO 8601 dates use '-', not '${separator}'`);
  if (layout === 'ymd' && separator === '-') problems.push(`${at}.format: year-first dates with '-' are ISO 8601; use layout: iso`);
  const repeated = duplicatesOf(feature.parts);
  if (repeated.length > 0) problems.push(`${at}.parts: repeats ${repeated.map((p) => `'${p}'`).join(', ')}`);
  if (feature.parts.length === 0 && feature.age === undefined) problems.push(`${at}: a datetime feature needs at least one of parts or age`);
  const age = feature.age;
  if (age && 'column' in age) {
    const reference = config.features.find((f) => f.name === age.column);
    if (age.column === feature.name) problems.push(`${at}.age.column: '${age.column}' is the feature itself; name another datetime feature`);
    else if (reference?.type !== 'datetime') {
      const datetimes = config.features.filter((f) => f.type === 'datetime' && f.name !== feature.name).map((f) => `'${f.name}'`);
      problems.push(`${at}.age.column: '${age.column}' is not a datetime feature; ${datetimes.length > 0 ? `datetime features are ${datetimes.join(', ')}` : 'there is no other datetime feature (use age: { time: 2024-12-31 } for a fixed reference)'}`);
    }
  }
  if (age && 'time' in age && (!isoDateTime.test(age.time) || Number.isNaN(Date.parse(age.time.replace(' ', 'T'))))) {
    problems.push(`${at}.age.time: '${age.time}' is not an ISO 8601 date or datetime (e.g. 2024-12-31 or 2024-12-31T00:00:00Z)`);
  }
  return problems;
}

function splitProblems(config: MlopsConfig): string[] {
  const problems: string[] = [];
  const { key_columns: keyColumns, time_column: timeColumn } = config.split;
  if (keyColumns) {
    const repeated = duplicatesOf(keyColumns);
    if (repeated.length > 0) problems.push(`split.key_columns: repeats ${repeated.map((k) => `'${k}'`).join(', ')}`);
  }
  if (timeColumn !== undefined) {
    const feature = config.features.find((f) => f.name === timeColumn);
    if (feature?.type !== 'datetime') {
      const datetimes = config.features.filter((f) => f.type === 'datetime').map((f) => `'${f.name}'`);
      problems.push(
        `split.time_column: '${timeColumn}' is ${feature ? `a ${feature.type} feature` : 'not a feature'}; it must be a datetime feature${datetimes.length > 0 ? ` (${datetimes.join(', ')})` : ' (the config has none)'}`,
      );
    }
    // Streaming assigns each row its split by its key's hash as it reads it; an out-of-time split
    // needs every row's time first, so it trains in memory.
    if (config.training.streaming === 'always') {
      problems.push(`training.streaming: 'always' cannot split by time (split.time_column '${timeColumn}' needs every row's time before any is assigned a split); use 'auto' or 'never', or remove split.time_column`);
    }
  }
  return problems;
}

function duplicatesOf(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) repeated.add(value);
    seen.add(value);
  }
  return [...repeated];
}
