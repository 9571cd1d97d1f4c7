import type { DataIssue } from '../core/errors.js';
import { canonicalJson, sha256 } from '../core/hash.js';
import { HashSet64 } from './hash64.js';
import { listNames, showValue, type MissingValues } from './row-schema.js';

/**
 * Row identity for the split and for lineage. A row's key is sha256 of the canonical JSON of
 * {column name → cell as read} over its key columns: `split.key_columns` when given (an id
 * column, or the columns that define a record), otherwise every column except the ignored ones
 * (`data.ignore_columns`). With key columns, adding, removing or editing any other column leaves
 * every key — and so every row's split — unchanged. Without them, a column added to the file and
 * listed in `data.ignore_columns` moves no row either, and a file with no ignored columns keeps
 * exactly the content hash that split its rows before key columns existed; adding a column the
 * model uses, or editing a cell, moves rows (the gate then leaves the champion's training rows
 * out of its comparison: see comparable-rows.ts). Key columns are matched by name, so their order
 * in the file or the config does not matter.
 */

/** Which columns identify a row in one file's header. */
export interface RowKeyBinding {
  /** Key columns (name and index in the header), sorted by name. */
  readonly columns: readonly { name: string; index: number }[];
  /** Whether the key covers every column but the ignored ones (no `split.key_columns`). */
  readonly wholeRow: boolean;
  /** The row's key: 64 hex digits. */
  key(cells: readonly string[]): string;
}

/**
 * Binds key columns to a header. Every key column must be in the header and be named once;
 * problems are errors on the header line (the row identity cannot be computed without them).
 * Without key columns the whole row but the `ignored` columns is the key.
 */
export function bindRowKey(
  header: readonly string[],
  keyColumns: readonly string[] | null | undefined,
  line = 1,
  ignored: readonly string[] = [],
): { binding: RowKeyBinding | null; issues: DataIssue[] } {
  const wholeRow = keyColumns === null || keyColumns === undefined || keyColumns.length === 0;
  const names = wholeRow ? header.filter((name) => !ignored.includes(name)) : keyColumns;
  const issues: DataIssue[] = [];
  const columns: { name: string; index: number }[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      if (!wholeRow) issues.push({ code: 'duplicate-key-column', severity: 'error', line, column: name, message: `split.key_columns lists "${name}" twice` });
      continue;
    }
    seen.add(name);
    const index = header.indexOf(name);
    if (index < 0) {
      issues.push({
        code: 'missing-key-column',
        severity: 'error',
        line,
        column: name,
        message: `line ${line}: the key column "${name}" (split.key_columns) is not a column of the file; columns are ${listNames(header)}`,
      });
    } else columns.push({ name, index });
  }
  if (issues.length > 0) return { binding: null, issues };
  columns.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { binding: { columns, wholeRow, key: compileKey(columns) }, issues: [] };
}

/**
 * The key function: sha256 of exactly the text `canonicalJson({name → cell})` gives, written
 * without building and sorting an object per row (that took a third of validation's time).
 * JSON.stringify lists integer-like names ("7", "2024") first in numeric order, then the others
 * in insertion (here: sorted) order; the template object reads that order off once.
 */
function compileKey(columns: readonly { name: string; index: number }[]): (cells: readonly string[]) => string {
  if (columns.length === 0) {
    const empty = sha256(canonicalJson({}));
    return () => empty;
  }
  const template: Record<string, number> = {};
  for (const { name, index } of columns) template[name] = index;
  const order = Object.keys(template);
  const indices = Int32Array.from(order, (name) => template[name]!);
  const prefixes = order.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
  return (cells) => {
    let text = '';
    for (let i = 0; i < indices.length; i++) text += prefixes[i]! + JSON.stringify(cells[indices[i]!]!);
    return sha256(`${text}}`);
  };
}

/**
 * Checks a row's key cells: a missing key cell is an error (rows without an identity would all
 * share one key, hence one split, and lineage could not tell them apart). Returns the issue or null.
 */
export function missingKeyIssue(binding: RowKeyBinding, cells: readonly string[], line: number, missing: MissingValues): DataIssue | null {
  if (binding.wholeRow) return null;
  const absent = binding.columns.filter(({ index }) => missing.has(cells[index]!)).map(({ name }) => name);
  if (absent.length === 0) return null;
  return {
    code: 'missing-key',
    severity: 'error',
    line,
    column: absent[0]!,
    message: `line ${line}: the key column${absent.length > 1 ? 's' : ''} ${listNames(absent)} ${absent.length > 1 ? 'are' : 'is'} missing; every row needs its key (split.key_columns) to be split and traced`,
  };
}

/**
 * Finds rows whose key repeats an earlier row's, streaming: 64 bits of each key (a row key is
 * already a sha256, so its first 16 hex digits are a uniform hash) in a {@link HashSet64}. With
 * key columns a repeat is two records claiming one identity; without them, a duplicated row.
 */
export class DuplicateKeyFinder {
  private readonly seen = new HashSet64();

  /** Rows checked. */
  get keys(): number {
    return this.seen.size;
  }

  /** Records a row's key; returns the line of the earlier row with the same key, or -1. */
  add(key: string, line: number): number {
    return this.seen.add(Number.parseInt(key.slice(0, 8), 16), Number.parseInt(key.slice(8, 16), 16), line);
  }
}

/** The issue for a repeated key (a warning: rows with one key always share a split, so nothing leaks). */
export function duplicateKeyIssue(binding: RowKeyBinding, cells: readonly string[], line: number, firstLine: number): DataIssue {
  const what = binding.wholeRow
    ? `repeats line ${firstLine} exactly`
    : `has the same key as line ${firstLine} (${binding.columns.map(({ name, index }) => `${name} ${showValue(cells[index]!)}`).join(', ')})`;
  return {
    code: 'duplicate-key',
    severity: 'warning',
    line,
    ...(binding.wholeRow ? {} : { column: binding.columns[0]!.name }),
    message: `line ${line}: the row ${what}; rows with one key share a split and count once in lineage`,
  };
}
