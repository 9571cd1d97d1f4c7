import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataError, type DataIssue } from '../../src/core/errors.js';
import { sha256File } from '../../src/core/hash.js';
import { checkUtf8, countLineBreaks, detectBinaryContent, maxRecordChars, readCsv, type CsvReadOptions } from '../../src/data/csv-source.js';
import { fixturesDir, telcoPath } from '../fixtures/data/telco-config.js';

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mlops-csv-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Reads a CSV and collects everything the reader reports. */
async function collect(path: string, options: Partial<CsvReadOptions> = {}) {
  const rows: { line: number; cells: string[] }[] = [];
  const issues: DataIssue[] = [];
  let header: { cells: string[]; line: number } | null = null;
  const summary = await readCsv(path, {
    onHeader: (cells, line) => {
      header = { cells: [...cells], line };
    },
    onRow: (cells, line) => rows.push({ line, cells: [...cells] }),
    onIssue: (issue) => issues.push(issue),
    ...options,
  });
  return { summary, rows, issues, header: header as { cells: string[]; line: number } | null };
}

/** 1-based physical lines (LF, CRLF or CR breaks) on which a telco record starts. */
function recordStartLines(text: string): number[] {
  return text
    .split(/\r\n|\n|\r/)
    .map((line, i) => (/^"(Yes|No)",/.test(line) ? i + 1 : 0))
    .filter((line) => line > 0);
}

async function writeTemp(name: string, content: string | Buffer): Promise<string> {
  const path = join(workDir, name);
  await writeFile(path, content);
  return path;
}

describe('readCsv', () => {
  test('the full telco file: every row, in order, across many chunks, hashed in the same pass', async () => {
    const { summary, rows, issues, header } = await collect(telcoPath);
    expect(issues).toEqual([]);
    expect(header).toEqual({ cells: expect.arrayContaining(['churn', 'total_charges']), line: 1 });
    expect(summary).toMatchObject({ rows: 7043, rejectedRecords: 0, blankLines: 0, complete: true, bytes: 975641 });
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 7043 }, (_, i) => i + 2));
    expect(summary.sha256).toBe(await sha256File(telcoPath));
    expect(rows[0]!.cells).toHaveLength(20);
  });

  test.each(['valid/quoted-fields.csv', 'valid/blank-lines.csv', 'valid/crlf.csv', 'damaged/multiline-then-text.csv'])(
    '%s: each row is reported on the physical line where it starts',
    async (file) => {
      const path = join(fixturesDir, file);
      const { rows } = await collect(path);
      expect(rows.map((r) => r.line)).toEqual(recordStartLines(await readFile(path, 'utf8')));
    },
  );

  test('line numbers stay physical with CRLF inside quoted cells of a CRLF file', async () => {
    const text = (await readFile(join(fixturesDir, 'valid/quoted-fields.csv'), 'utf8')).replace(/\r?\n/g, '\r\n');
    const path = await writeTemp('crlf-quoted.csv', `${text}"Yes",1\r\n`);
    const { rows, issues } = await collect(path);
    expect(rows.map((r) => r.line)).toEqual(recordStartLines(text));
    // The ragged last row is reported on its physical line too.
    expect(issues).toEqual([expect.objectContaining({ code: 'ragged-row', line: text.split('\r\n').length })]);
    expect(rows[3]!.cells[20]).toBe('called twice, said "cancel"\r\nthen stayed');
  });

  test('a UTF-8 BOM is not part of the first column name', async () => {
    const { header } = await collect(join(fixturesDir, 'valid/bom.csv'));
    expect(header!.cells[0]).toBe('churn');
  });

  test('blank lines are skipped and counted wherever they are', async () => {
    const path = await writeTemp('blank.csv', '\n\na,b\n1,2\n\n  \n3,4\n\n');
    const { summary, rows, header } = await collect(path);
    expect(header).toEqual({ cells: ['a', 'b'], line: 3 });
    expect(rows).toEqual([
      { line: 4, cells: ['1', '2'] },
      { line: 7, cells: ['3', '4'] },
    ]);
    expect(summary.blankLines).toBe(5);
  });

  test('ragged rows are issues with their line, never rows', async () => {
    const path = await writeTemp('ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n');
    const { rows, issues, summary } = await collect(path);
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(issues.map((i) => [i.code, i.line, i.column])).toEqual([
      ['ragged-row', 3, 'c'],
      ['ragged-row', 4, undefined],
    ]);
    expect(summary.rejectedRecords).toBe(2);
  });

  test('another delimiter, and cells kept as they are without trim', async () => {
    const path = await writeTemp('semicolon.csv', 'a ; b\n 1 ;"x, y "\n');
    const { rows, header } = await collect(path, { delimiter: ';', trim: false });
    expect(header!.cells).toEqual(['a ', ' b']);
    expect(rows[0]!.cells).toEqual([' 1 ', 'x, y ']);
    const trimmed = await collect(path, { delimiter: ';' });
    expect(trimmed.rows[0]!.cells).toEqual(['1', 'x, y']);
  });

  test('a quote that is never closed stops at a bounded record size', async () => {
    const path = await writeTemp('runaway.csv', `a,b\n1,2\n3,"${'x'.repeat(maxRecordChars + 10)}\n4,5\n`);
    const { issues, summary } = await collect(path);
    expect(issues).toEqual([expect.objectContaining({ code: 'record-too-large', line: 3 })]);
    expect(summary.complete).toBe(false);
    expect(summary.sha256).toBe(await sha256File(path));
  });

  test('a broken header stops the reader', async () => {
    const path = await writeTemp('bad-header.csv', 'a,b"c\n1,2\n');
    const { issues, rows, header } = await collect(path);
    expect(header).toBeNull();
    expect(rows).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ code: 'invalid-quote', line: 1 })]);
  });

  test('NUL bytes after the first chunk are binary content, with their line', async () => {
    const text = 'a,b\n' + '1,2\n'.repeat(100_000);
    const path = await writeTemp('nul-later.csv', Buffer.concat([Buffer.from(text), Buffer.from([0, 0, 0]), Buffer.from('\n3,4\n')]));
    const { issues, summary } = await collect(path);
    expect(issues).toEqual([expect.objectContaining({ code: 'binary-file', line: 100_002 })]);
    expect(summary.complete).toBe(false);
  });

  test('an exception from onRow is not swallowed', async () => {
    await expect(
      readCsv(telcoPath, {
        onRow: (_cells, line) => {
          if (line === 5000) throw new RangeError('stop at 5000');
        },
        onIssue: () => {},
      }),
    ).rejects.toThrow(new RangeError('stop at 5000'));
  });

  test.each([
    { name: 'a missing file', path: () => join(workDir, 'nope.csv'), message: /^Data file not found: / },
    { name: 'a directory', path: () => workDir, message: /is a directory, not a CSV file$/ },
  ])('$name is a DataError', async ({ path, message }) => {
    const failure = collect(path());
    await expect(failure).rejects.toBeInstanceOf(DataError);
    await expect(failure).rejects.toThrow(message);
  });
});

