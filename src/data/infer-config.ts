import { open } from 'node:fs/promises';
import { basename, dirname, extname, relative, resolve, sep } from 'node:path';
import type { InferenceNotes } from '../config/config-yaml.js';
import { modelSchema, type FeatureSpec, type MlopsConfigInput, type TaskType } from '../config/schema.js';
import { ConfigError, DataError, type DataIssue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { readCsv } from './csv-source.js';
import { ColumnStats, defaultMissingValues, featureFor, ignoreReason, validationDefaults } from './infer-columns.js';
import { defaultGate, inferTask, pickSlices } from './infer-task.js';
import { findDuplicateColumns, listNames, missingValuesOf } from './row-schema.js';

/**
 * `mlops init`: infers a config from a CSV, like TFDV's schema inference. One streaming pass
 * collects per-column statistics (through the same CSV reader and number parser as validation);
 * pure functions then decide each column's type and domain, the task and its labels, the slices
 * and the gate; `renderConfigYaml` (src/config/config-yaml.ts) writes it as commented YAML that loads and validates
 * against the same file without edits.
 */

/** Options of {@link inferConfig}. */
export interface InferConfigOptions {
  /** The CSV, as the user typed it (relative to the working directory) or absolute. */
  dataPath: string;
  /** Where the config will be written; `data.path` is stored relative to its folder. */
  configPath: string;
  /** The column to predict. */
  target: string;
  /** Overrides task inference. */
  task?: TaskType;
  logger: Logger;
}

/** The inferred config and the notes that explain it. */
export interface InferredConfig {
  config: MlopsConfigInput;
  notes: InferenceNotes;
}

/** A model name from the data file name: lowercase letters, digits and dashes. */
export function modelNameFor(dataPath: string): string {
  const stem = basename(dataPath, extname(dataPath))
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return stem || 'model';
}

/** `data.path` for the config: the data file relative to the config's folder, with forward slashes. */
export function dataPathForConfig(dataPath: string, configPath: string): string {
  const path = relative(dirname(resolve(configPath)), resolve(dataPath));
  return path.split(sep).join('/');
}

/** Delimiters `mlops init` recognises, most common first (ties go to the earlier one). */
export const delimiterCandidates: readonly string[] = [',', ';', '\t', '|'];

/**
 * The delimiter of a CSV's header line: the candidate that occurs most often outside quotes in
 * the first line (a comma when none does).
 */
export function sniffDelimiter(text: string): string {
  const counts = new Map(delimiterCandidates.map((d) => [d, 0]));
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}

async function readHead(path: string, bytes = 65_536): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    // readCsv reports an unreadable file with a proper message.
    return '';
  }
}

/**
 * Reads a CSV and infers a config for it: column types and domains, ignored columns (with
 * reasons), the task and its labels, slices and gate rules. Throws ConfigError when the target is
 * not a column or cannot be predicted, DataError when the file is not a usable CSV.
 */
export async function inferConfig(options: InferConfigOptions): Promise<InferredConfig> {
  const { logger } = options;
  const isMissing = missingValuesOf(defaultMissingValues).has;
  let header: string[] = [];
  let stats: ColumnStats[] = [];
  const problems: DataIssue[] = [];
  const delimiter = sniffDelimiter(await readHead(options.dataPath));
  const summary = await readCsv(options.dataPath, {
    delimiter,
    trim: true,
    displayName: options.dataPath,
    onHeader: (cells) => {
      header = [...cells];
      stats = header.map(() => new ColumnStats(isMissing));
    },
    onRow: (cells) => {
      for (let i = 0; i < cells.length; i++) stats[i]!.add(cells[i]!);
    },
    onIssue: (issue) => {
      problems.push(issue);
    },
  });
  const errors = problems.filter((issue) => issue.severity === 'error');
  if (errors.length > 0 || header.length === 0) {
    const shown = errors.slice(0, 10).map((issue) => `  - ${issue.message}`);
    throw new DataError(`Cannot infer a config from ${options.dataPath}:\n${shown.join('\n')}`, errors, options.dataPath);
  }
  const rows = summary.rows;
  const unnamed = header.findIndex((name) => name === '');
  if (unnamed >= 0) throw new ConfigError(`Column ${unnamed + 1} of ${options.dataPath} has no name in the header; name every column first.`);
  const duplicates = findDuplicateColumns(header);
  if (duplicates.length > 0) {
    throw new ConfigError(
      `${options.dataPath} repeats column names (after trimming spaces): ${duplicates.map((d) => `"${d.name}" at columns ${d.positions.join(', ')}`).join('; ')}; make them unique first.`,
    );
  }
  const targetIndex = header.indexOf(options.target.trim());
  if (targetIndex < 0) {
    throw new ConfigError(`Invalid target '${options.target}': not a column of ${options.dataPath}; columns are ${listNames(header, 50)}.`);
  }
  const target = header[targetIndex]!;
  const targetStats = stats[targetIndex]!;
  const { task, reason: taskReason } = inferTask(target, targetStats, options.task);

  const warnings: string[] = [];
  if (targetStats.missing > 0) {
    warnings.push(`${targetStats.missing} rows have no value in the target column "${target}": validation rejects them until they are filled or removed.`);
  }
  if (rows < validationDefaults.min_rows) {
    warnings.push(`Only ${rows} rows: validation needs at least ${validationDefaults.min_rows} (validation.min_rows) to split into training, validation and test sets.`);
  }

  const ignored: Record<string, string> = {};
  const features: FeatureSpec[] = [];
  header.forEach((name, i) => {
    if (i === targetIndex) return;
    const reason = ignoreReason(name, stats[i]!, rows);
    if (reason) ignored[name] = reason;
    else features.push(featureFor(name, stats[i]!, rows));
  });
  if (features.length === 0) {
    throw new ConfigError(`No column of ${options.dataPath} is usable as a feature: ${Object.entries(ignored).map(([name, why]) => `"${name}" (${why})`).join(', ') || 'the file has only the target column'}.`);
  }
  const { slices, reason: sliceReason } = pickSlices(features);
  const { gate, reason: gateReason } = defaultGate(task, targetStats);
  const source = dataPathForConfig(options.dataPath, options.configPath);
  const config: MlopsConfigInput = {
    version: 1,
    name: modelNameFor(options.dataPath),
    description: `Predicts ${target} from ${basename(options.dataPath)}.`,
    data: {
      path: source,
      target,
      missing_values: [...defaultMissingValues],
      trim: true,
      ignore_columns: Object.keys(ignored),
      delimiter,
    },
    task,
    features,
    slices,
    split: { test_fraction: 0.2, validation_fraction: 0.1, seed: 42 },
    validation: { ...validationDefaults },
    model: modelSchema.parse({}),
    gate,
    registry: { path: '.mlops/registry' },
  };
  for (const warning of warnings) logger.warn(warning, { file: options.dataPath });
  logger.info(
    `Inferred from ${options.dataPath} (${rows} rows): ${task.type} task on "${target}", ${features.length} features, ${Object.keys(ignored).length} ignored columns.`,
  );
  return {
    config,
    notes: {
      source,
      rows,
      columns: header.length,
      inferredAt: new Date().toISOString(),
      ignored,
      task: taskReason,
      slices: sliceReason,
      gate: gateReason,
      warnings,
    },
  };
}
