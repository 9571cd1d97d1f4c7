import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { Parser, type CsvError, type Options } from 'csv-parse';
import { DataError, type DataIssue } from '../core/errors.js';

/**
 * The one streaming CSV reader behind validation, dataset loading and `mlops init`. It turns the
 * bytes of a file into header and row callbacks that carry the physical line where each record
 * starts, reports every structural problem (ragged rows, broken quotes, binary content) as a
 * DataIssue with its line instead of aborting, and hashes the bytes in the same pass. The file is
 * never held in memory: only one chunk and one record at a time.
 */

/** Options of {@link readCsv}. */
export interface CsvReadOptions {
  /** One-character field delimiter (`data.delimiter`). Default `,`. */
  delimiter?: string;
  /** Trim spaces around header names and cells (`data.trim`). Default true. */
  trim?: boolean;
  /** How the file is named in messages (defaults to the path). */
  displayName?: string;
  /** Receives the header's cells (trimmed when `trim`) and the line it is on (1 unless blank lines precede it). */
  onHeader?: (cells: string[], line: number) => void;
  /**
   * Receives each data record whose cell count matches the header, with the physical line
   * where the record starts. The array is the reader's own: keep the strings, not the array.
   */
  onRow: (cells: string[], line: number) => void;
  /** Receives each structural problem: ragged rows, quotes, binary content, empty file, no data rows. */
  onIssue: (issue: DataIssue) => void;
}

/** What {@link readCsv} saw, besides the rows. */
export interface CsvReadSummary {
  /** sha256 of every byte of the file, lowercase hex (computed even when parsing stopped early). */
  sha256: string;
  bytes: number;
  /** Header names (trimmed when `trim`), or null when the file has no header line. */
  header: string[] | null;
  /** Data records handed to `onRow` (ragged and unparseable records are not counted). */
  rows: number;
  /** Records that could not be used: ragged rows and rows with quoting errors. */
  rejectedRecords: number;
  /** Blank (empty or whitespace-only) lines, which are skipped wherever they are. */
  blankLines: number;
  /** False when parsing stopped early (binary content, invalid UTF-8, a runaway record). */
  complete: boolean;
}

/**
 * The largest record accepted, in characters. A quote that is never closed makes the rest of
 * the file one record; this bound turns that into an error instead of unbounded memory.
 */
export const maxRecordChars = 1_048_576;

/** Bytes read per chunk: large enough that the parser, not I/O, sets the pace. */
const chunkBytes = 256 * 1024;

/** Thrown out of the parser's callbacks to stop it; never escapes {@link readCsv}. */
class StopParsing extends Error {}

/**
 * csv-parse's Parser with each record handed to a function the moment the parser emits it,
 * instead of queueing it in the stream. At that moment `info.lines` is the line on which the
 * record ends. (The `on_record` option gives the same timing, but csv-parse then copies its info
 * object for every record: 18% of a whole validation pass, measured.) An exception from the
 * function is kept in `failure` and stops further records, rather than escaping from inside
 * the stream machinery.
 */
class RecordSinkParser extends Parser {
  failure: unknown = null;

  constructor(
    options: Options,
    private readonly sink: (record: string[]) => void,
  ) {
    super(options);
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    if (this.failure === null) {
      try {
        this.sink(chunk as string[]);
      } catch (error) {
        this.failure = error;
      }
    }
    return true;
  }
}

/** Whether a character may be whitespace that String.prototype.trim removes (ASCII space and controls, or non-ASCII). */
function needsTrim(code: number): boolean {
  return code <= 32 || code >= 127;
}

/** Trims spaces around each cell, in place (most cells have none: skip those cheaply). */
function trimCells(cells: string[]): void {
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (cell.length > 0 && (needsTrim(cell.charCodeAt(0)) || needsTrim(cell.charCodeAt(cell.length - 1)))) cells[i] = cell.trim();
  }
}

/**
 * Streams a CSV file: calls `onHeader` once, then `onRow` for every well-formed data record,
 * `onIssue` for every structural problem. Blank lines (empty or only spaces) are skipped and
 * counted, wherever they are. Throws DataError only when the file cannot be read at all (not
 * found, a directory, no permission); content problems are issues.
 */