describe('binary and encoding checks', () => {
  test.each([
    { name: 'gzip', bytes: gzipSync(Buffer.from('a,b\n1,2\n')), kind: 'gzip-compressed data' },
    { name: 'PNG', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), kind: 'a PNG image' },
    { name: 'xlsx (zip)', bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), kind: 'a zip archive (an .xlsx workbook is one; export it as CSV)' },
    { name: 'UTF-16', bytes: Buffer.from('\ufeffa,b\n', 'utf16le'), kind: 'UTF-16 text (save it as UTF-8)' },
    { name: 'NUL bytes', bytes: Buffer.from('a,b\n1,\u00002\n'), kind: 'NUL bytes' },
    { name: 'control characters', bytes: Buffer.from('\u0001\u0002\u0003\u0004a,b'), kind: 'mostly control characters' },
    { name: 'CSV text', bytes: Buffer.from('a,b\r\n1,"x\ty"\n'), kind: null },
    { name: 'CSV with a UTF-8 BOM', bytes: Buffer.from('\ufeffa,b\n1,é\n'), kind: null },
  ])('$name → $kind', ({ bytes, kind }) => {
    expect(detectBinaryContent(bytes)).toBe(kind);
  });

  test('a character split across chunks is carried over, not an error', () => {
    const bytes = Buffer.from('ab€cd'); // € is 3 bytes
    const first = checkUtf8(null, bytes.subarray(0, 3));
    expect(first).toEqual({ badOffset: -1, tail: Buffer.from([0xe2]) });
    expect(checkUtf8(first.tail, bytes.subarray(3))).toEqual({ badOffset: -1, tail: null });
  });

  test.each([
    { name: 'Latin-1 é', bytes: Buffer.from('ab\u00e9cd', 'latin1'), offset: 2 },
    { name: 'a stray continuation byte', bytes: Buffer.from([0x61, 0x80, 0x62]), offset: 1 },
    { name: 'an overlong encoding', bytes: Buffer.from([0x61, 0x62, 0xc0, 0xaf]), offset: 2 },
    { name: 'a UTF-16 surrogate', bytes: Buffer.from([0xed, 0xa0, 0x80, 0x61]), offset: 0 },
  ])('$name is found at its offset', ({ bytes, offset }) => {
    expect(checkUtf8(null, bytes).badOffset).toBe(offset);
  });

  test('line breaks inside cells, physical and as csv-parse counts them', () => {
    expect(countLineBreaks(['a\nb', 'c\r\nd\re', 'f'])).toEqual({ lines: 3, crlf: 1 });
  });
});
