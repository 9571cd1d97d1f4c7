import { z } from 'zod';
import type { FeatureSpec, MlopsConfig } from '../config/schema.js';
import type { DataIssue } from '../core/errors.js';
import { compileDateTimeParser } from './datetime-format.js';
import { dateTimeFormatOf, numberFormatOf } from './feature-formats.js';
import { compileNumberParser, isPlainNumberFormat, parseNumber, type NumberProblem } from './number-cell.js';

/**
 * The row schema derived from the config: how each cell of a CSV row is read and checked. This
 * is the single source of truth for cell parsing — validation, dataset loading and `mlops init`
 * all read cells through it.
 *
 * Why compiled parsers instead of a zod object per row: validation must run at half the speed of
 * a bare csv-parse pass or better. Measured on a 200,000-row copy of the telco schema (medians of
 * 6 runs, Node 20, a shared 2-core VM): bare csv-parse 2.68 s; csv-parse plus these compiled
 * parsers 2.59 s (within the noise); csv-parse plus a zod v4 `z.object` of per-cell
 * `z.string().transform(...)` schemas 4.65 s (+75%, with no line numbers and no profile); the
 * whole validation (hashing, UTF-8 check, line tracking, parsing, profile) 3.68 s, 73% of the
 * bare rate. So the schema is compiled once per header into typed arrays and a loop over a small
 * `kind` table that fills preallocated buffers: a valid row allocates nothing beyond what
 * csv-parse already did. zod still describes the shape of parsed values
 * ({@link featureValuesSchema}) where a boundary needs it.
 */

export { parseNumber, type NumberProblem };

/** Decides whether a cell means "missing": one of `data.missing_values`, compared as read (trimmed when `data.trim`). */
export interface MissingValues {
  has(cell: string): boolean;
}

/** A fast membership test for `data.missing_values`: cells longer than every token skip the lookup. */
export function missingValuesOf(tokens: readonly string[]): MissingValues {
  const set = new Set(tokens);
  const longest = tokens.reduce((max, token) => Math.max(max, token.length), 0);
  return { has: (cell: string) => cell.length <= longest && set.has(cell) };
}

/** Code of a categorical cell that is missing. */
export const missingCode = -1;
/** Code of a categorical cell whose value is not in the vocabulary (the OOV slot). */
export const outOfVocabularyCode = -2;

/** Where the config's columns are in a particular file's header. */
export interface HeaderBinding {
  /** Header names as read (trimmed when `data.trim`). */
  header: readonly string[];
  /** For each configured feature, in config order: its column index in the header. */
  featureColumns: Int32Array;
  targetColumn: number;
  /** For each of `config.slices`: its column index, or -1 when the file lacks it. */
  sliceColumns: Int32Array;
}

function headerIssue(code: string, line: number, message: string, column?: string, severity: DataIssue['severity'] = 'error'): DataIssue {
  return { code, severity, line, ...(column !== undefined ? { column } : {}), message };
}

/** Lists names as `"a", "b", "c"`, cut after `limit`. */
export function listNames(names: readonly string[], limit = 25): string {
  const shown = names.slice(0, limit).map((name) => JSON.stringify(name));
  return names.length > limit ? `${shown.join(', ')} and ${names.length - limit} more` : shown.join(', ');
}

/** Header names that occur more than once, each with its 1-based positions. */
export function findDuplicateColumns(header: readonly string[]): { name: string; positions: number[] }[] {
  const positions = new Map<string, number[]>();
  header.forEach((name, index) => {
    const list = positions.get(name);
    if (list) list.push(index + 1);
    else positions.set(name, [index + 1]);
  });
  return [...positions].filter(([, list]) => list.length > 1).map(([name, list]) => ({ name, positions: list }));
}

