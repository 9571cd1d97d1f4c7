import type { LoadedConfig } from '../config/load.js';
import { sha256 } from '../core/hash.js';
import { canonicalRowJson } from './row-key.js';
import type { Logger } from '../core/logger.js';
import { missingValuesOf, type RowParser } from './row-schema.js';
import { scanDataset, validationError, type ValidationReport } from './validate.js';

/** One valid row of the dataset, ready for preprocessing, splitting and slicing. */
export interface DatasetRow {
  /** 1-based physical line where the row starts in the file (the header is line 1). */
  line: number;
  /**
   * Identity of the row's content, independent of column and row order: sha256 (hex) of the
   * canonical JSON of {column name → cell as read} over every column. Identical rows share it.
   */
  key: string;
  /** Feature name → number (numeric) or string (categorical); null when missing. */
  features: Record<string, number | string | null>;
  /** The label for classification, the value for regression. */
  target: string | number;
  /** Slice column (`config.slices`) → its value, null when missing. */
  slices: Record<string, string | null>;
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
  /** The validation of the same pass (its profile describes exactly these rows). */
  report: ValidationReport;
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
  // The key lists columns by name, so the file's column order does not change it.
  let rowJson: (cells: readonly string[]) => string = () => '{}';
  let sliceColumns: Int32Array = new Int32Array(0);

  const scan = await scanDataset(options, {
    onHeader: (header, binding) => {
      rowJson = canonicalRowJson(header.map((name, index) => ({ name, index })));
      if (binding) sliceColumns = binding.sliceColumns;
    },
    onValidRow: (row: RowParser, cells, line) => {
      const values: Record<string, number | string | null> = {};
      for (let slot = 0; slot < features.length; slot++) {
        const feature = features[slot]!;
        values[feature.name] = feature.type === 'numeric' ? (Number.isNaN(row.numbers[slot]!) ? null : row.numbers[slot]!) : row.texts[slot]!;
      }
      const slices: Record<string, string | null> = {};
      config.slices.forEach((name, i) => {
        const column = sliceColumns[i]!;
        const cell = column >= 0 ? cells[column]! : null;
        slices[name] = cell === null || missing.has(cell) ? null : cell;
      });
      const datasetRow: DatasetRow = { line, key: sha256(rowJson(cells)), features: values, target: regression ? row.targetNumber : row.targetText, slices };
      if (options.onRow) options.onRow(datasetRow);
      else rows.push(datasetRow);
    },
  });
  if (!scan.report.passed) throw validationError(scan.report);
  return { file: scan.report.file, sha256: scan.report.sha256, rows, columns: [...(scan.header ?? [])], report: scan.report };
}
