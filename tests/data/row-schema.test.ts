import { describe, expect, test } from 'vitest';
import type { DataIssue } from '../../src/core/errors.js';
import {
  bindHeader,
  compileRowParser,
  featureValuesSchema,
  findDuplicateColumns,
  missingCode,
  outOfVocabularyCode,
  parseNumber,
} from '../../src/data/row-schema.js';
import { loadedConfigFor } from '../fixtures/data/telco-config.js';

describe('parseNumber', () => {
  test.each([
    { text: '42', result: 42 },
    { text: '-3.5', result: -3.5 },
    { text: '+7', result: 7 },
    { text: '.5', result: 0.5 },
    { text: '5.', result: 5 },
    { text: '1e3', result: 1000 },
    { text: '-0', result: -0 },
    { text: '0', result: 0 },
    { text: '  12  ', result: 12 },
    { text: '1.7976931348623157e308', result: 1.7976931348623157e308 },
    { text: 'NaN', result: 'non-finite' },
    { text: 'nan', result: 'non-finite' },
    { text: 'Infinity', result: 'non-finite' },
    { text: '-Infinity', result: 'non-finite' },
    { text: '-inf', result: 'non-finite' },
    { text: 'inf', result: 'non-finite' },
    { text: '1e999', result: 'non-finite' },
    { text: '-1e999', result: 'non-finite' },
    { text: 'abc', result: 'non-numeric' },
    { text: '12abc', result: 'non-numeric' },
    { text: '', result: 'non-numeric' },
    { text: '   ', result: 'non-numeric' },
    { text: '0x1A', result: 'non-numeric' },
    { text: '0b101', result: 'non-numeric' },
    { text: '0o17', result: 'non-numeric' },
    { text: '1,234', result: 'non-numeric' },
    { text: '1_000', result: 'non-numeric' },
    { text: '12%', result: 'non-numeric' },
    { text: '-', result: 'non-numeric' },
  ])('parseNumber($text) → $result', ({ text, result }) => {
    expect(parseNumber(text)).toBe(result);
  });
});

const config = loadedConfigFor({
  data: { path: 'x.csv', target: 'label', ignore_columns: ['id'], missing_values: ['', 'NA'] },
  task: { type: 'binary', positive_label: 'yes', negative_label: 'no' },
  features: [
    { name: 'age', type: 'numeric', min: 0, max: 120 },
    { name: 'plan', type: 'categorical', vocabulary: ['basic', 'pro'] },
  ],
  slices: ['plan'],
}).config;

describe('bindHeader', () => {
  test('binds columns in any order', () => {
    const { binding, issues } = bindHeader(config, ['plan', 'id', 'label', 'age']);
    expect(issues).toEqual([]);
    expect([...binding!.featureColumns]).toEqual([3, 0]);
    expect(binding!.targetColumn).toBe(2);
    expect([...binding!.sliceColumns]).toEqual([0]);
  });

  test.each([
    { header: ['age', 'plan'], code: 'missing-target-column', column: 'label', bound: false },
    { header: ['label', 'plan'], code: 'missing-feature-column', column: 'age', bound: false },
    { header: ['label', 'age', 'plan', 'age'], code: 'duplicate-column', column: 'age', bound: true },
    { header: ['label', 'age', 'plan', 'colour'], code: 'unknown-column', column: 'colour', bound: true },
    { header: ['label', 'age', 'plan', ''], code: 'empty-column-name', column: undefined, bound: true },
  ])('$header → $code', ({ header, code, column, bound }) => {
    const { binding, issues } = bindHeader(config, header, 1);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code, severity: 'error', line: 1 });
    expect(issues[0]!.column).toBe(column);
    expect(binding !== null).toBe(bound);
  });

  test('suggests a close name, and the misspelt column is unknown', () => {
    const { issues } = bindHeader(config, ['Label', 'age', 'plan']);
    expect(issues.map((i) => i.code)).toEqual(['missing-target-column', 'unknown-column']);
    expect(issues[0]!.message).toBe('line 1: the target column "label" is not a column of the file (did you mean "Label"?); columns are "Label", "age", "plan"');
  });

  test('a header read as one column hints at the delimiter', () => {
    const { issues } = bindHeader(config, ['label;age;plan']);
    expect(issues[0]!.message).toContain('the file seems to use ";" as its delimiter; set data.delimiter');
  });

  test('duplicates are listed with their positions', () => {
    expect(findDuplicateColumns(['a', 'b', 'a', 'c', 'b', 'a'])).toEqual([
      { name: 'a', positions: [1, 3, 6] },
      { name: 'b', positions: [2, 5] },
    ]);
  });
});

