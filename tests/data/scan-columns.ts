import { readCsv } from '../../src/data/csv-source.js';
import { CategoryClassCounts, NumericClassCounts, type ClassCountTable } from '../../src/data/class-counts.js';
import { compileDateTimeParser, DateTimeSampler, resolveDateTimeFormat, type DateTimeDetection } from '../../src/data/datetime-format.js';
import { IdColumnTracker } from '../../src/data/id-column.js';
import { compileNumberParser } from '../../src/data/number-cell.js';
import { decideDecimalMark, NumberFormatSampler, resolveNumberFormat, type DecimalDecision, type NumberFormatDetection } from '../../src/data/number-format.js';
import { missingValuesOf } from '../../src/data/row-schema.js';
import { TopKCounter } from '../../src/data/top-k.js';

/**
 * Streams a CSV through the detectors the way `mlops init` will: one pass of samplers per column
 * (number format, date format, id tracker, top-K), then the file's decimal mark and each column's
 * formats resolved with it. A test helper: the integration phase wires the same calls into init.
 */
export interface ColumnScan {
  header: string[];
  rows: number;
  decimal: DecimalDecision;
  numbers: Map<string, NumberFormatDetection>;
  dates: Map<string, DateTimeDetection>;
  ids: IdColumnTracker[];
  topK: Map<string, TopKCounter>;
}

const missing = missingValuesOf(['', 'NA', 'N/A']);

export async function scanColumns(path: string, delimiter: string): Promise<ColumnScan> {
  let header: string[] = [];
  let numberSamplers: NumberFormatSampler[] = [];
  let dateSamplers: DateTimeSampler[] = [];
  let ids: IdColumnTracker[] = [];
  let counters: TopKCounter[] = [];
  const summary = await readCsv(path, {
    delimiter,
    onHeader: (cells) => {
      header = [...cells];
      numberSamplers = header.map(() => new NumberFormatSampler());
      dateSamplers = header.map(() => new DateTimeSampler());
      ids = header.map((name) => new IdColumnTracker(name));
      counters = header.map(() => new TopKCounter());
    },
    onRow: (cells) => {
      cells.forEach((cell, i) => {
        const absent = missing.has(cell);
        ids[i]!.add(cell, absent);
        if (absent) return;
        numberSamplers[i]!.add(cell);
        dateSamplers[i]!.add(cell);
        counters[i]!.add(cell);
      });
    },
    onIssue: (issue) => {
      throw new Error(`unexpected issue in ${path}: ${issue.message}`);
    },
  });
  const firstPass = header.map((name, i) => ({ name, detection: resolveNumberFormat(numberSamplers[i]!, { delimiter }) }));
  const decimal = decideDecimalMark(firstPass, delimiter);
  const numbers = new Map(header.map((name, i) => [name, resolveNumberFormat(numberSamplers[i]!, { delimiter, decimal: decimal.decimal })]));
  const dates = new Map(header.map((name, i) => [name, resolveDateTimeFormat(dateSamplers[i]!, { delimiter, decimal: decimal.decimal })]));
  return { header, rows: summary.rows, decimal, numbers, dates, ids, topK: new Map(header.map((name, i) => [name, counters[i]!])) };
}

/**
 * Second pass: class counts per feature against the target (labels by index; binary: index 1 is
 * positive), numeric through the detected number or date parser, categorical otherwise.
 */
export async function countClasses(path: string, delimiter: string, scan: ColumnScan, target: string, labels: readonly string[]): Promise<Map<string, ClassCountTable>> {
  const targetIndex = scan.header.indexOf(target);
  const classOf = new Map(labels.map((label, i) => [label, i]));
  const columns = scan.header.map((name, i) => {
    const number = scan.numbers.get(name)!.format;
    const date = scan.dates.get(name)!.format;
    const parse = number ? compileNumberParser(number) : date ? compileDateTimeParser(date) : null;
    return { i, name, parse, counts: parse ? new NumericClassCounts(labels.length) : new CategoryClassCounts(labels.length) };
  });
  await readCsv(path, {
    delimiter,
    onRow: (cells) => {
      const y = classOf.get(cells[targetIndex]!)!;
      for (const column of columns) {
        if (column.i === targetIndex) continue;
        const cell = cells[column.i]!;
        if (column.counts instanceof NumericClassCounts) {
          const value = missing.has(cell) ? Number.NaN : column.parse!(cell);
          column.counts.add(typeof value === 'number' ? value : Number.NaN, y);
        } else column.counts.add(missing.has(cell) ? null : cell, y);
      }
    },
    onIssue: () => {},
  });
  return new Map(columns.filter((c) => c.i !== targetIndex).map((c) => [c.name, c.counts.table()]));
}
