import { describe, expect, test } from 'vitest';
import { createRandom } from '../../src/core/rng.js';
import { compileNumberParser, delimiterConflict, describeNumberFormat, formatNumberExample, normaliseDigits, plainNumberFormat, readNumberCell, type NumberFormat } from '../../src/data/number-cell.js';
import { decideDecimalMark, NumberFormatSampler, resolveNumberFormat, type NumberFormatContext } from '../../src/data/number-format.js';

function detect(cells: readonly string[], context: NumberFormatContext = { delimiter: ',' }) {
  const sampler = new NumberFormatSampler();
  for (const cell of cells) sampler.add(cell);
  return resolveNumberFormat(sampler, context);
}

const format = (partial: Partial<NumberFormat>): NumberFormat => ({ ...plainNumberFormat, ...partial });

describe('normaliseDigits', () => {
  test.each([
    ['1234.5', '.', '', '1234.5'],
    ['1,234.5', '.', ',', '1234.5'],
    ['1.234,5', ',', '.', '1234.5'],
    ['1 234 567,25', ',', ' ', '1234567.25'],
    ['1\u202f234', ',', ' ', '1234'],
    ["1'234.5", '.', "'", '1234.5'],
    ['1\u2019234.5', '.', "'", '1234.5'],
    ['.5', '.', '', '.5'],
    ['1234', '.', ',', '1234'],
    ['12,34', '.', ',', null],
    ['1,2345', '.', ',', null],
    ['1234,567', '.', ',', null],
    ['1,234.5,6', '.', ',', null],
    ['1.', '.', '', null],
    ['1.2.3', '.', '', null],
    ['1,234', ',', '', '1.234'],
  ] as const)('%s with decimal %s and group %j → %s', (digits, decimal, group, expected) => {
    expect(normaliseDigits(digits, decimal, group)).toBe(expected);
  });
});

describe('readNumberCell', () => {
  test.each([
    ['-12', { negative: true, digits: '12', currency: null, percent: false }],
    ['\u221212', { negative: true, digits: '12' }],
    ['($1,234.00)', { negative: true, parentheses: true, digits: '1,234.00', currency: { symbol: '$', position: 'before' } }],
    ['-$5', { negative: true, currency: { symbol: '$', position: 'before' } }],
    ['$-5', { negative: true, currency: { symbol: '$', position: 'before' } }],
    ['12,50 €', { negative: false, digits: '12,50', currency: { symbol: '€', position: 'after' } }],
    ['12,5\u00a0%', { percent: true, digits: '12,5' }],
    ['EUR 3.00', { currency: { symbol: 'EUR', position: 'before' } }],
    ['1.5e-3', { digits: '1.5', exponent: 'e-3' }],
  ])('%j', (cell, expected) => {
    expect(readNumberCell(cell)).toMatchObject(expected);
  });

  test.each(['abc', '12abc', '(12', '--1', '-(1)', '$12€', '', 'ABC 12', '0x1A', '12 34 %%'])('%j is not shaped like a number', (cell) => {
    expect(readNumberCell(cell)).toBeNull();
  });
});

