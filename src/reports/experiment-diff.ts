import { lowerIsBetter } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { escapeMarkdownText } from '../evaluation/gate-markdown.js';
import { columnFormat, formatNumber, missingValue, shortHash } from '../core/number-format.js';
import type { ExperimentRecord } from '../registry/registry.js';
import { isVersion } from '../registry/semver.js';

/**
 * Differences between two pipeline runs, like `dvc params diff` plus `dvc metrics diff`: the
 * hyperparameters that changed, every metric with its change, and what the runs were made from.
 */

/** One hyperparameter in either run (flattened to a dotted path). */
export interface ParamDiff {
  name: string;
  /** JSON text of the value, or null when the run has no such parameter. */
  a: string | null;
  b: string | null;
  changed: boolean;
}

/** One metric in either run. */
export interface MetricDiff {
  name: string;
  a: number | null;
  b: number | null;
  /** b − a, when both exist. */
  change: number | null;
  /** Whether the change is an improvement, a regression, or neither (no change or a missing value). */
  direction: 'better' | 'worse' | 'same' | 'n/a';
}

/** A field that describes a run (status, data, code, config). */
export interface FieldDiff {
  name: string;
  a: string;
  b: string;
  changed: boolean;
}

/** Everything `mlops experiments --diff A B` prints. */
export interface ExperimentDiff {
  a: ExperimentRecord;
  b: ExperimentRecord;
  fields: FieldDiff[];
  params: ParamDiff[];
  metrics: MetricDiff[];
}

/**
 * Finds the run a user named: a registered version (`1.2.0`: the run that produced it), a run id,
 * or a unique prefix of a run id. A ConfigError lists what exists when nothing or several match.
 */
export function findExperiment(experiments: readonly ExperimentRecord[], ref: string): ExperimentRecord {
  if (isVersion(ref)) {
    const byVersion = experiments.find((record) => record.version === ref);
    if (byVersion) return byVersion;
    const versions = [...new Set(experiments.map((record) => record.version).filter((v): v is string => v !== null))];
    throw new ConfigError(`No recorded run produced version ${ref}; versions with runs: ${versions.length > 0 ? versions.join(', ') : 'none'}.`);
  }
  const exact = experiments.find((record) => record.run_id === ref);
  if (exact) return exact;
  const prefixed = experiments.filter((record) => record.run_id.startsWith(ref));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) {
    throw new ConfigError(`'${ref}' matches ${prefixed.length} runs (${prefixed.slice(0, 5).map((r) => r.run_id).join(', ')}${prefixed.length > 5 ? ', …' : ''}); give more of the run id.`);
  }
  const recent = experiments.slice(0, 5).map((record) => record.run_id);
  throw new ConfigError(
    `No run or version '${ref}' in the registry's experiments; the newest runs are: ${recent.length > 0 ? recent.join(', ') : 'none'} (see \`mlops experiments\`).`,
  );
}

/** Flattens nested parameters into dotted paths; arrays and scalars are leaves (JSON text). */
export function flattenParams(params: Record<string, unknown>, prefix = ''): Map<string, string> {
  const flat = new Map<string, string>();
  for (const [key, value] of Object.entries(params)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [nested, text] of flattenParams(value as Record<string, unknown>, name)) flat.set(nested, text);
    } else {
      flat.set(name, JSON.stringify(value) ?? 'undefined');
    }
  }
  return flat;
}

