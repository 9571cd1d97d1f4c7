import { describe, expect, test } from 'vitest';
import { columnFormat, formatNumber, missingValue, shortHash, type NumberFormat } from '../../src/core/number-format.js';

describe('formatNumber: 4 significant digits by default, never an exponent', () => {
  test.each([
    [0.8461234, '0.8461'],
    [0.8, '0.8000'],
    [12.3456, '12.35'],
    [0.041234, '0.04123'],
    [0, '0.000'],
    [-0.031, '-0.03100'],
    [9999.6, '10000'],
    [123456.7, '123457'],
    [0.0000123456, '0.00001235'],
    [1e-7, '0.0000001000'],
    [-1e-12, '0.0000000000'],
  ])('%s → %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
    expect(formatNumber(value)).not.toMatch(/e/i);
  });

  test.each([[null], [undefined], [Number.NaN], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY]])('%s is the missing value', (value) => {
    expect(formatNumber(value)).toBe(missingValue);
    expect(formatNumber(value, { decimals: 2, signed: true, percent: true })).toBe(missingValue);
  });

  test('the missing value is one symbol, the em dash', () => {
    expect(missingValue).toBe('—');
  });
});

describe('formatNumber options', () => {
  test.each<[string, number, NumberFormat, string]>([
    ['fixed decimals line columns up', 0.8, { decimals: 4 }, '0.8000'],
    ['fixed decimals round', 12.34567, { decimals: 4 }, '12.3457'],
    ['a tiny value keeps its digits rather than reading as zero', 0.0000123456, { decimals: 4 }, '0.00001235'],
    ['zero stays zero', 0, { decimals: 4 }, '0.0000'],
    ['milliseconds with one decimal', 12.345, { decimals: 1 }, '12.3'],
    ['trailing zeros dropped', 0.8, { trimZeros: true }, '0.8'],
    ['whole numbers lose the point', 42, { trimZeros: true }, '42'],
    ['a rise', 0.005, { signed: true }, '+0.005000'],
    ['a fall with a real minus sign', -0.031, { signed: true }, '−0.03100'],
    ['no change has no sign', 0, { signed: true }, '0.000'],
    ['a share', 0.1234, { percent: true }, '12.3%'],
    ['a share with more decimals', 0.12345, { percent: true, decimals: 2 }, '12.35%'],
    ['a tiny share is not 0.0%', 0.00001, { percent: true }, '0.001000%'],
    ['a table column has 4 decimals', 0.05994, columnFormat, '0.0599'],
  ])('%s: %s → %s', (_case, value, format, text) => {
    expect(formatNumber(value, format)).toBe(text);
  });
});

describe('shortHash', () => {
  test.each([
    ['a'.repeat(64), 12, 'a'.repeat(12)],
    ['0123456789abcdef', 8, '01234567'],
    [null, 12, missingValue],
    ['', 12, missingValue],
  ])('%s (%i) → %s', (value, length, text) => {
    expect(shortHash(value, length)).toBe(text);
  });
});
