import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from '../core/atomic-fs.js';

/**
 * Writing CSV: cells quoted where a reader would otherwise split, join or trim them (RFC 4180:
 * quotes doubled). What `mlops fetch` and `mlops feedback export` write is read back by the same
 * reader as any CSV (csv-source.ts).
 */

/** One CSV line (without its line break). */
export function formatCsvRow(cells: readonly string[], delimiter = ','): string {
  return cells.map((cell) => formatCsvCell(cell, delimiter)).join(delimiter);
}

/** A cell, quoted when it holds the delimiter, a quote, a line break or spaces at either end. */
export function formatCsvCell(cell: string, delimiter = ','): string {
  if (cell === '') return '';
  const needsQuotes =
    cell.includes(delimiter) || cell.includes('"') || cell.includes('\n') || cell.includes('\r') || cell.trim() !== cell;
  return needsQuotes ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** A parsed value as a cell: numbers as JavaScript writes them, null (missing) as an empty cell. */
export function csvCellOf(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

/**
 * A CSV file written row by row and published whole: rows go to a temporary sibling (buffered,
 * written in large chunks), and `commit` fsyncs it and renames it over the target, so a reader
 * never sees half a file and a failed write leaves the old one.
 */
export class CsvFileWriter {
  readonly path: string;
  private readonly delimiter: string;
  private readonly temp: string;
  private readonly fd: number;
  private buffer = '';
  private done = false;
  /** Data rows written (the header not counted). */
  rows = 0;

  constructor(path: string, header: readonly string[], delimiter = ',') {
    mkdirSync(dirname(path), { recursive: true });
    this.path = path;
    this.delimiter = delimiter;
    this.temp = `${path}.${process.pid}.partial`;
    this.fd = openSync(this.temp, 'w');
    this.buffer = `${formatCsvRow(header, delimiter)}\n`;
  }

  /** Appends one row of cells. */
  write(cells: readonly string[]): void {
    this.buffer += `${formatCsvRow(cells, this.delimiter)}\n`;
    this.rows++;
    if (this.buffer.length > flushChars) this.flush();
  }

  /** Writes what is buffered, fsyncs, and puts the file in place. */
  async commit(): Promise<void> {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.done = true;
    await rename(this.temp, this.path);
    await syncDirectory(dirname(this.path));
  }

  /** Drops the temporary file (after a failure); the target is untouched. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    closeSync(this.fd);
    await rm(this.temp, { force: true });
  }

  private flush(): void {
    if (this.buffer.length > 0) writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
}

const flushChars = 1 << 20;