describe('RowParser', () => {
  const header = ['id', 'age', 'plan', 'label'];
  const parser = compileRowParser(config, bindHeader(config, header).binding!);
  const parse = (cells: string[]) => {
    const issues: DataIssue[] = [];
    const valid = parser.parse(cells, 7, (issue) => issues.push(issue));
    return { valid, issues };
  };

  test('a valid row fills the buffers', () => {
    expect(parse(['a1', '34', 'pro', 'yes'])).toEqual({ valid: true, issues: [] });
    expect(parser.numbers[0]).toBe(34);
    expect(parser.codes[1]).toBe(1);
    expect(parser.texts).toEqual(['34', 'pro']);
    expect(parser.targetCode).toBe(1);
  });

  test('missing cells are NaN / missingCode / null', () => {
    expect(parse(['a1', 'NA', '', 'no'])).toEqual({ valid: true, issues: [] });
    expect(parser.numbers[0]).toBeNaN();
    expect(parser.codes[0]).toBe(missingCode);
    expect(parser.codes[1]).toBe(missingCode);
    expect(parser.texts).toEqual([null, null]);
    expect(parser.targetCode).toBe(0);
  });

  test.each([
    { cells: ['a', 'abc', 'pro', 'yes'], code: 'non-numeric', severity: 'error', column: 'age', message: 'line 7, column "age": "abc" is not a number' },
    { cells: ['a', 'NaN', 'pro', 'yes'], code: 'non-finite', severity: 'error', column: 'age', message: 'line 7, column "age": "NaN" is not a finite number' },
    { cells: ['a', '130', 'pro', 'yes'], code: 'out-of-range', severity: 'warning', column: 'age', message: 'line 7, column "age": 130 is above the configured max 120' },
    { cells: ['a', '-1', 'pro', 'yes'], code: 'out-of-range', severity: 'warning', column: 'age', message: 'line 7, column "age": -1 is below the configured min 0' },
    { cells: ['a', '30', 'gold', 'yes'], code: 'unseen-category', severity: 'warning', column: 'plan', message: 'line 7, column "plan": "gold" is not in the vocabulary ("basic", "pro")' },
    { cells: ['a', '30', 'pro', 'maybe'], code: 'unseen-label', severity: 'error', column: 'label', message: 'line 7, column "label": "maybe" is not a label of the binary task (expected "yes" or "no")' },
    { cells: ['a', '30', 'pro', 'NA'], code: 'missing-target', severity: 'error', column: 'label', message: 'line 7, column "label": the target is missing' },
  ])('$cells → $code', ({ cells, code, severity, column, message }) => {
    const { valid, issues } = parse(cells);
    expect(valid).toBe(severity !== 'error');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code, severity, column, line: 7 });
    expect(issues[0]!.message.startsWith(message)).toBe(true);
  });

  test('an out-of-vocabulary value keeps its text', () => {
    parse(['a', '30', 'gold', 'yes']);
    expect(parser.codes[1]).toBe(outOfVocabularyCode);
    expect(parser.texts[1]).toBe('gold');
  });

  test('every problem in a row is reported', () => {
    const { valid, issues } = parse(['a', 'x', 'gold', 'maybe']);
    expect(valid).toBe(false);
    expect(issues.map((i) => i.code)).toEqual(['unseen-label', 'non-numeric', 'unseen-category']);
  });

  test('multiclass and regression targets', () => {
    const multi = loadedConfigFor({ data: { path: 'x.csv', target: 'y' }, task: { type: 'multiclass', classes: ['a', 'b', 'c'] }, features: [{ name: 'x', type: 'numeric' }] }).config;
    const multiParser = compileRowParser(multi, bindHeader(multi, ['x', 'y']).binding!);
    const issues: DataIssue[] = [];
    expect(multiParser.parse(['1', 'c'], 2, (i) => issues.push(i))).toBe(true);
    expect(multiParser.targetCode).toBe(2);
    expect(multiParser.parse(['1', 'd'], 3, (i) => issues.push(i))).toBe(false);
    expect(issues[0]!.message).toContain('"d" is not one of the classes ("a", "b", "c")');
    const reg = loadedConfigFor({ data: { path: 'x.csv', target: 'y' }, task: { type: 'regression', min: 0 }, features: [{ name: 'x', type: 'numeric' }] }).config;
    const regParser = compileRowParser(reg, bindHeader(reg, ['x', 'y']).binding!);
    expect(regParser.parse(['1', '2.5'], 2, (i) => issues.push(i))).toBe(true);
    expect(regParser.targetNumber).toBe(2.5);
    expect(regParser.parse(['1', 'Infinity'], 3, (i) => issues.push(i))).toBe(false);
    expect(issues.at(-1)!.code).toBe('non-finite');
    expect(regParser.parse(['1', '-4'], 4, (i) => issues.push(i))).toBe(true);
    expect(issues.at(-1)!.code).toBe('out-of-range');
  });

  test.each([
    ['0', false],
    ['-3', false],
    ['0.01', true],
  ])('a log-transformed regression target %s is accepted: %s', (cell, ok) => {
    const reg = loadedConfigFor({ data: { path: 'x.csv', target: 'price' }, task: { type: 'regression', target_transform: 'log' }, features: [{ name: 'x', type: 'numeric' }] }).config;
    const parser = compileRowParser(reg, bindHeader(reg, ['x', 'price']).binding!);
    const issues: DataIssue[] = [];
    expect(parser.parse(['1', cell], 7, (i) => issues.push(i))).toBe(ok);
    if (ok) expect(issues).toEqual([]);
    else {
      expect(issues).toEqual([
        {
          code: 'non-positive-target',
          severity: 'error',
          line: 7,
          column: 'price',
          message: `line 7, column "price": ${Number(cell)} is not positive, but task.target_transform is log (the logarithm needs values > 0); set task.target_transform: none`,
        },
      ]);
    }
  });
});

describe('featureValuesSchema', () => {
  const schema = featureValuesSchema(config.features);
  test.each([
    { value: { age: 3, plan: 'pro' }, ok: true },
    { value: { age: null, plan: null }, ok: true },
    { value: { age: '3', plan: 'pro' }, ok: false },
    { value: { age: Number.POSITIVE_INFINITY, plan: 'pro' }, ok: false },
    { value: { age: 3, plan: 'pro', extra: 1 }, ok: false },
    { value: { age: 3 }, ok: false },
  ])('$value → $ok', ({ value, ok }) => {
    expect(schema.safeParse(value).success).toBe(ok);
  });
});
