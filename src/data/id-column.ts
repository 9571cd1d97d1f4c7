import { looksLikeDate } from './datetime-format.js';
import { hash64, HashSet64, type Hash64 } from './hash64.js';

/**
 * Finds the column that identifies a record, for `mlops init` to propose as `split.key_columns`.
 * An id is unique and never missing, and its values are integers or single tokens (no spaces,
 * no decimals, not dates, at most 64 characters). That alone is not enough: free text, emails or
 * timestamps can be unique too. So a column is an id when, in addition, its name says so (a word
 * id, uuid, guid, key, identifier or pk: `customerID`, `order_key`), or, without such a name,
 * every value is a UUID or every value is a code of one or two shapes mixing letters and digits
 * (`7590-VHVEG`, `C-00123`). Unique integers without an id name are not proposed: they are as
 * often quantities or epoch times.
 *
 * Streaming: each column is checked against the cheap rules as cells arrive and drops out at its
 * first failure; only columns still in the running keep the 64-bit hashes of their values (a
 * {@link HashSet64}: 16–32 bytes per row, released when the column drops out), which makes the
 * uniqueness check exact up to a 64-bit collision (about 1e-7 at 2 million rows).
 */

/** Words in a column name that say it identifies a record. */
export const identifierWords: readonly string[] = ['id', 'uuid', 'guid', 'key', 'identifier', 'pk'];

/** Longest value of an id. */
export const maxIdLength = 64;

/** Splits a column name into lowercase words: `customerID` → customer, id; `Order Key` → order, key. */
export function columnNameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Whether a column name says it identifies a record (see {@link identifierWords}). */
export function nameSaysIdentifier(name: string): boolean {
  return columnNameWords(name).some((word) => identifierWords.includes(word));
}

const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const integerPattern = /^[-+]?\d+$/;
const whitespacePattern = /\s/;

/** A value's shape with runs collapsed: digits → 9, letters → A, other characters kept (`7590-VHVEG` → `9-A`). */
export function valueShape(value: string): string {
  return value.replace(/\p{N}+/gu, '9').replace(/\p{L}+/gu, 'A');
}

/** Shapes remembered per column; a column with more is not codes. */
const maxShapes = 2;

/** Streaming evidence on whether one column identifies records. */
export class IdColumnTracker {
  /** Values seen (missing ones included). */
  rows = 0;
  /** Why the column is not an id, once known. */
  rejected: string | null = null;
  readonly hinted: boolean;
  private integers = true;
  private uuids = true;
  private readonly shapes = new Set<string>();
  private values: HashSet64 | null = new HashSet64();
  private readonly hash: Hash64 = { hi: 0, lo: 0 };

  constructor(readonly name: string) {
    this.hinted = nameSaysIdentifier(name);
  }

  /** Offers one cell (`missing` when it is one of `data.missing_values`). */
  add(cell: string, missing: boolean): void {
    this.rows++;
    if (this.rejected !== null) return;
    if (missing) return this.reject(`has missing values (first on row ${this.rows})`);
    if (cell.length > maxIdLength) return this.reject(`has values longer than ${maxIdLength} characters: text, not an id`);
    if (whitespacePattern.test(cell)) return this.reject(`has values with spaces (${JSON.stringify(cell)}): text, not an id`);
    if (this.integers && !integerPattern.test(cell)) {
      this.integers = false;
      if (/^[-+]?\d*[.,]\d+(e[-+]?\d+)?$/i.test(cell)) return this.reject(`has fractional numbers (${JSON.stringify(cell)}): a measurement, not an id`);
    }
    if (looksLikeDate(cell)) return this.reject(`holds dates (${JSON.stringify(cell)}), not ids`);
    if (this.uuids && !uuidPattern.test(cell)) this.uuids = false;
    if (this.shapes.size <= maxShapes) this.shapes.add(valueShape(cell));
    hash64(cell, this.hash);
    if (this.values!.add(this.hash.hi, this.hash.lo, this.rows) >= 0) return this.reject(`repeats values (${JSON.stringify(cell)} on row ${this.rows} and an earlier row)`);
  }

  private reject(reason: string): void {
    this.rejected = reason;
    this.values = null;
  }

  /** The verdict once every cell has been offered. */
  verdict(): IdColumnVerdict {
    const base = { name: this.name, hinted: this.hinted };
    if (this.rows === 0) return { ...base, id: false, kind: null, reason: 'has no rows' };
    if (this.rejected !== null) return { ...base, id: false, kind: null, reason: this.rejected };
    const unique = `all ${this.rows.toLocaleString('en-US')} values are present and distinct`;
    if (this.hinted) return { ...base, id: true, kind: 'named', reason: `its name says it is an identifier and ${unique}` };
    if (this.uuids) return { ...base, id: true, kind: 'uuid', reason: `every value is a UUID and ${unique}` };
    const shapes = [...this.shapes];
    if (shapes.length <= maxShapes && shapes.every((shape) => shape.includes('A') && shape.includes('9'))) {
      return { ...base, id: true, kind: 'code', reason: `every value is a code of letters and digits (shape ${shapes.map((s) => JSON.stringify(s)).join(' or ')}) and ${unique}` };
    }
    const what = this.integers ? 'unique integers, but the name does not say id (they may be quantities or times)' : 'unique, but the name does not say id and the values are not codes: high-cardinality text';
    return { ...base, id: false, kind: null, reason: what };
  }
}

/** Whether a column identifies records, and why. */
export interface IdColumnVerdict {
  name: string;
  id: boolean;
  /** How it qualified: by its name, as UUIDs, or as codes. */
  kind: 'named' | 'uuid' | 'code' | null;
  hinted: boolean;
  reason: string;
}

/**
 * The id column `mlops init` proposes for `split.key_columns`, with the reason for its comment:
 * among the columns that qualify, the one whose name says so first, then UUIDs, then codes, then
 * the leftmost. Null when none qualifies (the whole row stays the key).
 */
export function proposeIdColumn(trackers: readonly IdColumnTracker[]): { column: string | null; reason: string; verdicts: IdColumnVerdict[] } {
  const verdicts = trackers.map((tracker) => tracker.verdict());
  const rank = { named: 0, uuid: 1, code: 2 } as const;
  const ids = verdicts.filter((v) => v.id).sort((a, b) => rank[a.kind!] - rank[b.kind!]);
  if (ids.length === 0) {
    const named = verdicts.filter((v) => v.hinted);
    const why = named.length > 0 ? `; ${named.map((v) => `"${v.name}" ${v.reason}`).join('; ')}` : '';
    return { column: null, reason: `no column identifies the rows (unique, never missing, named like an id or holding UUIDs or codes), so each row's key is its content (every column but data.ignore_columns)${why}`, verdicts };
  }
  const chosen = ids[0]!;
  const others = ids.length > 1 ? ` (${ids.slice(1).map((v) => `"${v.name}"`).join(', ')} also qualif${ids.length > 2 ? 'y' : 'ies'})` : '';
  return {
    column: chosen.name,
    reason: `"${chosen.name}" identifies the rows: ${chosen.reason}${others}. As split.key_columns it keeps each row in its split when other columns are added, removed or edited`,
    verdicts,
  };
}
