import {
  describeNumberFormat,
  normaliseDigits,
  readNumberCell,
  type Currency,
  type DecimalMark,
  type GroupSeparator,
  type NumberFormat,
} from './number-cell.js';

/**
 * Detects how a column writes its numbers, from running counters over its cells (so `mlops init`
 * can feed it every cell of a streamed file in constant memory): which decimal mark and thousands
 * separator fit every value, whether the values carry a percent sign or a currency, and whether
 * negatives are in parentheses.
 *
 * The ambiguity rules. A separator is ambiguous only when every value that has it could read
 * either way: `1,234` alone is 1234 (a comma between thousands) or 1.234 (a decimal comma), and
 * so is `1.234`. One value decides it: `29,85` (not 3 digits after the comma) or `1,234,567`
 * (two commas) or `1.234,5` (both marks: the last one is the decimal). When nothing decides it:
 *  1. a value of 4 or more digits written without any separator (`1234`) means the column does
 *     not group thousands, so the separator is the decimal mark;
 *  2. otherwise the file's decimal mark ({@link decideDecimalMark}, from its unambiguous columns);
 *  3. otherwise the delimiter: a `;`-separated file comes from a locale that writes decimal
 *     commas (spreadsheets in most of Europe); any other delimiter, a decimal point.
 * The result then says `ambiguous` and its note states the assumption and how to override it.
 */

/** Share of a column's non-missing values that must fit one format for the column to be numbers. */
export const minConformingShare = 0.99;

/** Every (decimal mark, group separator) pair a column may use. */
const readings: readonly { decimal: DecimalMark; group: GroupSeparator }[] = [
  { decimal: '.', group: '' },
  { decimal: '.', group: ',' },
  { decimal: '.', group: ' ' },
  { decimal: '.', group: "'" },
  { decimal: ',', group: '' },
  { decimal: ',', group: '.' },
  { decimal: ',', group: ' ' },
  { decimal: ',', group: "'" },
];
const allReadings = (1 << readings.length) - 1;

/** Distinct affix combinations (percent × currency) counted per column; more is not a number column. */
const maxAffixes = 16;
/** Cell shapes whose readings are remembered per column. */
const maxShapes = 4096;

/** What a cell's shape says, whatever its digits. */
interface ShapeReading {
  affixKey: string;
  percent: boolean;
  currency: Currency | null;
  parentheses: boolean;
  /** Where the digits start in the cell. */
  digitsAt: number;
  /** Separator characters present (bits in the order of `separatorChars`). */
  separators: number;
  /** 4+ digits and no separator. */
  ungroupedLong: boolean;
  /** Readings that accept the digits (bit i: `readings[i]`). */
  mask: number;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Reads one cell's shape: null when it is not shaped like a number. */
function readShape(cell: string): ShapeReading | null {
  const parts = readNumberCell(cell);
  if (parts === null) return null;
  const separators = separatorsIn(parts.digits);
  let mask = 0;
  if (separators === 0) mask = allReadings;
  else for (let i = 0; i < readings.length; i++) if (normaliseDigits(parts.digits, readings[i]!.decimal, readings[i]!.group) !== null) mask |= 1 << i;
  return {
    affixKey: `${parts.percent ? '%' : ''}|${parts.currency?.symbol ?? ''}|${parts.currency?.position ?? ''}`,
    percent: parts.percent,
    currency: parts.currency,
    parentheses: parts.parentheses,
    digitsAt: cell.indexOf(parts.digits),
    separators,
    ungroupedLong: separators === 0 && parts.digits.length >= 4,
    mask,
  };
}
/** Example cells kept per column, one per (affixes, readings) combination. */
const maxExamples = 64;

/** Cells that share a percent sign and currency, with how many of them each reading accepts. */
interface AffixCounts {
  percent: boolean;
  currency: Currency | null;
  cells: number;
  accepted: Int32Array;
}

/** Separator characters whose role can differ between readings (`,` and `.`), and the group-only ones. */
const separatorChars = [',', '.', ' ', "'"] as const;
type SeparatorChar = (typeof separatorChars)[number];

function separatorsIn(digits: string): number {
  let bits = 0;
  for (let i = 0; i < digits.length; i++) {
    const code = digits.charCodeAt(i);
    if (code === 44) bits |= 1;
    else if (code === 46) bits |= 2;
    else if (code === 0x20 || code === 0xa0 || code === 0x202f) bits |= 4;
    else if (code === 0x27 || code === 0x2019) bits |= 8;
  }
  return bits;
}

/** Streaming evidence about one column's number format: feed it every non-missing cell. */
export class NumberFormatSampler {
  /** Cells offered. */
  cells = 0;
  /** Cells with the shape of a number (before checking their separators). */
  shaped = 0;
  /** Cells like `02139` or `007`: codes with leading zeros. */
  leadingZeros = 0;
  /** Cells with 4 or more digits and no separator (`1234`): the column does not group thousands. */
  ungroupedLong = 0;
  /** Negative values in parentheses. */
  parentheses = 0;
  /** Cells containing each separator character, in the order of `separatorChars`. */
  readonly separatorCells = new Int32Array(separatorChars.length);
  /** The first cell with leading zeros. */
  firstLeadingZero: string | null = null;
  /** The first cell that is not shaped like a number. */
  firstText: string | null = null;
  /** The first cell containing each separator character. */
  readonly separatorExamples: (string | null)[] = separatorChars.map(() => null);
  private readonly affixes = new Map<string, AffixCounts>();
  private readonly examples = new Map<string, string>();
  private readonly shapes = new Map<string, ShapeReading | null>();