/** When the whole header is one column holding another delimiter, says so. */
function delimiterHint(header: readonly string[], delimiter: string): string {
  if (header.length !== 1) return '';
  const found = [',', ';', '\t', '|'].find((candidate) => candidate !== delimiter && header[0]!.includes(candidate));
  return found ? ` (one column: the file seems to use ${JSON.stringify(found)} as its delimiter; set data.delimiter)` : '';
}

function closeMatch(name: string, header: readonly string[]): string | undefined {
  const folded = name.trim().toLowerCase().replace(/[\s_-]+/g, '');
  return header.find((candidate) => candidate.trim().toLowerCase().replace(/[\s_-]+/g, '') === folded);
}

/**
 * Matches a file's header against the config. Every problem is an issue on the header line:
 * columns without a name, duplicate names, a missing target or feature, a missing slice column,
 * and unknown columns (neither feature, target nor in `data.ignore_columns`). Columns named in
 * `data.ignore_columns` that the file lacks are not a problem. Returns a binding (null when the
 * target or a feature is missing, so rows cannot be read) and the issues.
 */
export function bindHeader(config: MlopsConfig, header: readonly string[], line = 1): { binding: HeaderBinding | null; issues: DataIssue[] } {
  const issues: DataIssue[] = [];
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') issues.push(headerIssue('empty-column-name', line, `line ${line}: column ${i + 1} has no name; every column needs a header`));
    if (!index.has(name)) index.set(name, i);
  });
  for (const duplicate of findDuplicateColumns(header)) {
    if (duplicate.name === '') continue;
    issues.push(
      headerIssue(
        'duplicate-column',
        line,
        `line ${line}: column "${duplicate.name}" appears ${duplicate.positions.length} times (columns ${duplicate.positions.join(', ')}${config.data.trim ? ', after trimming spaces' : ''}); column names must be unique`,
        duplicate.name,
      ),
    );
  }
  const columnList = listNames(header) + delimiterHint(header, config.data.delimiter);
  let bindable = true;
  const locate = (name: string, code: string, what: string): number => {
    const at = index.get(name);
    if (at !== undefined) return at;
    const near = closeMatch(name, header);
    issues.push(
      headerIssue(code, line, `line ${line}: ${what} "${name}" is not a column of the file${near ? ` (did you mean "${near}"?)` : ''}; columns are ${columnList}`, name),
    );
    return -1;
  };
  const targetColumn = locate(config.data.target, 'missing-target-column', 'the target column');
  if (targetColumn < 0) bindable = false;
  const featureColumns = new Int32Array(config.features.length);
  config.features.forEach((feature, i) => {
    featureColumns[i] = locate(feature.name, 'missing-feature-column', `the ${feature.type} feature`);
    if (featureColumns[i]! < 0) bindable = false;
  });
  const sliceColumns = new Int32Array(config.slices.length);
  config.slices.forEach((slice, i) => {
    sliceColumns[i] = index.get(slice) ?? -1;
    if (sliceColumns[i] === -1 && !config.features.some((f) => f.name === slice)) {
      issues.push(headerIssue('missing-slice-column', line, `line ${line}: the slice column "${slice}" (slices[${i}]) is not a column of the file; columns are ${columnList}`, slice));
    }
  });
  const known = new Set<string>([config.data.target, ...config.features.map((f) => f.name), ...config.data.ignore_columns]);
  for (const name of header) {
    if (name === '' || known.has(name)) continue;
    known.add(name);
    issues.push(
      headerIssue(
        'unknown-column',
        line,
        `line ${line}: column "${name}" is not a feature, the target or in data.ignore_columns; add it to features (to use it) or to data.ignore_columns (to ignore it)`,
        name,
      ),
    );
  }
  return { binding: bindable ? { header, featureColumns, targetColumn, sliceColumns } : null, issues };
}

/** Plain numbers (`parseNumber`, the fast path), numbers in a column format, categories, dates. */
const kindNumeric = 0;
const kindCategorical = 1;
const kindFormattedNumber = 2;
const kindDateTime = 3;