describe('resolveNumberFormat', () => {
  test.each([
    ['decimal commas', ['29,85', '56,95', '1889,5'], ';', format({ decimal: ',' })],
    ['decimal comma with dots between thousands', ['1.889,50', '29,85', '108,15'], ';', format({ decimal: ',', group: '.' })],
    ['two commas decide thousands', ['1,234,567', '1,234', '12'], ';', format({ group: ',' })],
    ['a space between thousands (and no-break spaces)', ['1 234,56', '1\u00a0000', '12\u202f345,6', '7'], ',', format({ decimal: ',', group: ' ' })],
    ['Swiss apostrophes', ["1'234.50", '12.00', '1\u2019000.25'], ',', format({ group: "'" })],
    ['US dollars in an accounting export', ['$1,234.50', '($12.00)', '$0.99'], ',', format({ group: ',', currency: { symbol: '$', position: 'before' }, parentheses: true })],
    ['euros after the amount', ['12,50 €', '1.234,00 €', '0,99 €'], ';', format({ decimal: ',', group: '.', currency: { symbol: '€', position: 'after' } })],
    ['an ISO code before the amount', ['EUR 12.50', 'EUR 3.00'], ',', format({ currency: { symbol: 'EUR', position: 'before' } })],
    ['percentages', ['12,5 %', '100 %', '0,5 %'], ';', format({ decimal: ',', percent: true })],
    ['a dot followed by 1 digit is a decimal point', ['1.234', '2.5'], ';', format({})],
    ['plain signed numbers', ['\u221212', '+3', '-4.5', '1e3'], ',', format({})],
    ['a column with currency on some values only', ['$12.00', '3.50', '$1,000.00'], ',', format({ group: ',', currency: { symbol: '$', position: 'before' } })],
  ] as const)('%s', (_, cells, delimiter, expected) => {
    const result = detect(cells, { delimiter });
    expect(result.format).toEqual(expected);
    expect(result.ambiguous).toBe(false);
    expect(result.conforming).toBe(cells.length);
  });

  test.each([
    ['a comma-separated file: thousands', ['1,234', '12', '999'], { delimiter: ',' }, format({ group: ',' }), /read as a thousands separator because a decimal point is the default/],
    ['a ;-separated file: decimal comma', ['1,234', '12', '999'], { delimiter: ';' }, format({ decimal: ',' }), /read as the decimal mark because the file is ";"-separated/],
    ['the file decimal decides', ['1,234', '5'], { delimiter: ',', decimal: ',' }, format({ decimal: ',' }), /the file's decimal mark is ","/],
    ['an ungrouped 4-digit value decides', ['1,234', '1234'], { delimiter: ',' }, format({ decimal: ',' }), /1 value of 4\+ digits is written without a thousands separator/],
    ['a dot in a comma file: decimal', ['1.234', '5.678'], { delimiter: ',' }, format({}), /read as the decimal mark/],
    ['a dot in a ;-separated file: thousands', ['1.234', '5.678'], { delimiter: ';' }, format({ decimal: ',', group: '.' }), /read as a thousands separator/],
  ] as const)('ambiguous: %s', (_, cells, context, expected, note) => {
    const result = detect(cells, context);
    expect(result.format).toEqual(expected);
    expect(result.ambiguous).toBe(true);
    expect(result.note).toMatch(note);
    expect(result.note).toContain('set data.decimal');
  });

  test('codes with leading zeros are text, not numbers', () => {
    const result = detect(['02139', '10001', '94105']);
    expect(result.format).toBeNull();
    expect(result.note).toBe('codes, not quantities: 1 value has leading zeros (e.g. "02139"); read as text');
  });

  test('text is not numbers', () => {
    const result = detect(['abc', '12']);
    expect(result.format).toBeNull();
    expect(detect(['abc', 'def']).note).toBe('not numbers: "abc" is text');
  });

  test('one cell that breaks the format is reported, and the column stays numeric', () => {
    const cells = [...Array.from({ length: 199 }, (_, i) => `${i},5`), '12.5'];
    const result = detect(cells, { delimiter: ';' });
    expect(result.format).toEqual(format({ decimal: ',' }));
    expect(result.conforming).toBe(199);
    expect(result.mismatch).toBe('12.5');
    expect(result.note).toContain('199 of 200 values fit (99.5%; e.g. "12.5" does not)');
  });

  test('too many cells that break the format make the column text', () => {
    const result = detect(['1,5', '2,5', '3.5', '4.5']);
    expect(result.format).toBeNull();
    expect(result.note).toMatch(/^not numbers: only 2 of 4 values fit/);
  });

  test('percent signs must be on every value', () => {
    const result = detect([...Array.from({ length: 150 }, (_, i) => `${i} %`), '0.5']);
    expect(result.format?.percent).toBe(true);
    expect(result.mismatch).toBe('0.5');
  });
});

describe('compileNumberParser', () => {
  const euro = format({ decimal: ',', group: '.', currency: { symbol: '€', position: 'after' }, parentheses: true });
  test.each([
    [euro, '1.234,56 €', 1234.56],
    [euro, '1234,56', 1234.56],
    [euro, '(12,00 €)', -12],
    [euro, '-0,5', -0.5],
    [format({ percent: true }), '12.5%', 12.5],
    [format({ group: ' ', decimal: ',' }), '1\u202f234\u00a0567,5', 1234567.5],
    [plainNumberFormat, ' 42 ', 42],
    [plainNumberFormat, '1e3', 1000],
  ])('%j reads %j as %d', (f, cell, expected) => {
    expect(compileNumberParser(f)(cell)).toBe(expected);
  });

  test.each([
    [euro, '12.50 €', 'has separators that do not fit the column\'s format: expected a number like "1.234,50 €" (decimal comma, "." between thousands, "€" after the number, negatives in parentheses)'],
    [euro, '$12', 'is in "$", not in the column\'s currency: expected a number like "1.234,50 €"'],
    [euro, 'twelve', 'is not a number: expected a number like "1.234,50 €"'],
    [format({ percent: true }), '0.5', 'has no percent sign, which the column\'s other values carry'],
    [format({ decimal: ',' }), '5 %', 'has a percent sign, which the column\'s other values do not'],
    [format({ decimal: ',' }), '1e999', 'is not a finite number (it overflows)'],
    [plainNumberFormat, '1,5', 'is not a number: expected a number like "1234.50" (decimal point)'],
    [plainNumberFormat, 'NaN', 'is not a finite number (NaN and infinities are not data)'],
  ])('%j rejects %j', (f, cell, reason) => {
    const result = compileNumberParser(f)(cell);
    expect(typeof result).toBe('string');
    expect(result).toContain(reason);
  });

  test('the fast path reads exactly what the full reading reads (20,000 generated cells)', () => {
    const random = createRandom(8);
    const pick = <T,>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    // The full reading, composed from the public pieces.
    const reference = (f: NumberFormat, cell: string): number | null => {
      const parts = readNumberCell(cell);
      if (!parts || parts.percent !== f.percent || (parts.currency && parts.currency.symbol !== f.currency?.symbol)) return null;
      const digits = normaliseDigits(parts.digits, f.decimal, f.group);
      if (digits === null) return null;
      const value = Number(digits + parts.exponent);
      return Number.isFinite(value) ? (parts.negative ? -value : value) : null;
    };
    const formats = [euro, format({ group: ',', currency: { symbol: '$', position: 'before' }, parentheses: true }), format({ decimal: ',', group: ' ', percent: true }), format({ group: "'" }), format({ currency: { symbol: 'EUR', position: 'before' } })];
    const pieces = ['1', '12', '123', '1234', '.', ',', ' ', '\u00a0', "'", '€', '$', '%', '(', ')', '-', '+', '\u2212', 'e3', 'EUR', '0', '999'];
    let compared = 0;
    for (let i = 0; i < 20_000; i++) {
      const f = pick(formats);
      const cell = random() < 0.5 ? formatNumberExample(f, (random() - 0.3) * 10 ** Math.floor(random() * 8)) : Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(pieces)).join('');
      const got = compileNumberParser(f)(cell);
      const want = reference(f, cell);
      if (want === null) expect(typeof got, JSON.stringify(cell)).toBe('string');
      else expect(got, JSON.stringify(cell)).toBe(want);
      compared++;
    }
    expect(compared).toBe(20_000);
  });

  test('parses what it formats', () => {
    const formats = [euro, format({ group: ',', currency: { symbol: '$', position: 'before' }, parentheses: true }), format({ decimal: ',', group: ' ', percent: true }), format({ group: "'" })];
    for (const f of formats) for (const value of [-1234.5, 0.25, 1234567.89]) expect(compileNumberParser(f)(formatNumberExample(f, value))).toBeCloseTo(value, 9);
  });
});