  add(cell: string): void {
    this.cells++;
    // Everything but the leading-zero test depends only on the cell's shape (digits → 9), and a
    // column has few shapes: read each shape once.
    const shape = cell.replace(/[0-9]/g, '9');
    let reading = this.shapes.get(shape);
    if (reading === undefined) {
      reading = readShape(cell);
      if (this.shapes.size < maxShapes) this.shapes.set(shape, reading);
    }
    if (reading === null) {
      this.firstText ??= cell;
      return;
    }
    let counts = this.affixes.get(reading.affixKey);
    if (counts === undefined) {
      if (this.affixes.size >= maxAffixes) {
        this.firstText ??= cell;
        return;
      }
      counts = { percent: reading.percent, currency: reading.currency, cells: 0, accepted: new Int32Array(readings.length) };
      this.affixes.set(reading.affixKey, counts);
    }
    this.shaped++;
    counts.cells++;
    if (reading.parentheses) this.parentheses++;
    if (cell.charCodeAt(reading.digitsAt) === 48 && isDigit(cell.charCodeAt(reading.digitsAt + 1))) {
      this.leadingZeros++;
      this.firstLeadingZero ??= cell;
    }
    if (reading.ungroupedLong) this.ungroupedLong++;
    for (let s = 0; s < separatorChars.length; s++) {
      if ((reading.separators & (1 << s)) === 0) continue;
      this.separatorCells[s]!++;
      this.separatorExamples[s] ??= cell;
    }
    for (let i = 0; i < readings.length; i++) if (reading.mask & (1 << i)) counts.accepted[i]!++;
    const exampleKey = `${reading.affixKey}|${reading.mask}`;
    if (this.examples.size < maxExamples && !this.examples.has(exampleKey)) this.examples.set(exampleKey, cell);
  }

  /** Affix groups, for {@link resolveNumberFormat}. */
  affixGroups(): readonly AffixCounts[] {
    return [...this.affixes.values()];
  }

  /** The first cell shaped like a number. */
  firstExample(): string | null {
    return this.examples.values().next().value ?? null;
  }