export async function readCsv(path: string, options: CsvReadOptions): Promise<CsvReadSummary> {
  const name = options.displayName ?? path;
  const trim = options.trim ?? true;
  const hash = createHash('sha256');
  let bytes = 0;
  let header: string[] | null = null;
  let headerLine = 1;
  let rows = 0;
  let rejectedRecords = 0;
  let blankLines = 0;
  /** Physical line on which the previous record (emitted, blank or ragged) ended. */
  let lastEndLine = 0;
  /** csv-parse's own line count at the end of the previous record. */
  let lastParserLine = 0;
  /**
   * How far csv-parse's line count runs ahead of the physical lines: it counts a CRLF inside a
   * quoted cell as two lines (outside quotes, as one).
   */
  let lineDrift = 0;
  let lastSkipped = '';
  let complete = true;
  let parserFailure: unknown = null;

  const stop = (issue: DataIssue): never => {
    options.onIssue(issue);
    throw new StopParsing(issue.message);
  };

  const onRecord = (record: string[]): void => {
    const parserLine = parser.info.lines;
    let startLine: number;
    if (parserLine === lastParserLine + 1) {
      startLine = lastEndLine + 1;
      lastEndLine = startLine;
    } else {
      // The record spans lines, or a skipped record came before it: count the line breaks
      // inside its cells to find where it starts.
      const breaks = countLineBreaks(record);
      lineDrift += breaks.crlf;
      lastEndLine = parserLine - lineDrift;
      startLine = lastEndLine - breaks.lines;
    }
    lastParserLine = parserLine;
    if (record.length === 1 && isBlank(record[0]!)) {
      blankLines++;
      return;
    }
    if (trim) trimCells(record);
    if (header === null) {
      header = record;
      headerLine = startLine;
      options.onHeader?.(record, startLine);
      return;
    }
    if (record.length !== header.length) {
      rejectedRecords++;
      options.onIssue(raggedRowIssue(record.length, header, startLine));
      return;
    }
    rows++;
    options.onRow(record, startLine);
  };

  const onSkip = (error: CsvError | undefined): undefined => {
    if (!error) return undefined;
    const line = typeof error.lines === 'number' ? error.lines - lineDrift : lastEndLine + 1;
    // Several errors on one line of one record (a"b"c) are one problem.
    const where = `${lastEndLine}:${line}`;
    if (where === lastSkipped) return undefined;
    lastSkipped = where;
    rejectedRecords++;
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      stop({
        code: 'record-too-large',
        severity: 'error',
        line: lastEndLine + 1,
        message: `line ${lastEndLine + 1}: a record runs past ${maxRecordChars.toLocaleString('en-US')} characters, most likely a quote (") that is never closed; the rest of the file was not read`,
      });
    }
    const issue = quoteIssue(error, line, lastEndLine + 1, header);
    // A broken header leaves nothing to match rows against: stop there.
    if (header === null) stop(issue);
    options.onIssue(issue);
    return undefined;
  };

  const parser = new RecordSinkParser(
    {
      delimiter: options.delimiter ?? ',',
      bom: true,
      // Ragged rows and quoting errors are reported with their line by us, and parsing goes on.
      relax_column_count: true,
      skip_records_with_error: true,
      max_record_size: maxRecordChars,
      on_skip: onSkip,
    },
    onRecord,
  );
  const parserDone = new Promise<void>((resolveDone) => {
    parser.on('end', resolveDone);
    parser.on('error', (error) => {
      if (!(error instanceof StopParsing)) parserFailure = error;
      complete = false;
      resolveDone();
    });
  });
  parser.resume();

  /** Stops parsing for good; the rest of the file is still read, for its hash. */
  const abandon = (issue: DataIssue): void => {
    options.onIssue(issue);
    complete = false;
    parser.destroy();
  };
  let pendingUtf8: Buffer | null = null;
  let first = true;
  /** Line feeds in the chunks before this one: locates problems found in the raw bytes. */
  let linesBefore = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!complete) continue;
      const line = (offset: number) => linesBefore + countNewlines(chunk, offset) + 1;
      if (first) {
        first = false;
        const problem = detectBinaryContent(chunk);
        if (problem) {
          abandon(binaryIssue(name, problem, undefined));
          continue;
        }
      } else if (chunk.indexOf(0) >= 0) {
        abandon(binaryIssue(name, 'NUL bytes', line(chunk.indexOf(0))));
        continue;
      }
      const utf8 = checkUtf8(pendingUtf8, chunk);
      pendingUtf8 = utf8.tail;
      if (utf8.badOffset >= 0) {
        abandon(notUtf8Issue(name, line(utf8.badOffset), chunk[utf8.badOffset]));
        continue;
      }
      linesBefore += countNewlines(chunk, chunk.length);
      if (!parser.write(chunk)) await waitForDrain(parser, parserDone);
      if (parser.failure !== null) break;
    }
  } catch (error) {
    parser.destroy();
    throw readError(error, name);
  }
  if (parser.failure !== null) {
    parser.destroy();
    throw parser.failure;
  }
  if (complete) {
    if (pendingUtf8 && pendingUtf8.length > 0) {
      abandon(notUtf8Issue(name, linesBefore + 1, pendingUtf8[0]));
    } else {
      parser.end();
      await parserDone;
    }
  }
  if (parserFailure !== null) throw parserFailure;
  if (parser.failure !== null) throw parser.failure;
  if (complete && header === null) {
    options.onIssue({
      code: 'empty-file',
      severity: 'error',
      message: `${name} is empty: it needs a header line naming the columns and at least one data row`,
    });
  } else if (complete && rows === 0 && rejectedRecords === 0) {
    options.onIssue({ code: 'no-data-rows', severity: 'error', line: headerLine, message: `${name} has a header but no data rows` });
  }
  return { sha256: hash.digest('hex'), bytes, header, rows, rejectedRecords, blankLines, complete };
}