describe('describeNumberFormat and delimiterConflict', () => {
  test('words for a format', () => {
    expect(describeNumberFormat(format({ decimal: ',', group: ' ', percent: true }))).toBe('decimal comma, a space between thousands, a percent sign');
  });

  test.each([
    [format({ decimal: ',' }), ',', /the decimal mark "," is also the field delimiter: every such value must be quoted/],
    [format({ group: ',' }), ',', /the thousands separator ","/],
    [format({ decimal: ',' }), ';', null],
    [plainNumberFormat, ',', null],
  ])('%j with delimiter %j', (f, delimiter, expected) => {
    const conflict = delimiterConflict(f, delimiter);
    if (expected === null) expect(conflict).toBeNull();
    else expect(conflict).toMatch(expected);
  });
});

describe('decideDecimalMark', () => {
  const column = (name: string, cells: string[], delimiter = ';') => ({ name, detection: detect(cells, { delimiter }) });

  test('the mark that most columns write unambiguously, with the others named', () => {
    const decision = decideDecimalMark([column('a', ['29,85', '1,5']), column('b', ['1.889,50']), column('c', ['2.5']), column('d', ['1,234'])], ';');
    expect(decision.decimal).toBe(',');
    expect(decision.conflicts).toEqual(['c']);
    expect(decision.reason).toBe('2 columns write fractions with "," ("a", "b"); "c" uses the other mark and keeps it');
  });

  test('from the delimiter when no column writes a fraction', () => {
    expect(decideDecimalMark([column('n', ['12', '7'])], ';')).toMatchObject({ decimal: ',', conflicts: [] });
    expect(decideDecimalMark([column('n', ['12', '7'], ',')], ',').decimal).toBe('.');
  });

  test('an ambiguous column follows the file once its decimal mark is known', () => {
    const sampler = new NumberFormatSampler();
    for (const cell of ['1.234', '5.678']) sampler.add(cell);
    expect(resolveNumberFormat(sampler, { delimiter: ',', decimal: ',' }).format).toEqual(format({ decimal: ',', group: '.' }));
  });
});
