import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { readCsv } from './csv-source.js';
import { bindRowKey, type RowKeyBinding } from './row-key.js';
import { listNames, missingValuesOf, type RowParser } from './row-schema.js';
import { resolveDataFile, scanDataset, validationError, type ValidationReport } from './validate.js';

/** One valid row of the dataset, ready for preprocessing, splitting and slicing. */
export interface DatasetRow {
  /** 1-based physical line where the row starts in the file (the header is line 1). */
  line: number;
  /**
   * The row's identity (row-key.ts), independent of column and row order: sha256 (hex) of the
   * canonical JSON of {column name → cell as read} over `split.key_columns`, or over every column
   * but the ignored ones. Rows with the same key share it (and a split).
   */
  key: string;
  /** Feature name → number (numeric), epoch ms (datetime) or string (categorical); null when missing. */
  features: Record<string, number | string | null>;
  /** The row's time in epoch ms (`split.time_column`), when the split is out-of-time. */
  time?: number;
  /** The label for classification, the value for regression. */
  target: string | number;
  /** Slice column (`config.slices`) → its value, null when missing. */
  slices: Record<string, string | null>;
  /**
   * Cells of the columns asked for in `LoadDatasetOptions.extraColumns` (as read, trimmed when
   * `data.trim`; null when missing): what another model needs that the config does not parse.
   */
  extra?: Record<string, string | null>;
}

/** A dataset held in memory for training and evaluation. */
export interface LoadedDataset {
  /** The file, as given or as written in `data.path`. */
  file: string;
  sha256: string;
  /** The valid rows, in file order. */
  rows: DatasetRow[];
  /** Header names in file order (trimmed when `data.trim`). */
  columns: string[];
  /** The columns the rows' keys were computed over (sorted by name) and whether that is the whole row. */
  rowKey: { columns: string[]; wholeRow: boolean };
  /** The validation of the same pass (its profile describes exactly these rows). */
  report: ValidationReport;
  /** Columns of `extraColumns` that the file does not have. */
  absentColumns: string[];
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  config: LoadedConfig;
  /** A data file instead of `data.path`, relative to the working directory. */
  dataPath?: string;
  logger: Logger;
  /**
   * Receives each valid row as it is read instead of the dataset holding it (`rows` is then
   * empty): for passes over files larger than memory.
   */
  onRow?: (row: DatasetRow) => void;
  /** Columns whose raw cells each row keeps in `extra` (e.g. a champion's features the config dropped). */
  extraColumns?: readonly string[];
}

/**
 * Reads, validates and holds a dataset, in one pass through the same parser as validation. Throws
 * DataError (carrying every listed issue) when the data has any validation error, so training
 * never runs on data that `mlops validate` would reject.
 */
export async function loadDataset(options: LoadDatasetOptions): Promise<LoadedDataset> {
  const config = options.config.config;
  const features = config.features;
  const regression = config.task.type === 'regression';
  const missing = missingValuesOf(config.data.missing_values);
  const rows: DatasetRow[] = [];
  let sliceColumns: Int32Array = new Int32Array(0);
  const timeSlot = config.split.time_column === undefined ? -1 : features.findIndex((f) => f.name === config.split.time_column);
  const extraNames = [...new Set(options.extraColumns ?? [])];
  let extraColumns: { name: string; column: number }[] = [];
  let absentColumns: string[] = [];

  const scan = await scanDataset(options, {
    onHeader: (header, binding) => {
      extraColumns = extraNames.map((name) => ({ name, column: header.indexOf(name) })).filter(({ column }) => column >= 0);
      absentColumns = extraNames.filter((name) => !header.includes(name));
      if (binding) sliceColumns = binding.sliceColumns;
    },
    onValidRow: (row: RowParser, cells, line, key) => {
      const values: Record<string, number | string | null> = {};
      for (let slot = 0; slot < features.length; slot++) {
        const feature = features[slot]!;
        values[feature.name] = feature.type === 'categorical' ? row.texts[slot]! : Number.isNaN(row.numbers[slot]!) ? null : row.numbers[slot]!;
      }
      const slices: Record<string, string | null> = {};
      config.slices.forEach((name, i) => {
        const column = sliceColumns[i]!;
        const cell = column >= 0 ? cells[column]! : null;
        slices[name] = cell === null || missing.has(cell) ? null : cell;
      });
      const datasetRow: DatasetRow = { line, key, features: values, target: regression ? row.targetNumber : row.targetText, slices };
      if (timeSlot >= 0) datasetRow.time = row.numbers[timeSlot]!;
      if (extraNames.length > 0) {
        const extra: Record<string, string | null> = {};
        for (const { name, column } of extraColumns) extra[name] = missing.has(cells[column]!) ? null : cells[column]!;
        datasetRow.extra = extra;
      }
      if (options.onRow) options.onRow(datasetRow);
      else rows.push(datasetRow);
    },
  });
  if (!scan.report.passed) throw validationError(scan.report);
  return { file: scan.report.file, sha256: scan.report.sha256, rows, columns: [...(scan.header ?? [])], rowKey: describeRowKey(scan.rowKey!), report: scan.report, absentColumns };
}

/** The key columns of a binding, as lineage records them. */
export function describeRowKey(binding: RowKeyBinding): { columns: string[]; wholeRow: boolean } {
  return { columns: binding.columns.map(({ name }) => name), wholeRow: binding.wholeRow };
}

/**
 * The keys of some rows (by line) computed over other key columns than the config's: how another
 * model (the champion) identified them. One more streaming pass over the file, keeping only the
 * asked lines' keys. Returns the reason instead when a column is not in the file.
 */
export async function readRowKeys(options: { config: LoadedConfig; dataPath?: string }, columns: readonly string[], lines: ReadonlySet<number>): Promise<Map<number, string> | string> {
  const config = options.config.config;
  const { path, file } = resolveDataFile(options.config, options.dataPath);
  const keys = new Map<number, string>();
  let binding: RowKeyBinding | null = null;
  let problem: string | null = null;
  await readCsv(path, {
    delimiter: config.data.delimiter,
    trim: config.data.trim,
    displayName: file,
    onHeader: (header) => {
      const absent = columns.filter((name) => !header.includes(name));
      if (absent.length > 0) problem = `the column${absent.length > 1 ? 's' : ''} ${listNames(absent)} ${absent.length > 1 ? 'are' : 'is'} no longer in ${file}`;
      else binding = bindRowKey(header, columns).binding;
    },
    onRow: (cells, line) => {
      if (binding !== null && lines.has(line)) keys.set(line, binding.key(cells));
    },
    onIssue: () => {},
  });
  return problem ?? keys;
}