/** Compares two runs: A is the baseline, B the new one (changes are B − A). */
export function diffExperiments(a: ExperimentRecord, b: ExperimentRecord): ExperimentDiff {
  const text = (value: string | number | boolean | null | undefined): string => (value === null || value === undefined ? missingValue : String(value));
  const code = (record: ExperimentRecord): string => (record.commit === null ? missingValue : `${shortHash(record.commit)}${record.dirty ? '+' : ''}`);
  const fieldValues: [string, string, string][] = [
    ['status', a.status, b.status],
    ['version', text(a.version), text(b.version)],
    ['started', a.started_at, b.started_at],
    ['data', `${a.data_path} ${shortHash(a.data_sha256)}`, `${b.data_path} ${shortHash(b.data_sha256)}`],
    ['commit', code(a), code(b)],
    ['config sha256', a.config_sha256.slice(0, 12), b.config_sha256.slice(0, 12)],
    ['backend', text(a.backend), text(b.backend)],
    ['champion then', text(a.champion_version), text(b.champion_version)],
    ['gate', text(a.gate_summary), text(b.gate_summary)],
  ];
  const fields = fieldValues.map(([name, va, vb]) => ({ name, a: va, b: vb, changed: name !== 'started' && va !== vb }));

  const paramsA = flattenParams(a.params);
  const paramsB = flattenParams(b.params);
  const paramNames = [...new Set([...paramsA.keys(), ...paramsB.keys()])].sort();
  const params = paramNames.map((name) => {
    const va = paramsA.get(name) ?? null;
    const vb = paramsB.get(name) ?? null;
    return { name, a: va, b: vb, changed: va !== vb };
  });

  const metricNames = [...new Set([a.primary_metric, ...Object.keys(a.metrics), ...Object.keys(b.metrics)])].filter(
    (name) => name in a.metrics || name in b.metrics,
  );
  const metrics = metricNames.map((name) => {
    const va = a.metrics[name] ?? null;
    const vb = b.metrics[name] ?? null;
    const change = va !== null && vb !== null ? vb - va : null;
    let direction: MetricDiff['direction'] = 'n/a';
    if (change !== null) direction = change === 0 ? 'same' : (change < 0) === lowerIsBetter.has(name) ? 'better' : 'worse';
    return { name, a: va, b: vb, change, direction };
  });
  return { a, b, fields, params, metrics };
}

function formatChange(metric: MetricDiff): string {
  const arrow = metric.direction === 'better' ? ' ▲' : metric.direction === 'worse' ? ' ▼' : '';
  return `${formatNumber(metric.change, { ...columnFormat, signed: true })}${arrow}`;
}

/** The diff's rows as cells: one table of fields, one of changed parameters, one of metrics. */
export function experimentDiffTables(diff: ExperimentDiff, options: { allParams?: boolean } = {}): {
  fields: string[][];
  params: string[][];
  unchangedParams: number;
  metrics: string[][];
} {
  const params = diff.params.filter((param) => options.allParams === true || param.changed);
  return {
    fields: diff.fields.map((field) => [field.name, field.a, field.b, field.changed ? '≠' : '']),
    params: params.map((param) => [param.name, param.a ?? missingValue, param.b ?? missingValue, param.changed ? '≠' : '']),
    unchangedParams: diff.params.filter((param) => !param.changed).length,
    metrics: diff.metrics.map((metric) => [metric.name, formatNumber(metric.a, columnFormat), formatNumber(metric.b, columnFormat), formatChange(metric)]),
  };
}

/**
 * The diff as GitHub Markdown (like `dvc metrics diff --md`): metrics first, then the changed
 * parameters and the run fields. Free text is escaped; ▲ marks an improvement, ▼ a regression.
 */
export function renderExperimentDiffMarkdown(diff: ExperimentDiff, options: { allParams?: boolean } = {}): string {
  const tables = experimentDiffTables(diff, options);
  const a = diff.a.run_id;
  const b = diff.b.run_id;
  const row = (cells: string[]): string => `| ${cells.map((cell) => escapeMarkdownText(cell)).join(' | ')} |`;
  const table = (header: string[], rows: string[][]): string[] => [row(header), `|${header.map(() => ' --- |').join('')}`, ...rows.map(row)];
  const sections = [
    `### Runs compared: \`${diff.a.run_id.replace(/`/g, "'")}\` → \`${diff.b.run_id.replace(/`/g, "'")}\``,
    table(['Metric', a, b, 'Change'], tables.metrics).join('\n'),
    '_Change is B − A; ▲ better, ▼ worse._',
  ];
  if (tables.params.length > 0) sections.push(table(['Parameter', a, b, ''], tables.params).join('\n'));
  if (options.allParams !== true && tables.unchangedParams > 0) {
    sections.push(`_${tables.unchangedParams} parameter${tables.unchangedParams === 1 ? '' : 's'} unchanged._`);
  }
  sections.push(table(['Run', a, b, ''], tables.fields).join('\n'));
  return `${sections.join('\n\n')}\n`;
}