/** Reads a cell into a number (a datetime: epoch ms), or says why it cannot. */
type CellReader = (cell: string) => number | string;

function kindOf(feature: FeatureSpec, config: MlopsConfig): number {
  if (feature.type === 'categorical') return kindCategorical;
  if (feature.type === 'datetime') return kindDateTime;
  return isPlainNumberFormat(numberFormatOf(feature, config.data.decimal)) ? kindNumeric : kindFormattedNumber;
}

function readerOf(feature: FeatureSpec, config: MlopsConfig): CellReader | null {
  if (feature.type === 'datetime') return compileDateTimeParser(dateTimeFormatOf(feature));
  if (feature.type === 'numeric') return compileNumberParser(numberFormatOf(feature, config.data.decimal));
  return null;
}

/** Receives the issues a row parser finds. */
export type IssueSink = (issue: DataIssue) => void;

/** Shows a cell value in a message: JSON-quoted (so spaces show), cut when long. */
export function showValue(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
}

function describeVocabulary(vocabulary: readonly string[]): string {
  return listNames(vocabulary, 8);
}

/**
 * A row schema compiled for one header: parses the cells of a row into preallocated buffers and
 * reports every problem in the row. Reuse one instance for all rows; read the buffers right
 * after {@link RowParser.parse}, before the next call.
 */
export class RowParser {
  /** Per feature (config order): the number of a numeric feature, a datetime's epoch ms; NaN when missing or invalid. */
  readonly numbers: Float64Array;
  /** Per feature: a categorical feature's vocabulary index, {@link missingCode} or {@link outOfVocabularyCode}. */
  readonly codes: Int32Array;
  /** Per feature: the cell as read (trimmed when `data.trim`), null when missing. */
  readonly texts: (string | null)[];
  /** Binary: 1 positive, 0 negative; multiclass: class index; -1 when missing or unknown. */
  targetCode = -1;
  /** Regression target value (NaN when missing or invalid). */
  targetNumber = Number.NaN;
  /** The target cell as read. */
  targetText = '';

  private readonly kinds: Uint8Array;
  private readonly columns: Int32Array;
  private readonly names: readonly string[];
  private readonly mins: Float64Array;
  private readonly maxs: Float64Array;
  private readonly vocabularies: (Map<string, number> | null)[];
  private readonly vocabularyLists: (readonly string[] | null)[];
  /** Per feature: values outside the vocabulary are expected (a `top_k` feature) and not a domain issue. */
  private readonly outOfVocabularyExpected: boolean[];
  private readonly readers: (CellReader | null)[];
  private readonly targetReader: CellReader | null;
  private readonly missing: MissingValues;
  private readonly domainSeverity: DataIssue['severity'];
  private readonly targetColumn: number;
  private readonly targetName: string;
  private readonly task: MlopsConfig['task'];
  private readonly classIndex: Map<string, number> | null;

  constructor(config: MlopsConfig, binding: HeaderBinding) {
    const features = config.features;
    const count = features.length;
    this.numbers = new Float64Array(count);
    this.codes = new Int32Array(count);
    this.texts = new Array<string | null>(count).fill(null);
    this.kinds = Uint8Array.from(features, (f) => kindOf(f, config));
    this.readers = features.map((f) => readerOf(f, config));
    this.outOfVocabularyExpected = features.map((f) => f.type === 'categorical' && f.top_k !== undefined);
    const targetFormat = { decimal: config.data.decimal, group: '', percent: false, currency: null, parentheses: false } as const;
    this.targetReader = isPlainNumberFormat(targetFormat) ? null : compileNumberParser(targetFormat);
    this.columns = binding.featureColumns;
    this.names = features.map((f) => f.name);
    this.mins = Float64Array.from(features, (f) => (f.type === 'numeric' && f.min !== undefined ? f.min : -Infinity));
    this.maxs = Float64Array.from(features, (f) => (f.type === 'numeric' && f.max !== undefined ? f.max : Infinity));
    this.vocabularies = features.map((f) => (f.type === 'categorical' ? new Map(f.vocabulary.map((v, i) => [v, i])) : null));
    this.vocabularyLists = features.map((f) => (f.type === 'categorical' ? f.vocabulary : null));
    this.missing = missingValuesOf(config.data.missing_values);
    this.domainSeverity = config.validation.domain_violations;
    this.targetColumn = binding.targetColumn;
    this.targetName = config.data.target;
    this.task = config.task;
    this.classIndex = config.task.type === 'multiclass' ? new Map(config.task.classes.map((c, i) => [c, i])) : null;
  }