  /** A cell that a format does not accept, or null when every kept example fits. */
  exampleOutside(format: NumberFormat): string | null {
    const reading = readingIndex(format);
    for (const [key, cell] of this.examples) {
      const [percent, symbol, position, mask] = key.split('|');
      const fitsAffixes = (percent === '%') === format.percent && (symbol === '' || (format.currency?.symbol === symbol && format.currency?.position === position));
      if (!fitsAffixes || (Number(mask) & (1 << reading)) === 0) return cell;
    }
    return this.firstText;
  }
}

function readingIndex(format: NumberFormat): number {
  return readings.findIndex((r) => r.decimal === format.decimal && r.group === format.group);
}

/** What the file suggests when a column cannot decide for itself. */
export interface NumberFormatContext {
  /** The CSV delimiter (`data.delimiter`). */
  delimiter: string;
  /** The file's decimal mark, when known (`data.decimal`, or {@link decideDecimalMark}). */
  decimal?: DecimalMark;
}

/** What {@link resolveNumberFormat} decided for a column. */
export interface NumberFormatDetection {
  /** The column's format, or null when the column is not numbers. */
  format: NumberFormat | null;
  cells: number;
  /** Cells the format reads. */
  conforming: number;
  /** Two readings of a separator fit every value; `note` says which was assumed. */
  ambiguous: boolean;
  /** Whether some value has a fractional part written with the decimal mark (evidence for the file's decimal mark). */
  decimalSeen: boolean;
  /** How the format was decided, or why the column is not numbers: for `mlops init`'s comments. */
  note: string;
  /** A value the format does not read, for messages; null when all fit. */
  mismatch: string | null;
}

type Role = 'decimal' | 'group' | 'none';

function roleOf(reading: { decimal: DecimalMark; group: GroupSeparator }, char: SeparatorChar): Role {
  return reading.decimal === char ? 'decimal' : reading.group === char ? 'group' : 'none';
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

function share(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(1)}%`;
}

/**
 * Decides a column's number format from its sampler: the reading, percent sign and currency that
 * accept the most values, with the ambiguity rules of this module when two readings accept the
 * same values. The column is numbers when at least {@link minConformingShare} of its values fit
 * and none is a code with leading zeros.
 */
export function resolveNumberFormat(sampler: NumberFormatSampler, context: NumberFormatContext): NumberFormatDetection {
  const none = (note: string): NumberFormatDetection => ({ format: null, cells: sampler.cells, conforming: 0, ambiguous: false, decimalSeen: false, note, mismatch: sampler.firstText });
  if (sampler.cells === 0) return none('no values');
  if (sampler.shaped === 0) return none(`not numbers: ${JSON.stringify(sampler.firstText)} is text`);
  const groups = sampler.affixGroups();
  const currencies = [null, ...groups.map((g) => g.currency).filter((c): c is Currency => c !== null)];
  // The best (reading, percent, currency) by the number of values it reads.
  let best = 0;
  const choices: { reading: number; percent: boolean; currency: Currency | null }[] = [];
  for (let reading = 0; reading < readings.length; reading++) {
    for (const percent of [false, true]) {
      for (const currency of currencies) {
        let fit = 0;
        for (const g of groups) {
          if (g.percent === percent && (g.currency === null || (currency !== null && g.currency.symbol === currency.symbol && g.currency.position === currency.position))) fit += g.accepted[reading]!;
        }
        if (fit > best) {
          best = fit;
          choices.length = 0;
        }
        if (fit === best && fit > 0) choices.push({ reading, percent, currency });
      }
    }
  }
  if (best === 0) return none(`not numbers: no reading fits ${JSON.stringify(sampler.firstExample())}`);
  // Readings that read the same values the same way are one interpretation; several are an ambiguity.
  const present = separatorChars.filter((_, s) => sampler.separatorCells[s]! > 0);
  const signature = (reading: number) => present.map((char) => roleOf(readings[reading]!, char)).join(',');
  const interpretations = [...new Set(choices.map((c) => signature(c.reading)))];
  let why = '';
  let candidates = choices;
  if (interpretations.length > 1) {
    const char = present.find((c) => new Set(choices.map((choice) => roleOf(readings[choice.reading]!, c))).size > 1)!;
    const asDecimal = (choice: { reading: number }) => roleOf(readings[choice.reading]!, char) === 'decimal';
    let decimalWins: boolean;
    if (sampler.ungroupedLong > 0) {
      decimalWins = true;
      why = `${count(sampler.ungroupedLong, 'value')} of 4+ digits ${sampler.ungroupedLong === 1 ? 'is' : 'are'} written without a thousands separator, so "${char}" is not one`;
    } else if (context.decimal !== undefined) {
      decimalWins = context.decimal === char;
      why = `the file's decimal mark is "${context.decimal}"`;
    } else {
      const assumed: DecimalMark = context.delimiter === ';' ? ',' : '.';
      decimalWins = assumed === char;
      why = context.delimiter === ';' ? 'the file is ";"-separated, as where decimal commas are written' : 'a decimal point is the default outside ";"-separated files';
    }
    candidates = choices.filter((c) => asDecimal(c) === decimalWins);
    const example = sampler.separatorExamples[separatorChars.indexOf(char)];
    why = `ambiguous: every value with "${char}" (e.g. ${JSON.stringify(example)}) has one "${char}" followed by exactly 3 digits, so it may separate thousands or decimals; read as ${decimalWins ? 'the decimal mark' : 'a thousands separator'} because ${why}. If that is wrong, set data.decimal`;
  }
  const chosen = candidates[0]!;
  const roles = signature(chosen.reading).split(',');
  const decimalChar = present.find((_, i) => roles[i] === 'decimal') as DecimalMark | undefined;
  const group = (present.find((_, i) => roles[i] === 'group') ?? '') as GroupSeparator;
  const decimal: DecimalMark = decimalChar ?? (group === ',' ? '.' : group === '.' ? ',' : (context.decimal ?? readings[chosen.reading]!.decimal));
  const format: NumberFormat = { decimal, group, percent: chosen.percent, currency: chosen.currency, parentheses: sampler.parentheses > 0 };
  const detection = {
    cells: sampler.cells,
    conforming: best,
    ambiguous: interpretations.length > 1,
    decimalSeen: decimalChar !== undefined,
    mismatch: best < sampler.cells ? sampler.exampleOutside(format) : null,
  };
  if (sampler.leadingZeros > 0) {
    return { ...detection, format: null, note: `codes, not quantities: ${count(sampler.leadingZeros, 'value')} ${sampler.leadingZeros === 1 ? 'has' : 'have'} leading zeros (e.g. ${JSON.stringify(sampler.firstLeadingZero)}); read as text` };
  }
  const fits = best === sampler.cells ? `all ${best.toLocaleString('en-US')} values fit` : `${best.toLocaleString('en-US')} of ${sampler.cells.toLocaleString('en-US')} values fit (${share(best, sampler.cells)}; e.g. ${JSON.stringify(detection.mismatch)} does not)`;
  if (best / sampler.cells < minConformingShare) {
    return { ...detection, format: null, note: `not numbers: only ${fits}, fewer than ${share(minConformingShare, 1)}` };
  }
  return { ...detection, format, note: `${describeNumberFormat(format)}: ${fits}${why ? `; ${why}` : ''}` };
}

