import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { listSegments, readLogLines, readSegment, type LabelLine, type ModelLine, type SegmentVisitor } from './feedback-log.js';

/**
 * Labelled predictions as rows of the training CSV: each label line of the prediction log (the
 * features the prediction was made from, and the true label that came back) becomes a row with
 * the config's feature columns and its target column. A feature the predicting version did not
 * take is left empty (missing); a label given twice (a retried `/feedback`) is one row.
 */

/** The columns rows are written with: the config's features, then its target. */
export interface ExportColumns {
  features: readonly string[];
  target: string;
}

export interface ExportSummary {
  rows: number;
  /** Label lines of an id already written (a retried request logged twice). */
  duplicates: number;
  /** Lines that could not be read, or labels of a version whose model line is missing. */
  unreadable: number;
  /** Model versions whose predictions were labelled, in order of first appearance. */
  versions: string[];
}

/** Turns log lines into rows, one per labelled prediction. */
export class LabelledRowWriter {
  private readonly columns: ExportColumns;
  private readonly write: (cells: (string | number | null)[]) => void;
  private readonly seen = new Set<string>();
  private readonly summary: ExportSummary = { rows: 0, duplicates: 0, unreadable: 0, versions: [] };
  private readonly positions = new Map<string, number[]>();

  constructor(columns: ExportColumns, write: (cells: (string | number | null)[]) => void) {
    this.columns = columns;
    this.write = write;
  }

  /** The header row. */
  get header(): string[] {
    return [...this.columns.features, this.columns.target];
  }

  /** The visitor that reads a log's lines into rows. */
  get visitor(): SegmentVisitor {
    return { model: (line) => this.model(line), label: (line, model) => this.label(line, model) };
  }

  /** What was written. */
  result(unreadableLines: number): ExportSummary {
    return { ...this.summary, unreadable: this.summary.unreadable + unreadableLines, versions: [...this.summary.versions] };
  }

  private model(line: ModelLine): void {
    // Where each output feature sits in this version's rows (-1: the version did not take it).
    this.positions.set(line.v, this.columns.features.map((name) => line.features.indexOf(name)));
  }

  private label(line: LabelLine, model: ModelLine | undefined): void {
    const positions = this.positions.get(line.v);
    if (!model && !positions) {
      this.summary.unreadable++;
      return;
    }
    if (this.seen.has(line.id)) {
      this.summary.duplicates++;
      return;
    }
    this.seen.add(line.id);
    if (!this.summary.versions.includes(line.v)) this.summary.versions.push(line.v);
    const cells = positions!.map((position) => (position >= 0 ? (line.x[position] ?? null) : null));
    this.write([...cells, line.label]);
    this.summary.rows++;
  }
}

/** Writes the labelled predictions of a prediction log folder, oldest first. */
export async function exportFeedbackDir(dir: string, writer: LabelledRowWriter): Promise<ExportSummary> {
  let unreadable = 0;
  for (const segment of await listSegments(dir)) unreadable += (await readSegment(segment.path, writer.visitor)).unreadable;
  return writer.result(unreadable);
}

/** Writes the labelled predictions of a file of log lines (what `GET /admin/feedback` sends). */
export async function exportFeedbackLines(path: string, writer: LabelledRowWriter): Promise<ExportSummary> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  return writer.result((await readLogLines(lines, writer.visitor)).unreadable);
}