  /**
   * Parses one row (its cells in header order) into the buffers. Reports each problem to `sink`
   * and returns false when any of them is an error (the row is then not valid).
   */
  parse(cells: readonly string[], line: number, sink: IssueSink): boolean {
    let valid = this.parseTarget(cells[this.targetColumn]!, line, sink);
    const missing = this.missing;
    for (let slot = 0; slot < this.kinds.length; slot++) {
      const cell = cells[this.columns[slot]!]!;
      if (missing.has(cell)) {
        this.numbers[slot] = Number.NaN;
        this.codes[slot] = missingCode;
        this.texts[slot] = null;
        continue;
      }
      this.texts[slot] = cell;
      if (this.kinds[slot] === kindNumeric) {
        this.codes[slot] = 0;
        const parsed = parseNumber(cell);
        if (typeof parsed === 'number') {
          this.numbers[slot] = parsed;
          if (parsed < this.mins[slot]! || parsed > this.maxs[slot]!) {
            sink(this.rangeIssue(slot, parsed, line));
            if (this.domainSeverity === 'error') valid = false;
          }
        } else {
          this.numbers[slot] = Number.NaN;
          sink(numberIssue(parsed, cell, this.names[slot]!, line));
          valid = false;
        }
      } else if (this.kinds[slot] !== kindCategorical) {
        this.codes[slot] = 0;
        const read = this.readers[slot]!(cell);
        if (typeof read === 'number') {
          this.numbers[slot] = read;
          if (read < this.mins[slot]! || read > this.maxs[slot]!) {
            sink(this.rangeIssue(slot, read, line));
            if (this.domainSeverity === 'error') valid = false;
          }
        } else {
          this.numbers[slot] = Number.NaN;
          sink(formatIssue(this.kinds[slot] === kindDateTime ? 'invalid-date' : 'non-numeric', read, cell, this.names[slot]!, line));
          valid = false;
        }
      } else {
        this.numbers[slot] = Number.NaN;
        const code = this.vocabularies[slot]!.get(cell);
        if (code !== undefined) {
          this.codes[slot] = code;
        } else {
          this.codes[slot] = outOfVocabularyCode;
          if (this.outOfVocabularyExpected[slot]) continue;
          sink({
            code: 'unseen-category',
            severity: this.domainSeverity,
            line,
            column: this.names[slot]!,
            message: `line ${line}, column "${this.names[slot]}": ${showValue(cell)} is not in the vocabulary (${describeVocabulary(this.vocabularyLists[slot]!)})`,
          });
          if (this.domainSeverity === 'error') valid = false;
        }
      }
    }
    return valid;
  }

