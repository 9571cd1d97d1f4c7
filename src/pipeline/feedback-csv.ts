import type { LoadedConfig } from '../config/load.js';
import { CsvFileWriter, csvCellOf } from '../data/csv-write.js';
import { exportFeedbackDir, exportFeedbackLines, LabelledRowWriter, type ExportSummary } from '../monitoring/feedback-export.js';

/**
 * `mlops feedback export` and the `feedback` data source: the labelled predictions of a
 * prediction log (a folder, or the lines a service sent) written as a CSV with the config's
 * feature columns and target, which `mlops validate --data FILE` accepts.
 */

/** Writes the labelled predictions to `out` (replaced whole); what was written. */
export async function exportFeedbackCsv(from: { dir: string } | { linesPath: string }, loaded: LoadedConfig, out: string): Promise<ExportSummary> {
  const { config } = loaded;
  const columns = { features: config.features.map((feature) => feature.name), target: config.data.target };
  let file: CsvFileWriter | null = null;
  const rows = new LabelledRowWriter(columns, (cells) => file!.write(cells.map(csvCellOf)));
  file = new CsvFileWriter(out, rows.header, config.data.delimiter);
  try {
    const summary = 'dir' in from ? await exportFeedbackDir(from.dir, rows) : await exportFeedbackLines(from.linesPath, rows);
    await file.commit();
    return summary;
  } catch (error) {
    await file.abort();
    throw error;
  }
}