async function waitForDrain(parser: Parser, done: Promise<void>): Promise<void> {
  await Promise.race([new Promise<void>((resolveDrain) => parser.once('drain', () => resolveDrain())), done]);
}

function readError(error: unknown, name: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new DataError(`Data file not found: ${name}`, [], name);
  if (code === 'EISDIR') return new DataError(`${name} is a directory, not a CSV file`, [], name);
  if (code === 'EACCES' || code === 'EPERM') return new DataError(`Cannot read ${name}: permission denied`, [], name);
  return error;
}

function isBlank(cell: string): boolean {
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/**
 * Line breaks inside a record's cells: `lines` counts `\r\n`, `\n` and `\r` once each (physical
 * lines); `crlf` counts the `\r\n` pairs, which csv-parse counts twice inside quotes.
 */
export function countLineBreaks(cells: readonly string[]): { lines: number; crlf: number } {
  let lines = 0;
  let crlf = 0;
  for (const cell of cells) {
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === 10) lines++;
      else if (c === 13) {
        lines++;
        if (cell.charCodeAt(i + 1) === 10) {
          crlf++;
          i++;
        }
      }
    }
  }
  return { lines, crlf };
}

function countNewlines(chunk: Buffer, end: number): number {
  let lines = 0;
  for (let at = chunk.indexOf(10); at >= 0 && at < end; at = chunk.indexOf(10, at + 1)) lines++;
  return lines;
}

function raggedRowIssue(cells: number, header: readonly string[], line: number): DataIssue {
  const fewer = cells < header.length;
  const column = fewer ? header[cells] : undefined;
  const detail = fewer
    ? `${header.length - cells} too few, starting at column "${column}"`
    : `${cells - header.length} too many`;
  return {
    code: 'ragged-row',
    severity: 'error',
    line,
    ...(column !== undefined ? { column } : {}),
    message: `line ${line}: ${cells} cell${cells === 1 ? '' : 's'} but the header has ${header.length} (${detail}); the row is skipped`,
  };
}

function quoteIssue(error: CsvError, line: number, recordStart: number, header: readonly string[] | null): DataIssue {
  const field = (error as CsvError & { column?: unknown }).column;
  const column = typeof field === 'number' && header ? header[field] : undefined;
  const where = column !== undefined ? `line ${line}, column "${column}"` : `line ${line}`;
  const located = { line, ...(column !== undefined ? { column } : {}) };
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return {
        code: 'unclosed-quote',
        severity: 'error',
        line: recordStart,
        message: `line ${recordStart}: a quoted field opens on this record and is never closed; lines ${recordStart}–${line} were read as one record and skipped`,
      };
    case 'INVALID_OPENING_QUOTE':
      return {
        code: 'invalid-quote',
        severity: 'error',
        ...located,
        message: `${where}: a quote (") inside an unquoted cell; quote the whole cell and double the quotes inside it ("like ""this""")`,
      };
    case 'CSV_INVALID_CLOSING_QUOTE':
      if (line > recordStart) {
        // A quoted field that runs past the end of its line and is then "closed" by the opening
        // quote of some later cell: the quote on the record's first line was never closed.
        return {
          code: 'unclosed-quote',
          severity: 'error',
          line: recordStart,
          message: `line ${recordStart}: a quoted field opens on this line and is not closed before the line ends (the next quote, on line ${line}, is followed by text); lines ${recordStart}–${line} were skipped`,
        };
      }
      return {
        code: 'invalid-quote',
        severity: 'error',
        ...located,
        message: `${where}: a closing quote (") is followed by text instead of a delimiter or the end of the line; double quotes inside a quoted cell ("")`,
      };
    default:
      return { code: 'csv-syntax', severity: 'error', ...located, message: `${where}: ${error.message}` };
  }
}