  private parseTarget(cell: string, line: number, sink: IssueSink): boolean {
    this.targetText = cell;
    this.targetCode = -1;
    this.targetNumber = Number.NaN;
    const column = this.targetName;
    if (this.missing.has(cell)) {
      sink({ code: 'missing-target', severity: 'error', line, column, message: `line ${line}, column "${column}": the target is missing; every row needs one` });
      return false;
    }
    const task = this.task;
    if (task.type === 'binary') {
      if (cell === task.positive_label) this.targetCode = 1;
      else if (cell === task.negative_label) this.targetCode = 0;
      else {
        sink(labelIssue(cell, column, line, `a label of the binary task (expected ${JSON.stringify(task.positive_label)} or ${JSON.stringify(task.negative_label)})`));
        return false;
      }
      return true;
    }
    if (task.type === 'multiclass') {
      const index = this.classIndex!.get(cell);
      if (index === undefined) {
        sink(labelIssue(cell, column, line, `one of the classes (${listNames(task.classes, 12)})`));
        return false;
      }
      this.targetCode = index;
      return true;
    }
    const parsed = this.targetReader === null ? parseNumber(cell) : this.targetReader(cell);
    if (typeof parsed !== 'number') {
      sink(this.targetReader === null ? numberIssue(parsed as NumberProblem, cell, column, line) : formatIssue('non-numeric', parsed, cell, column, line));
      return false;
    }
    this.targetNumber = parsed;
    if (task.target_transform === 'log' && !(parsed > 0)) {
      sink({
        code: 'non-positive-target',
        severity: 'error',
        line,
        column,
        message: `line ${line}, column "${column}": ${parsed} is not positive, but task.target_transform is log (the logarithm needs values > 0); set task.target_transform: none`,
      });
      return false;
    }
    if ((task.min !== undefined && parsed < task.min) || (task.max !== undefined && parsed > task.max)) {
      const bound = task.min !== undefined && parsed < task.min ? `below the configured min ${task.min}` : `above the configured max ${task.max}`;
      sink({ code: 'out-of-range', severity: this.domainSeverity, line, column, message: `line ${line}, column "${column}": ${parsed} is ${bound}` });
      if (this.domainSeverity === 'error') return false;
    }
    return true;
  }

  private rangeIssue(slot: number, value: number, line: number): DataIssue {
    const name = this.names[slot]!;
    const below = value < this.mins[slot]!;
    const bound = below ? `below the configured min ${this.mins[slot]}` : `above the configured max ${this.maxs[slot]}`;
    return { code: 'out-of-range', severity: this.domainSeverity, line, column: name, message: `line ${line}, column "${name}": ${value} is ${bound}` };
  }
}

function numberIssue(problem: NumberProblem, cell: string, column: string, line: number): DataIssue {
  const message =
    problem === 'non-finite'
      ? `line ${line}, column "${column}": ${showValue(cell)} is not a finite number (NaN and infinities are not data; leave the cell empty for a missing value)`
      : `line ${line}, column "${column}": ${showValue(cell)} is not a number`;
  return { code: problem, severity: 'error', line, column, message };
}

/** A cell that breaks its column's number or date format, with the reason the compiled parser gives. */
function formatIssue(code: string, reason: string, cell: string, column: string, line: number): DataIssue {
  return { code, severity: 'error', line, column, message: `line ${line}, column "${column}": ${showValue(cell)} ${reason}` };
}

function labelIssue(cell: string, column: string, line: number, expected: string): DataIssue {
  return { code: 'unseen-label', severity: 'error', line, column, message: `line ${line}, column "${column}": ${showValue(cell)} is not ${expected}` };
}

/** Compiles the row schema of a config for a bound header. */
export function compileRowParser(config: MlopsConfig, binding: HeaderBinding): RowParser {
  return new RowParser(config, binding);
}

/**
 * The shape of one row's parsed feature values — numbers (finite) or null for numeric features,
 * strings or null for categorical ones — as a zod schema, for boundaries that receive feature
 * values as JSON rather than CSV text.
 */
export function featureValuesSchema(features: readonly FeatureSpec[]): z.ZodType<Record<string, number | string | null>> {
  const shape: Record<string, z.ZodType<number | string | null>> = {};
  for (const feature of features) {
    shape[feature.name] = feature.type === 'numeric' ? z.number().finite().nullable() : z.string().nullable();
    if (feature.type === 'datetime') shape[feature.name] = z.union([z.string(), z.number().finite()]).nullable();
  }
  return z.strictObject(shape) as z.ZodType<Record<string, number | string | null>>;
}
