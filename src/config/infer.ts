import { open } from 'node:fs/promises';
import { basename, dirname, extname, relative, resolve, sep } from 'node:path';
import { Document, isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { ConfigError, DataError, type DataIssue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { readCsv } from '../data/csv-source.js';
import { findDuplicateColumns, listNames, missingValuesOf, parseNumber } from '../data/row-schema.js';
import { configSchema, modelSchema, type FeatureSpec, type MetricRule, type MlopsConfigInput, type TaskType } from './schema.js';

/**
 * `mlops init`: infers a config from a CSV, like TFDV's schema inference. One streaming pass
 * collects per-column statistics (through the same CSV reader and number parser as validation);
 * pure functions then decide each column's type and domain, the task and its labels, the slices
 * and the gate; {@link renderConfigYaml} writes it as commented YAML that loads and validates
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

/** What inference decided and why, for the comments of the written file. */
export interface InferenceNotes {
  /** The data file as written in `data.path`. */
  source: string;
  rows: number;
  columns: number;
  /** When the file was read (ISO 8601). */
  inferredAt: string;
  /** Ignored column → why it is ignored. */
  ignored: Record<string, string>;
  /** How the task and its labels were chosen. */
  task: string;
  /** How the slices were chosen. */
  slices: string;
  /** What the gate rules mean. */
  gate: string;
  /** Things the user should look at (they become comments at the top of the file). */
  warnings: string[];
}

/** The inferred config and the notes that explain it. */
export interface InferredConfig {
  config: MlopsConfigInput;
  notes: InferenceNotes;
}

/** Distinct values remembered per column; beyond this a column is an identifier or free text. */
export const maxTrackedValues = 10_000;
/** Largest vocabulary inferred for a categorical feature (each value is one input of the network). */
export const maxVocabulary = 1000;
/** A target with more classes than this is not inferred as multiclass. */
export const maxInferredClasses = 100;
/** A numeric target with more distinct values than this is inferred as regression. */
export const regressionDistinctThreshold = 20;
/** Slices are categorical features with this many values. */
export const sliceValueRange = { min: 2, max: 12 } as const;
/** Column names that suggest a business segment, preferred as slices. */
export const segmentNamePattern = /contract|region|segment|type|category|group/i;
/** Target values taken as the positive class of a binary task (compared case-insensitively). */
export const positiveLabelWords: readonly string[] = ['yes', 'true', '1', 'positive'];

const defaults = configSchema.shape.validation.parse(undefined);
const defaultMissingValues = ['', 'NA', 'N/A'];

/** Streaming statistics of one column, as inference needs them. */
export class ColumnStats {
  /** Non-missing cells. */
  count = 0;
  missing = 0;
  /** Whether every non-missing cell so far is a finite number. */
  numeric = true;
  /** Whether every number so far is whole. */
  integer = true;
  min = Infinity;
  max = -Infinity;
  /** The first cell that is not a number, for messages. */
  firstText: string | null = null;
  /** Value → count, up to {@link maxTrackedValues} distinct values. */
  readonly values = new Map<string, number>();
  /** True when the column had more distinct values than are tracked. */
  overflow = false;
  private mean = 0;
  private m2 = 0;

  constructor(private readonly isMissing: (cell: string) => boolean) {}

  add(cell: string): void {
    if (this.isMissing(cell)) {
      this.missing++;
      return;
    }
    this.count++;
    if (this.numeric) {
      const value = parseNumber(cell);
      if (typeof value === 'number') {
        if (value < this.min) this.min = value;
        if (value > this.max) this.max = value;
        if (!Number.isInteger(value)) this.integer = false;
        const delta = value - this.mean;
        this.mean += delta / this.count;
        this.m2 += delta * (value - this.mean);
      } else {
        this.numeric = false;
        this.firstText = cell;
      }
    }
    const seen = this.values.get(cell);
    if (seen !== undefined) this.values.set(cell, seen + 1);
    else if (this.values.size < maxTrackedValues) this.values.set(cell, 1);
    else this.overflow = true;
  }

  /** Distinct non-missing values (a lower bound when {@link overflow}). */
  get distinct(): number {
    return this.values.size;
  }

  /** Population standard deviation of a numeric column. */
  get std(): number {
    return this.count === 0 ? 0 : Math.sqrt(this.m2 / this.count);
  }

  /** Values sorted by frequency (most frequent first), then by value. */
  valuesByFrequency(): string[] {
    return [...this.values].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0])).map(([value]) => value);
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits a column name into lowercase words: `customerID` → customer, id; `Individual ID` → individual, id. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Whether a column name says it is an identifier (a word id, uuid, guid or key). */
export function looksLikeIdentifierName(name: string): boolean {
  return nameWords(name).some((word) => word === 'id' || word === 'uuid' || word === 'guid');
}

function share(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(1)}%`;
}

/** Why a (non-target) column is ignored, or null when it is a usable feature. */
export function ignoreReason(name: string, stats: ColumnStats, rows: number): string | null {
  if (stats.count === 0) return 'always missing';
  const missingFraction = stats.missing / rows;
  if (missingFraction > defaults.max_missing_fraction) {
    return `mostly missing (${share(stats.missing, rows)} of rows; validation.max_missing_fraction is ${defaults.max_missing_fraction})`;
  }
  if (!stats.overflow && stats.distinct === 1) return `constant: every value is ${JSON.stringify(stats.values.keys().next().value)}`;
  if (looksLikeIdentifierName(name) && (stats.overflow || stats.distinct === stats.count)) {
    return `identifier: the name says so and all ${stats.overflow ? `${maxTrackedValues.toLocaleString('en-US')}+` : stats.count.toLocaleString('en-US')} values are distinct`;
  }
  if (stats.numeric) return null;
  if (stats.overflow || (stats.distinct > 50 && stats.distinct / stats.count > 0.9)) {
    return `identifier-like: ${stats.overflow ? `more than ${maxTrackedValues.toLocaleString('en-US')}` : stats.distinct.toLocaleString('en-US')} distinct values in ${stats.count.toLocaleString('en-US')} rows`;
  }
  if (stats.distinct > maxVocabulary) {
    return `too many distinct values (${stats.distinct.toLocaleString('en-US')}) for a one-hot encoding (at most ${maxVocabulary})`;
  }
  return null;
}

/** 4 decimals: enough for a documentation field, short in YAML. */
function roundFraction(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The feature a usable column becomes. */
export function featureFor(name: string, stats: ColumnStats, rows: number): FeatureSpec {
  const missing_fraction = roundFraction(stats.missing / rows);
  if (stats.numeric) return { name, type: 'numeric', min: stats.min, max: stats.max, integer: stats.integer, missing_fraction };
  return { name, type: 'categorical', vocabulary: stats.valuesByFrequency(), missing_fraction };
}

/** A task with the reason it was chosen. */
export interface InferredTask {
  task: MlopsConfigInput['task'];
  reason: string;
}

/**
 * Chooses the task from the target's values: 2 distinct values → binary; a numeric target with
 * more than 20 distinct values → regression; otherwise multiclass (3 to 100 classes). An
 * explicit task is checked against the values instead. Errors are ConfigErrors that say what to
 * do.
 */
export function inferTask(target: string, stats: ColumnStats, requested?: TaskType): InferredTask {
  const distinct = stats.distinct;
  if (stats.count === 0) throw new ConfigError(`The target column "${target}" has no values: every cell is missing.`);
  if (distinct === 1) {
    throw new ConfigError(
      `The target column "${target}" has a single value (${JSON.stringify(stats.values.keys().next().value)}) in all ${stats.count} rows; a model needs at least two. Choose another --target.`,
    );
  }
  const type: TaskType = requested ?? (distinct === 2 ? 'binary' : stats.numeric && (stats.overflow || distinct > regressionDistinctThreshold) ? 'regression' : 'multiclass');
  const how = requested ? `--task ${requested}` : 'inferred';
  if (type === 'regression') {
    if (!stats.numeric) {
      throw new ConfigError(`--task regression needs a numeric target, but column "${target}" holds ${JSON.stringify(stats.firstText)}.`);
    }
    return { task: { type: 'regression' }, reason: `regression (${how}: a numeric target with ${stats.overflow ? 'many' : distinct} distinct values).` };
  }
  if (type === 'binary') {
    if (distinct !== 2) {
      throw new ConfigError(`--task binary needs a target with exactly 2 values, but column "${target}" has ${stats.overflow ? 'thousands of' : distinct}; use --task multiclass or regression.`);
    }
    const labels = [...stats.values].sort((a, b) => a[1] - b[1] || compareText(a[0], b[0]));
    const conventional = labels.find(([label]) => positiveLabelWords.includes(label.toLowerCase()));
    const [positive, positiveCount] = conventional ?? labels[0]!;
    const negative = labels.find(([label]) => label !== positive)![0];
    const why = conventional
      ? `${JSON.stringify(positive)} is a conventional positive value`
      : `${JSON.stringify(positive)} is the minority class (no value reads as yes/true/1/positive)`;
    return {
      task: { type: 'binary', positive_label: positive, negative_label: negative, threshold: 0.5 },
      reason: `binary (${how}: 2 distinct values). Positive label ${JSON.stringify(positive)} (${share(positiveCount, stats.count)} of rows): ${why}. Swap the labels if the other value is the event to predict.`,
    };
  }
  if (distinct < 3) throw new ConfigError(`--task multiclass needs at least 3 classes, but column "${target}" has ${distinct}; use --task binary.`);
  if (stats.overflow || distinct > maxInferredClasses) {
    throw new ConfigError(
      `The target column "${target}" has ${stats.overflow ? 'more than ' + maxTrackedValues.toLocaleString('en-US') : distinct} distinct values: too many classes for a classifier (at most ${maxInferredClasses} are inferred). ${stats.numeric ? 'If it is a quantity, pass --task regression.' : 'Choose another --target.'}`,
    );
  }
  return {
    task: { type: 'multiclass', classes: stats.valuesByFrequency() },
    reason: `multiclass (${how}: ${distinct} classes, listed most frequent first).`,
  };
}

/**
 * Picks up to 2 slice columns: categorical features with 2–12 values, those whose name suggests a
 * segment (contract, region, segment, type, category, group) first, then in column order.
 */
export function pickSlices(features: readonly FeatureSpec[]): { slices: string[]; reason: string } {
  const candidates = features.filter(
    (f): f is Extract<FeatureSpec, { type: 'categorical' }> =>
      f.type === 'categorical' && f.vocabulary.length >= sliceValueRange.min && f.vocabulary.length <= sliceValueRange.max,
  );
  const preferred = candidates.filter((f) => segmentNamePattern.test(f.name));
  const slices = [...preferred, ...candidates.filter((f) => !preferred.includes(f))].slice(0, 2).map((f) => f.name);
  const rule = `categorical features with ${sliceValueRange.min}–${sliceValueRange.max} values, names suggesting a segment (contract, region, segment, type, category, group) first, then in column order; at most 2`;
  return { slices, reason: slices.length > 0 ? `Chosen by rule: ${rule}.` : `No column fits the rule (${rule}); add slice columns by hand.` };
}

/** Rounds to 2 significant digits: a readable tolerance. */
export function roundSignificant(value: number, digits = 2): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const scale = 10 ** (digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}

/** Gate rules that suit the task and the data, with their explanation. */
export function defaultGate(task: MlopsConfigInput['task'], target: ColumnStats): { gate: NonNullable<MlopsConfigInput['gate']>; reason: string } {
  if (task.type === 'binary') {
    return {
      gate: { primary_metric: 'auc', overall: { auc: { min: 0.7, max_regression: 0.02 } }, per_slice: { auc: { max_regression: 0.05 } } },
      reason: 'A candidate must reach AUC 0.70 on the test split and lose at most 0.02 AUC against the champion overall, 0.05 within any slice of at least min_slice_rows test rows.',
    };
  }
  if (task.type === 'multiclass') {
    const majority = Math.max(...target.values.values()) / target.count;
    const floor = Math.floor(majority * 100) / 100;
    const overall: Record<string, MetricRule> = { accuracy: { min: floor }, macro_f1: { max_regression: 0.02 } };
    return {
      gate: { primary_metric: 'macro_f1', overall, per_slice: { macro_f1: { max_regression: 0.05 } } },
      reason: `A candidate must beat always predicting the most frequent class (accuracy ${floor}, rounded down) and lose at most 0.02 macro-F1 against the champion overall, 0.05 within any slice.`,
    };
  }
  const tolerance = roundSignificant(0.05 * target.std);
  return {
    gate: { primary_metric: 'rmse', overall: { r2: { min: 0 }, rmse: { max_regression: tolerance } }, per_slice: {} },
    reason: `A candidate must do better than predicting the mean (R² ≥ 0) and its RMSE may rise at most ${tolerance} against the champion: 5% of the target's standard deviation (${roundSignificant(target.std, 4)}), rounded.`,
  };
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
  if (rows < defaults.min_rows) {
    warnings.push(`Only ${rows} rows: validation needs at least ${defaults.min_rows} (validation.min_rows) to split into training, validation and test sets.`);
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
    validation: { ...defaults },
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

/** Strings YAML 1.1 tools would read as booleans; quoted so that every reader sees text. */
const yaml11Booleans = /^(y|yes|n|no|true|false|on|off)$/i;

function quoteAmbiguous(node: unknown): void {
  if (isScalar(node)) {
    if (typeof node.value === 'string' && yaml11Booleans.test(node.value)) node.type = 'QUOTE_DOUBLE';
  } else if (isSeq(node)) {
    for (const item of node.items) quoteAmbiguous(item);
  } else if (isMap(node)) {
    for (const pair of node.items) quoteAmbiguous(pair.value);
  }
}

function keyPair(map: YAMLMap, key: string): Pair<Scalar, Node> | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key) as Pair<Scalar, Node> | undefined;
}