const magicNumbers: readonly { bytes: readonly number[]; kind: string }[] = [
  { bytes: [0x1f, 0x8b], kind: 'gzip-compressed data' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], kind: 'a PNG image' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], kind: 'a zip archive (an .xlsx workbook is one; export it as CSV)' },
  { bytes: [0xff, 0xd8, 0xff], kind: 'a JPEG image' },
  { bytes: [0x25, 0x50, 0x44, 0x46], kind: 'a PDF document' },
  { bytes: [0x50, 0x41, 0x52, 0x31], kind: 'a Parquet file' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], kind: 'an SQLite database' },
  { bytes: [0xff, 0xfe], kind: 'UTF-16 text (save it as UTF-8)' },
  { bytes: [0xfe, 0xff], kind: 'UTF-16 text (save it as UTF-8)' },
];

/** Above this share of control characters (other than tab, CR, LF) the first chunk is not text. */
const maxControlShare = 0.1;

/**
 * Why the first bytes of a file are not CSV text (a known binary signature, NUL bytes, or
 * mostly control characters), or null when they look like text.
 */
export function detectBinaryContent(head: Uint8Array): string | null {
  for (const magic of magicNumbers) {
    if (head.length >= magic.bytes.length && magic.bytes.every((b, i) => head[i] === b)) return magic.kind;
  }
  if (head.indexOf(0) >= 0) return 'NUL bytes';
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if ((b < 0x20 && b !== 9 && b !== 10 && b !== 13) || b === 0x7f) control++;
  }
  return head.length > 0 && control / head.length > maxControlShare ? 'mostly control characters' : null;
}

function binaryIssue(name: string, problem: string, line: number | undefined): DataIssue {
  return {
    code: 'binary-file',
    severity: 'error',
    ...(line !== undefined ? { line } : {}),
    message: `${name} looks like a binary file, not CSV text (${problem}${line !== undefined ? ` near line ${line}` : ' at the start'})`,
  };
}

function notUtf8Issue(name: string, line: number, byte: number | undefined): DataIssue {
  const shown = byte === undefined ? '' : ` (byte 0x${byte.toString(16).padStart(2, '0')})`;
  return {
    code: 'not-utf8',
    severity: 'error',
    line,
    message: `${name} is not UTF-8 text: line ${line} has an invalid byte sequence${shown}; save the file as UTF-8`,
  };
}

/**
 * Checks that `previous` (an incomplete character carried over) plus `chunk` is UTF-8, allowing
 * the chunk to end in the middle of a character. Returns the offset in `chunk` of the first bad
 * byte (-1 when none) and the incomplete tail to carry into the next chunk.
 */
export function checkUtf8(previous: Buffer | null, chunk: Buffer): { badOffset: number; tail: Buffer | null } {
  const data = previous && previous.length > 0 ? Buffer.concat([previous, chunk]) : chunk;
  const carried = data.length - chunk.length;
  const cut = incompleteTailStart(data);
  if (isUtf8(data.subarray(0, cut))) return { badOffset: -1, tail: cut < data.length ? Buffer.from(data.subarray(cut)) : null };
  return { badOffset: Math.max(0, firstInvalidUtf8(data.subarray(0, cut)) - carried), tail: null };
}

/** Where a trailing, possibly incomplete multi-byte character starts (data.length when none). */
function incompleteTailStart(data: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= data.length; back++) {
    const b = data[data.length - back]!;
    if ((b & 0xc0) === 0x80) continue;
    if (b < 0x80) return data.length;
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needed > back ? data.length - back : data.length;
  }
  return data.length;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (data.length when all are valid). */
function firstInvalidUtf8(data: Uint8Array): number {
  let i = 0;
  while (i < data.length) {
    const b = data[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const continuation = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (continuation === 0 || i + continuation >= data.length) return i;
    const second = data[i + 1]!;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid too.
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second >= 0xa0) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second >= 0x90)) return i;
    for (let k = 1; k <= continuation; k++) if (((data[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += continuation + 1;
  }
  return data.length;
}
