import { stat } from 'node:fs/promises';
import { DataError, type DataIssue } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { readCsv } from './csv-source.js';
import { CsvFileWriter } from './csv-write.js';
import { DateTimeSampler, compileDateTimeParser, resolveDateTimeFormat } from './datetime-format.js';

/**
 * Combines CSV files into one, in order (a base file, then new rows), matching columns by name:
 * the output's header is every column in order of first appearance, and a file without a column
 * leaves its cells empty (missing). A window keeps the last `rows` rows, or the rows of the last
 * `days` days before the newest value of `timeColumn`. Files are read twice, never held in
 * memory; the output replaces its target atomically.
 */

export interface CombineInput {
  path: string;
  /** How the file is named in messages. */
  name: string;
}

export interface CombineWindow {
  rows?: number;
  days?: number;
  timeColumn?: string;
}

export interface CombineOptions {
  delimiter: string;
  trim: boolean;
  /** Cells meaning "missing": a row whose time is missing is outside a `days` window. */
  missingValues: readonly string[];
  window?: CombineWindow;
}

export interface CombineResult {
  /** Data rows of each input. */
  rows: number[];
  /** Rows written. */
  outputRows: number;
  /** Rows the window left out. */
  droppedRows: number;
  header: string[];
  bytes: number;
  sha256: string;
  /** With a `days` window: the newest time and the earliest kept (ISO 8601). */
  timeRange?: { from: string; to: string };
}

const msPerDay = 86_400_000;

/** Writes the inputs' rows to `output`; a DataError lists problems of the inputs (ragged rows, quotes, binary content). */
export async function combineCsvFiles(inputs: readonly CombineInput[], output: string, options: CombineOptions): Promise<CombineResult> {
  const scan = await scanInputs(inputs, options);
  const keep = keepRule(scan, options, inputs);
  const writer = new CsvFileWriter(output, scan.header, options.delimiter);
  try {
    let index = 0;
    for (const [i, input] of inputs.entries()) {
      const columns = scan.headers[i]!.map((name) => scan.header.indexOf(name));
      const cells = new Array<string>(scan.header.length);
      await readCsv(input.path, {
        delimiter: options.delimiter,
        trim: options.trim,
        displayName: input.name,
        onIssue: () => {},
        onRow: (row) => {
          const position = index++;
          if (!keep(position, row, i)) return;
          cells.fill('');
          for (let c = 0; c < row.length; c++) if (columns[c]! >= 0) cells[columns[c]!] = row[c]!;
          writer.write(cells);
        },
      });
    }
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const written = writer.rows;
  const total = scan.rows.reduce((sum, n) => sum + n, 0);
  const { size } = await stat(output);
  return {
    rows: scan.rows,
    outputRows: written,
    droppedRows: total - written,
    header: scan.header,
    bytes: size,
    sha256: await sha256File(output),
    ...(scan.timeRange ? { timeRange: scan.timeRange } : {}),
  };
}

interface Scan {
  header: string[];
  headers: string[][];
  rows: number[];
  /** Newest time of a `days` window (epoch ms) and the time parser. */
  newest?: number;
  parseTime?: (cell: string) => number | string;
  timeRange?: { from: string; to: string };
}

/** First pass: headers, row counts, structural problems, and the time column's format and newest value. */
async function scanInputs(inputs: readonly CombineInput[], options: CombineOptions): Promise<Scan> {
  const header: string[] = [];
  const headers: string[][] = [];
  const rows: number[] = [];
  const issues: DataIssue[] = [];
  const timeColumn = options.window?.days !== undefined ? options.window.timeColumn : undefined;
  const sampler = new DateTimeSampler();
  const missing = new Set(options.missingValues);
  for (const input of inputs) {
    let names: string[] = [];
    let timeIndex = -1;
    const summary = await readCsv(input.path, {
      delimiter: options.delimiter,
      trim: options.trim,
      displayName: input.name,
      onHeader: (cells) => {
        names = cells;
        timeIndex = timeColumn === undefined ? -1 : cells.indexOf(timeColumn);
      },
      onIssue: (issue) => {
        if (issue.severity === 'error') issues.push({ ...issue, message: issue.message.startsWith(input.name) ? issue.message : `${input.name}: ${issue.message}` });
      },
      onRow: (row) => {
        if (timeIndex >= 0 && !missing.has(row[timeIndex]!)) sampler.add(row[timeIndex]!);
      },
    });
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) issues.push({ code: 'duplicate-column', column: duplicate, message: `${input.name}: the column "${duplicate}" appears twice in the header`, severity: 'error' });
    if (timeColumn !== undefined && timeIndex < 0 && summary.rows > 0) {
      issues.push({ code: 'missing-column', column: timeColumn, message: `${input.name}: no column "${timeColumn}" (data.window.time_column) in its header`, severity: 'error' });
    }
    for (const name of names) if (!header.includes(name)) header.push(name);
    headers.push(names);
    rows.push(summary.rows);
  }
  if (issues.length > 0) {
    throw new DataError(`The data sources cannot be combined: ${issues.length} problem${issues.length === 1 ? '' : 's'}, the first: ${issues[0]!.message}`, issues, inputs[0]?.path);
  }
  const scan: Scan = { header, headers, rows };
  if (timeColumn !== undefined) {
    const detection = resolveDateTimeFormat(sampler, { delimiter: options.delimiter });
    if (!detection.format) throw new DataError(`data.window.time_column "${timeColumn}" does not hold dates: ${detection.note}.`);
    scan.newest = detection.max;
    scan.parseTime = compileDateTimeParser(detection.format);
    scan.timeRange = { from: new Date(detection.max - options.window!.days! * msPerDay).toISOString(), to: new Date(detection.max).toISOString() };
  }
  return scan;
}

/** Which rows the window keeps: by position among all rows, or by the row's time. */
function keepRule(scan: Scan, options: CombineOptions, inputs: readonly CombineInput[]): (position: number, row: readonly string[], input: number) => boolean {
  const window = options.window;
  if (window?.rows !== undefined) {
    const first = scan.rows.reduce((sum, n) => sum + n, 0) - window.rows;
    return (position) => position >= first;
  }
  if (window?.days !== undefined && scan.parseTime && scan.newest !== undefined) {
    const from = scan.newest - window.days * msPerDay;
    const parse = scan.parseTime;
    const indices = inputs.map((_, i) => scan.headers[i]!.indexOf(window.timeColumn!));
    return (_position, row, input) => {
      const time = parse(row[indices[input]!] ?? '');
      return typeof time === 'number' && time >= from;
    };
  }
  return () => true;
}