/** Comment lines for YAML (the package adds the `#`), wrapped at about 96 columns. */
function commentLines(...paragraphs: string[]): string {
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + word.length + 1 > 96) {
        lines.push(` ${line}`);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(` ${line}`);
  }
  return lines.join('\n');
}

/**
 * Renders an inferred config as YAML with comments that explain each section: what its keys
 * mean and, for the inferred parts, that they were inferred when, from which file, from how many
 * rows, and by which rule. Values YAML could misread (column names like `null` or `123`,
 * `yes`/`no` labels) are quoted.
 */
export function renderConfigYaml(config: MlopsConfigInput, notes: InferenceNotes): string {
  const document = new Document(config);
  const root = document.contents as YAMLMap;
  quoteAmbiguous(root);
  const date = notes.inferredAt.slice(0, 10);
  const rows = notes.rows.toLocaleString('en-US');
  document.commentBefore = commentLines(
    'mlops.config.yaml: what to train on and how to judge the result. Every key is documented in src/config/schema.ts.',
    `Written by \`mlops init\` on ${date} from ${notes.source} (${rows} rows, ${notes.columns} columns). The types, vocabularies and ranges below were inferred from that file: edit them freely, then check with \`mlops validate\`.`,
    ...notes.warnings.map((warning) => `WARNING: ${warning}`),
  );
  const comment = (key: string, text: string, spaceBefore = true) => {
    const pair = keyPair(root, key);
    if (!pair) return;
    pair.key.commentBefore = text;
    pair.key.spaceBefore = spaceBefore;
  };
  comment('name', commentLines('Names the model in model cards, releases and container images.'), false);
  comment(
    'data',
    commentLines(
      'The training data. path is relative to this file; missing_values are the cells that mean "missing" (compared after trimming spaces when trim is true); ignore_columns are in the file but not used.',
    ),
  );
  const data = root.get('data', true);
  if (isMap(data)) {
    const ignoredList = data.get('ignore_columns', true);
    if (isSeq(ignoredList)) {
      for (const item of (ignoredList as YAMLSeq).items) {
        if (isScalar(item) && typeof item.value === 'string' && notes.ignored[item.value]) item.comment = ` ${notes.ignored[item.value]}`;
      }
    }
  }
  comment('task', commentLines(`The task: ${notes.task}`));
  comment(
    'features',
    commentLines(
      `The model's inputs, inferred on ${date} from ${notes.source} with ${rows} rows (like TFDV's schema inference): a column is numeric when every non-missing value is a finite number, categorical otherwise.`,
      'numeric: min and max are the range seen (values outside are domain warnings in validation); integer and missing_fraction describe what was seen.',
      'categorical: the vocabulary is every value seen, most frequent first; other values are domain warnings and use an out-of-vocabulary input.',
    ),
  );
  comment('slices', commentLines('Columns whose values define slices: metrics and gate rules are reported for each value.', notes.slices));
  comment('split', commentLines('Each row goes to a split by a seeded hash of its content, so the split does not depend on row order.'));
  comment(
    'validation',
    commentLines('What `mlops validate` rejects: more missing cells than max_missing_fraction in a column, fewer than min_rows valid rows. domain_violations: warning or error for values outside a feature\'s range or vocabulary.'),
  );
  comment('model', commentLines('The network: dense layers trained with early stopping on the validation split; the defaults, spelled out to tune.'));
  comment('gate', commentLines('When a candidate model may replace the champion.', notes.gate));
  comment('registry', commentLines('Where model versions are stored (gitignored).'));
  return document.toString({ lineWidth: 0 });
}