/** The file's decimal mark and why (`data.decimal`). */
export interface DecimalDecision {
  decimal: DecimalMark;
  reason: string;
  /** Numeric columns whose own values use the other decimal mark (they keep it in their format). */
  conflicts: string[];
}

/**
 * Decides the file's decimal mark from its columns: the mark that more columns write
 * unambiguously in a fractional value; with no such column, from the delimiter (a decimal comma
 * in `;`-separated files, a point otherwise). Resolve each column again with the result as
 * {@link NumberFormatContext.decimal}: its ambiguous separators then follow the file.
 */
export function decideDecimalMark(columns: readonly { name: string; detection: NumberFormatDetection }[], delimiter: string): DecimalDecision {
  const evidence = columns.filter((c) => c.detection.format !== null && !c.detection.ambiguous && c.detection.decimalSeen);
  const byMark = (mark: DecimalMark) => evidence.filter((c) => c.detection.format!.decimal === mark).map((c) => c.name);
  const comma = byMark(',');
  const point = byMark('.');
  if (comma.length === 0 && point.length === 0) {
    const decimal: DecimalMark = delimiter === ';' ? ',' : '.';
    return { decimal, reason: `no column writes a fraction unambiguously; assumed "${decimal}" from the delimiter ${JSON.stringify(delimiter)}`, conflicts: [] };
  }
  const decimal: DecimalMark = comma.length > point.length || (comma.length === point.length && delimiter === ';') ? ',' : '.';
  const [agree, disagree] = decimal === ',' ? [comma, point] : [point, comma];
  const list = (names: string[]) => names.slice(0, 5).map((n) => JSON.stringify(n)).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
  return {
    decimal,
    reason: `${agree.length} column${agree.length === 1 ? '' : 's'} write${agree.length === 1 ? 's' : ''} fractions with "${decimal}" (${list(agree)})${disagree.length > 0 ? `; ${list(disagree)} use${disagree.length === 1 ? 's' : ''} the other mark and keep${disagree.length === 1 ? 's' : ''} it` : ''}`,
    conflicts: disagree,
  };
}
