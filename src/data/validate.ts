import { resolve } from 'node:path';
import { z } from 'zod';
import type { LoadedConfig } from '../config/load.js';
import type { MlopsConfig } from '../config/schema.js';
import { DataError, type DataIssue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { readCsv } from './csv-source.js';
import { LeakageCollector } from './leakage-scan.js';
import type { LeakageVerdict } from './leakage.js';
import { dataProfileSchema } from './profile-schema.js';
import { CategoricalAccumulator, ProfileBuilder, targetLabels } from './profile.js';
import { bindRowKey, DuplicateKeyFinder, duplicateKeyIssue, missingKeyIssue, type RowKeyBinding } from './row-key.js';
import { bindHeader, compileRowParser, missingCode, missingValuesOf, type HeaderBinding, type RowParser } from './row-schema.js';
import { assignSplit } from './split.js';

/** One problem in a data file (the shape of DataIssue in core/errors.ts). */
export const dataIssueSchema = z.object({
  /** Stable kind: `non-numeric`, `ragged-row`, `missing-target-column`, … (see {@link validateDataset}). */
  code: z.string(),
  /** What is wrong and where, naming the value, column and line. */
  message: z.string(),
  /** 1-based physical line where the record starts (the header is line 1). */
  line: z.number().int().min(1).optional(),
  column: z.string().optional(),
  /** Errors fail validation; warnings are reported only. */
  severity: z.enum(['error', 'warning']),
});

/** The result of validating a data file against the config (`validation.json`). */
export const validationReportSchema = z.object({
  /** The file, as given on the command line or as written in `data.path`. */
  file: z.string(),
  /** sha256 of the file's bytes, computed in the same pass. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Data records (blank lines excluded, malformed records included). */
  rows: z.number().int().min(0),
  /** Records without any error: the rows training would use. */
  valid_rows: z.number().int().min(0),
  /** Blank lines, which are skipped wherever they are and are not an issue. */
  blank_lines: z.number().int().min(0),
  /** True when there is no error (warnings do not fail validation). */
  passed: z.boolean(),
  error_count: z.number().int().min(0),
  warning_count: z.number().int().min(0),
  /** Issue code → how many times it occurred (complete, even beyond the listed issues). */
  issue_counts: z.record(z.string(), z.number().int().min(0)),
  /**
   * Every file-level issue (header, structure, dataset rules) and the first
   * `validation.max_reported_issues` row-level ones.
   */
  issues: z.array(dataIssueSchema),
  /** Profile of the valid rows; null when the header could not be matched or the file not read. */
  profile: dataProfileSchema.nullable(),
  duration_ms: z.number().min(0),
});
export type ValidationReport = z.infer<typeof validationReportSchema>;

/** Options of {@link validateDataset}. */
export interface ValidateDatasetOptions {
  config: LoadedConfig;
  /**
   * A data file to validate instead of `data.path`, relative to the working directory
   * (`--data`). `data.path` itself is relative to the config file's folder.
   */
  dataPath?: string;
  logger: Logger;
  /** Log progress every this many rows. Default 100,000. */
  progressEvery?: number;
}

/** The data file to read: its absolute path and its name as the user wrote it. */
export function resolveDataFile(loaded: LoadedConfig, dataPath?: string): { path: string; file: string } {
  if (dataPath !== undefined) return { path: resolve(process.cwd(), dataPath), file: dataPath };
  return { path: resolve(loaded.baseDir, loaded.config.data.path), file: loaded.config.data.path };
}

/** Hooks into a scan: what dataset loading adds to validation. */
export interface ScanHooks {
  /** Called once the header is matched against the config (binding null when it could not be). */
  onHeader?: (header: readonly string[], binding: HeaderBinding | null) => void;
  /**
   * Called for each valid row right after it is parsed (the parser's buffers hold its values),
   * with the row's key (row-key.ts).
   */
  onValidRow?: (row: RowParser, cells: readonly string[], line: number, key: string) => void;
}

/** A finished scan: the report plus what loading needs. */
export interface DatasetScan {
  report: ValidationReport;
  /** Header names as read (trimmed when `data.trim`), or null without a header. */
  header: readonly string[] | null;
  binding: HeaderBinding | null;
  /** Which columns identify a row in this file, or null when the header could not be bound. */
  rowKey: RowKeyBinding | null;
  /** Features suspected of target leakage, with their evidence (empty when the check is off or did not run). */
  leakage: LeakageVerdict[];
}

/**
 * Collects issues: counts every one, lists file-level ones and the first N row-level ones. It
 * does not log them: the report (and the DataError made from it) carries them to the adapters,
 * which print or annotate each one once.
 */
class IssueLog {
  readonly listed: DataIssue[] = [];
  readonly counts: Record<string, number> = {};
  errors = 0;
  warnings = 0;
  private rowIssuesListed = 0;

  constructor(private readonly limit: number) {}

  /** A row-level issue: listed while under the limit. */
  readonly rowIssue = (issue: DataIssue): void => {
    this.count(issue);
    if (this.rowIssuesListed >= this.limit) return;
    this.rowIssuesListed++;
    this.listed.push(issue);
  };

  /** A file-level issue: always listed. */
  readonly fileIssue = (issue: DataIssue): void => {
    this.count(issue);
    this.listed.push(issue);
  };

  private count(issue: DataIssue): void {
    this.counts[issue.code] = (this.counts[issue.code] ?? 0) + 1;
    if (issue.severity === 'error') this.errors++;
    else this.warnings++;
  }
}

/** Structural issues of one record; everything else csv-source reports concerns the whole file. */
const rowLevelCsvCodes: ReadonlySet<string> = new Set(['ragged-row', 'invalid-quote', 'csv-syntax']);

/**
 * Reads the data file once: hashes its bytes, matches the header, parses and checks every row,
 * profiles the valid rows, then applies the dataset rules. Shared by {@link validateDataset} and
 * dataset loading so that both read cells the same way.
 */
export async function scanDataset(options: ValidateDatasetOptions, hooks: ScanHooks = {}): Promise<DatasetScan> {
  const started = performance.now();
  const { config: loaded, logger } = options;
  const config = loaded.config;
  const { path, file } = resolveDataFile(loaded, options.dataPath);
  const progressEvery = options.progressEvery ?? 100_000;
  const issues = new IssueLog(config.validation.max_reported_issues);
  /** Set once the header is read (callbacks fill it, so it is an object rather than narrowed locals). */
  const bound: { header: readonly string[] | null; binding: HeaderBinding | null; parser: RowParser | null; profile: ProfileBuilder | null; rowKey: RowKeyBinding | null } = {
    header: null,
    binding: null,
    parser: null,
    profile: null,
    rowKey: null,
  };
  const missing = missingValuesOf(config.data.missing_values);
  const duplicates = config.split.key_columns ? new DuplicateKeyFinder() : null;
  const leakage = LeakageCollector.for(config);
  const timeSlot = config.split.time_column === undefined ? -1 : config.features.findIndex((f) => f.name === config.split.time_column);
  let records = 0;
  let validRows = 0;
  const onValidRow = hooks.onValidRow;

  const summary = await readCsv(path, {
    delimiter: config.data.delimiter,
    trim: config.data.trim,
    displayName: file,
    onHeader: (cells, line) => {
      const header = [...cells];
      const { binding, issues: headerIssues } = bindHeader(config, header, line);
      headerIssues.forEach(issues.fileIssue);
      const rowKey = bindRowKey(header, config.split.key_columns, line, config.data.ignore_columns);
      rowKey.issues.forEach(issues.fileIssue);
      bound.header = header;
      bound.binding = rowKey.binding ? binding : null;
      bound.rowKey = rowKey.binding;
      if (binding && rowKey.binding) {
        bound.parser = compileRowParser(config, binding);
        bound.profile = new ProfileBuilder(config);
      }
      hooks.onHeader?.(header, bound.binding);
    },
    onRow: (cells, line) => {
      records++;
      const parser = bound.parser;
      if (parser !== null && checkRow(parser, bound.rowKey!, cells, line)) {
        const key = bound.rowKey!.key(cells);
        const earlier = duplicates?.add(key, line) ?? -1;
        if (earlier >= 0) issues.rowIssue(duplicateKeyIssue(bound.rowKey!, cells, line, earlier));
        validRows++;
        bound.profile!.add(parser);
        // With a time split the training rows are known only once every time is read: all rows count.
        if (leakage !== null && (timeSlot >= 0 || assignSplit(key, config.split) === 'train')) leakage.add(parser);
        onValidRow?.(parser, cells, line, key);
      }
      if (records % progressEvery === 0) logger.progress(`validated ${records.toLocaleString('en-US')} rows`);
    },
    onIssue: (issue) => (rowLevelCsvCodes.has(issue.code) ? issues.rowIssue(issue) : issues.fileIssue(issue)),
  });

  /** Parses a row and checks its identity: every problem reported, true when the row is valid. */
  function checkRow(parser: RowParser, rowKey: RowKeyBinding, cells: readonly string[], line: number): boolean {
    let valid = parser.parse(cells, line, issues.rowIssue);
    const keyIssue = missingKeyIssue(rowKey, cells, line, missing);
    if (keyIssue !== null) {
      issues.rowIssue(keyIssue);
      valid = false;
    }
    if (timeSlot >= 0 && parser.codes[timeSlot] === missingCode) {
      const column = config.split.time_column!;
      issues.rowIssue({ code: 'missing-time', severity: 'error', line, column, message: `line ${line}, column "${column}": the time is missing; every row needs one to be split by time (split.time_column)` });
      valid = false;
    }
    return valid;
  }

  const rows = summary.rows + summary.rejectedRecords;
  let dataProfile: ValidationReport['profile'] = null;
  // The dataset rules and the profile need the whole file read against a matched header.
  if (bound.profile && summary.complete) {
    datasetIssues(config, bound.profile, validRows).forEach(issues.fileIssue);
    leakage?.issues(timeSlot >= 0 ? `all ${validRows.toLocaleString('en-US')} valid rows, as split.time_column decides the training rows only after the whole file is read` : `the ${leakage.rows.toLocaleString('en-US')} rows of the training split`).forEach(issues.fileIssue);
    dataProfile = bound.profile.finish({ file, sha256: summary.sha256, rows, valid_rows: validRows, columns: bound.header ?? [] });
  }
  const report: ValidationReport = {
    file,
    sha256: summary.sha256,
    rows,
    valid_rows: validRows,
    blank_lines: summary.blankLines,
    passed: issues.errors === 0,
    error_count: issues.errors,
    warning_count: issues.warnings,
    issue_counts: issues.counts,
    issues: issues.listed,
    profile: dataProfile,
    duration_ms: Math.round(performance.now() - started),
  };
  logger.debug(`validated ${file}: ${rows} rows (${report.valid_rows} valid), ${summary.blankLines} blank lines skipped, ${summary.bytes} bytes in ${report.duration_ms} ms`);
  const suspected = leakage !== null && dataProfile !== null ? leakage.verdicts().filter((verdict) => verdict.suspected) : [];
  return { report, header: bound.header, binding: bound.binding, rowKey: bound.rowKey, leakage: suspected };
}

/**
 * Validates a data file against the config and profiles it, in one streaming pass. Reports
 * every problem, not only the first:
 * - file: `empty-file`, `no-data-rows` (header only), `binary-file` (also PNG/gzip/zip renamed
 *   .csv), `not-utf8`, `unclosed-quote`, `record-too-large`;
 * - header: `missing-target-column`, `missing-feature-column`, `duplicate-column` (after
 *   trimming), `unknown-column`, `empty-column-name`, `missing-slice-column`;
 * - rows: `ragged-row`, `invalid-quote`, `non-numeric`, `non-finite` (NaN, Infinity, 1e999),
 *   `missing-target`, `unseen-label` (errors); `unseen-category`, `out-of-range` (warnings
 *   unless `validation.domain_violations: error`);
 * - dataset, over valid rows: `too-few-rows` (`validation.min_rows`), `too-few-test-rows` (the
 *   expected test split under 10 rows), `single-class`, `constant-target`, `mostly-missing`
 *   (errors) and `absent-class` (a configured multiclass class never occurs: a warning);
 * - row identity: `missing-key-column`, `duplicate-key-column` (header), `missing-key` (a key
 *   cell is missing: an error), `duplicate-key` (two rows share a key under `split.key_columns`: a
 *   warning), `missing-time` (no value in `split.time_column`: an error);
 * - `suspected-leakage`: a feature that alone predicts the target almost perfectly on the
 *   training split, or is present only for one class (`validation.leakage`: warning, error or off);
 *   `invalid-date`: a cell that is not a date in its datetime feature's format.
 * Blank lines are skipped wherever they are, counted in `blank_lines`, and are not an issue.
 * Warnings do not fail validation; errors do. Throws DataError only when the file cannot be
 * read at all (not found, a directory, no permission).
 */
export async function validateDataset(options: ValidateDatasetOptions): Promise<ValidationReport> {
  return (await scanDataset(options)).report;
}

/** Rows the test split must expect at least, for its metrics to mean anything. */
export const minTestRows = 10;

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction < 0.001 ? 2 : 1)}%`;
}

/** The rules on the dataset as a whole, over its valid rows. */
function datasetIssues(config: MlopsConfig, profile: ProfileBuilder, validRows: number): DataIssue[] {
  const out: DataIssue[] = [];
  const target = config.data.target;
  const count = (n: number) => n.toLocaleString('en-US');
  if (validRows < config.validation.min_rows) {
    out.push({
      code: 'too-few-rows',
      severity: 'error',
      message: `only ${count(validRows)} valid rows; at least ${count(config.validation.min_rows)} are needed to split into training, validation and test sets (validation.min_rows)`,
    });
  }
  const expectedTest = validRows * config.split.test_fraction;
  if (validRows > 0 && expectedTest < minTestRows) {
    out.push({
      code: 'too-few-test-rows',
      severity: 'error',
      message: `${count(validRows)} valid rows give a test split of about ${expectedTest.toFixed(1)} rows (split.test_fraction ${config.split.test_fraction}); at least ${minTestRows} are needed to measure a model`,
    });
  }
  if (validRows === 0) return out;
  config.features.forEach((feature, i) => {
    const accumulator = profile.features[i]!;
    const fraction = accumulator.missing / validRows;
    const own = feature.max_missing_fraction;
    const limit = own ?? config.validation.max_missing_fraction;
    if (fraction > limit) {
      out.push({
        code: 'mostly-missing',
        severity: 'error',
        column: feature.name,
        message: `column "${feature.name}": ${percent(fraction)} of valid rows are missing a value (${count(accumulator.missing)} of ${count(validRows)}), above the limit of ${percent(limit)} (${own !== undefined ? `max_missing_fraction of the feature` : 'validation.max_missing_fraction'})`,
      });
    }
  });
  const labels = targetLabels(config.task);
  if (labels && profile.target instanceof CategoricalAccumulator) {
    const present = profile.target.presentValues();
    if (present.length < 2) {
      out.push({
        code: 'single-class',
        severity: 'error',
        column: target,
        message: `column "${target}": every valid row has the label ${JSON.stringify(present[0])}; a classifier needs at least 2 classes`,
      });
    } else if (config.task.type === 'multiclass') {
      for (const label of labels) {
        if (present.includes(label)) continue;
        out.push({
          code: 'absent-class',
          severity: 'warning',
          column: target,
          message: `column "${target}": the class ${JSON.stringify(label)} (task.classes) never occurs; the model will never learn it`,
        });
      }
    }
  } else if (!(profile.target instanceof CategoricalAccumulator) && profile.target.std === 0) {
    out.push({
      code: 'constant-target',
      severity: 'error',
      column: target,
      message: `column "${target}": every valid row has the same target value; a regression needs a target that varies`,
    });
  }
  return out;
}

/** How many issues a {@link validationError} message lists. */
const listedInError = 10;

/**
 * The DataError for a failed report: names the file, the counts, and the first errors with their
 * lines, and carries every listed issue (for annotations).
 */
export function validationError(report: ValidationReport): DataError {
  const errors = report.issues.filter((issue) => issue.severity === 'error');
  const lines = errors.slice(0, listedInError).map((issue) => `  - ${issue.message}`);
  if (report.error_count > lines.length) lines.push(`  - … and ${report.error_count - lines.length} more errors`);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return new DataError(
    `${report.file} failed validation with ${plural(report.error_count, 'error')} and ${plural(report.warning_count, 'warning')}:\n${lines.join('\n')}`,
    report.issues,
    report.file,
  );
}
