import { describe, expect, test } from 'vitest';
import type { ServedFeature } from '../../src/serving/api-schema.js';
import { RequestError } from '../../src/serving/http-errors.js';
import { acceptsNumbers, compileRequestParser, predictRequestSchema } from '../../src/serving/request-validation.js';

const features: ServedFeature[] = [
  { name: 'tenure', type: 'numeric', nullable: false, min: 0, max: 72 },
  { name: 'total_charges', type: 'numeric', nullable: true },
  { name: 'contract', type: 'categorical', nullable: false, vocabulary: ['Month-to-month', 'One year', 'Two year'] },
  { name: 'region', type: 'categorical', nullable: true, vocabulary: ['1', '2', '10'] },
];
const limits = { maxInstances: 3, maxStringLength: 20 };
const parse = compileRequestParser(features, limits);
const schema = predictRequestSchema(features, limits);

const valid = { tenure: 12, total_charges: 100.5, contract: 'One year', region: '2' };
const withValue = (key: string, value: unknown) => ({ ...valid, [key]: value });
const without = (key: string) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key));

/** The body as a client sends it: JSON text, parsed the way the server parses it. */
const body = (text: string): unknown => JSON.parse(text);

function failure(value: unknown): { status: number; code: string; field?: string; instance?: number } {
  try {
    parse(value);
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    const out: { status: number; code: string; field?: string; instance?: number } = { status: error.status, code: error.code };
    if (error.field !== undefined) out.field = error.field;
    if (error.instance !== undefined) out.instance = error.instance;
    return out;
  }
  throw new Error('expected the parser to refuse the body');
}

const rejected: { name: string; value: unknown; expected: ReturnType<typeof failure> }[] = [
  { name: 'a JSON array at the top', value: [valid], expected: { status: 400, code: 'invalid_body' } },
  { name: 'a JSON string at the top', value: 'hello', expected: { status: 400, code: 'invalid_body' } },
  { name: 'instances that is not an array', value: { instances: valid }, expected: { status: 400, code: 'invalid_body', field: 'instances' } },
  { name: 'an empty object', value: {}, expected: { status: 400, code: 'invalid_body' } },
  { name: 'an empty instances array', value: { instances: [] }, expected: { status: 400, code: 'empty_instances', field: 'instances' } },
  { name: 'more instances than the limit', value: { instances: [valid, valid, valid, valid] }, expected: { status: 413, code: 'too_many_instances', field: 'instances' } },
  { name: 'another top-level key beside instances', value: { instances: [valid], signature_name: 'x' }, expected: { status: 400, code: 'unknown_field', field: 'signature_name' } },
  { name: 'an instance that is not an object', value: { instances: [valid, 5] }, expected: { status: 400, code: 'invalid_instance', instance: 1 } },
  { name: 'a null instance', value: { instances: [null] }, expected: { status: 400, code: 'invalid_instance', instance: 0 } },
  { name: 'a missing feature', value: without('contract'), expected: { status: 400, code: 'missing_feature', field: 'contract', instance: 0 } },
  { name: 'a missing nullable feature (null must be explicit)', value: without('total_charges'), expected: { status: 400, code: 'missing_feature', field: 'total_charges', instance: 0 } },
  { name: 'an extra feature', value: withValue('colour', 'red'), expected: { status: 400, code: 'unknown_feature', field: 'colour', instance: 0 } },
  { name: 'an extra feature in the second instance', value: { instances: [valid, withValue('colour', 'red')] }, expected: { status: 400, code: 'unknown_feature', field: 'colour', instance: 1 } },
  { name: 'a string in a numeric feature', value: withValue('tenure', '12'), expected: { status: 400, code: 'wrong_type', field: 'tenure', instance: 0 } },
  { name: 'the string "NaN" in a numeric feature', value: withValue('tenure', 'NaN'), expected: { status: 400, code: 'wrong_type', field: 'tenure', instance: 0 } },
  { name: 'a boolean in a numeric feature', value: withValue('tenure', true), expected: { status: 400, code: 'wrong_type', field: 'tenure', instance: 0 } },
  { name: '1e999 (parses to Infinity)', value: body(`{"tenure":1e999,"total_charges":1,"contract":"One year","region":"1"}`), expected: { status: 400, code: 'non_finite_number', field: 'tenure', instance: 0 } },
  { name: '-1e999', value: body(`{"tenure":1,"total_charges":-1e999,"contract":"One year","region":"1"}`), expected: { status: 400, code: 'non_finite_number', field: 'total_charges', instance: 0 } },
  { name: 'a number beyond float32 range', value: withValue('tenure', 1e39), expected: { status: 400, code: 'non_finite_number', field: 'tenure', instance: 0 } },
  { name: 'null where training had no missing values', value: withValue('tenure', null), expected: { status: 400, code: 'null_not_allowed', field: 'tenure', instance: 0 } },
  { name: 'null in a categorical feature without missing values', value: withValue('contract', null), expected: { status: 400, code: 'null_not_allowed', field: 'contract', instance: 0 } },
  { name: 'a nested object', value: withValue('tenure', { value: 12 }), expected: { status: 400, code: 'nested_value', field: 'tenure', instance: 0 } },
  { name: 'an array value', value: withValue('contract', ['One year']), expected: { status: 400, code: 'nested_value', field: 'contract', instance: 0 } },
  { name: 'a number for a categorical feature with a text vocabulary', value: withValue('contract', 1), expected: { status: 400, code: 'wrong_type', field: 'contract', instance: 0 } },
  { name: 'an oversized string', value: withValue('contract', 'x'.repeat(21)), expected: { status: 400, code: 'string_too_long', field: 'contract', instance: 0 } },
  { name: 'an oversized string of emoji (21 characters, 42 UTF-16 units)', value: withValue('contract', '😀'.repeat(21)), expected: { status: 400, code: 'string_too_long', field: 'contract', instance: 0 } },
  { name: '__proto__ in an instance', value: body(`{"tenure":1,"total_charges":1,"contract":"One year","region":"1","__proto__":{"polluted":true}}`), expected: { status: 400, code: 'forbidden_key', field: '__proto__', instance: 0 } },
  { name: '__proto__ replacing a feature', value: body(`{"__proto__":{"polluted":true},"total_charges":1,"contract":"One year","region":"1"}`), expected: { status: 400, code: 'forbidden_key', field: '__proto__', instance: 0 } },
  { name: 'constructor in an instance of the envelope', value: body(`{"instances":[{"tenure":1,"total_charges":1,"contract":"One year","region":"1","constructor":{"prototype":{"polluted":true}}}]}`), expected: { status: 400, code: 'forbidden_key', field: 'constructor', instance: 0 } },
  { name: '__proto__ beside instances', value: body(`{"instances":[{"tenure":1,"total_charges":1,"contract":"One year","region":"1"}],"__proto__":{"polluted":true}}`), expected: { status: 400, code: 'forbidden_key', field: '__proto__' } },
  { name: 'prototype as a key', value: withValue('prototype', 1), expected: { status: 400, code: 'forbidden_key', field: 'prototype', instance: 0 } },
];

describe('the /predict request parser', () => {
  test.each(rejected)('refuses $name', ({ value, expected }) => {
    expect(failure(value)).toEqual(expected);
  });

  test.each([
    { name: 'one bare instance', value: valid, rows: [valid] },
    { name: 'the envelope', value: { instances: [valid, withValue('tenure', 0)] }, rows: [valid, withValue('tenure', 0)] },
    { name: 'null where training had missing values', value: withValue('total_charges', null), rows: [withValue('total_charges', null)] },
    { name: 'null in a nullable categorical feature', value: withValue('region', null), rows: [withValue('region', null)] },
    { name: 'an unknown category (served through the OOV slot)', value: withValue('contract', 'Three year'), rows: [withValue('contract', 'Three year')] },
    { name: 'a number for a vocabulary of number codes, as its canonical string', value: withValue('region', 10), rows: [withValue('region', '10')] },
    { name: 'a number code outside the vocabulary (OOV)', value: withValue('region', 2.5), rows: [withValue('region', '2.5')] },
    { name: 'a negative zero and exponents', value: withValue('tenure', -0), rows: [withValue('tenure', -0)] },
    { name: 'the longest accepted string', value: withValue('contract', 'x'.repeat(20)), rows: [withValue('contract', 'x'.repeat(20))] },
    { name: 'the longest accepted string in emoji (characters, not UTF-16 units)', value: withValue('contract', '😀'.repeat(20)), rows: [withValue('contract', '😀'.repeat(20))] },
    { name: 'the largest float32', value: withValue('tenure', 3.4028234663852886e38), rows: [withValue('tenure', 3.4028234663852886e38)] },
  ])('accepts $name', ({ value, rows }) => {
    expect(parse(structuredClone(value))).toEqual(rows);
  });

  test('messages name the instance and field and never quote more than a few characters of a value', () => {
    try {
      parse({ instances: [valid, withValue('tenure', `NaN${'x'.repeat(5000)}`)] });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^instances\[1\]\.tenure: expected a number, got the string "NaNx+…"\.$/);
      expect((error as Error).message.length).toBeLessThan(120);
    }
  });

  test('parsing never touches Object.prototype', () => {
    for (const { value } of rejected) {
      try {
        parse(value);
      } catch {
        // refused, as the table says
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('the zod schema published at /api/request-schema.json follows the same rules', () => {
  test.each(rejected)('refuses $name', ({ value }) => {
    expect(schema.safeParse(value).success).toBe(false);
  });

  test.each([valid, { instances: [valid, withValue('total_charges', null)] }, withValue('region', 10), withValue('contract', 'Three year'), withValue('contract', '😀'.repeat(20))])('accepts what the parser accepts (%#)', (value) => {
    const parsed = schema.safeParse(structuredClone(value));
    expect(parsed.success).toBe(true);
    const rows = parse(structuredClone(value));
    const data = parsed.data as { instances?: unknown[] };
    expect(data.instances ?? [data]).toEqual(rows);
  });
});

describe('acceptsNumbers', () => {
  test.each([
    { vocabulary: ['1', '2'], expected: true },
    { vocabulary: ['a', '10'], expected: true },
    { vocabulary: ['1.0', '01', '+1', '1e3'], expected: false },
    { vocabulary: ['Yes', 'No'], expected: false },
    { vocabulary: undefined, expected: false },
  ])('$vocabulary → $expected', ({ vocabulary, expected }) => {
    expect(acceptsNumbers(vocabulary)).toBe(expected);
  });
});

describe('datetime features arrive as strings', () => {
  const dated: ServedFeature[] = [
    { name: 'tenure', type: 'numeric', nullable: false },
    { name: 'signup', type: 'datetime', nullable: false, date_format: { layout: 'dmy', separator: '.', time: false } },
    { name: 'seen', type: 'datetime', nullable: true, date_format: { layout: 'iso', separator: '-', time: true } },
  ];
  const parseDated = compileRequestParser(dated, limits);
  const datedSchema = predictRequestSchema(dated, limits);
  const instance = { tenure: 3, signup: '26.11.2024', seen: '2024-12-30T08:00:00Z' };

  test.each([
    ['in the column’s own format', instance],
    ['in ISO 8601', { ...instance, signup: '2024-11-26' }],
    ['null where training saw missing dates', { ...instance, seen: null }],
  ])('accepts a date %s, passing the string on unchanged (preprocessing reads it)', (_name, value) => {
    expect(parseDated(structuredClone(value))).toEqual([value]);
    expect(datedSchema.safeParse(structuredClone(value)).success).toBe(true);
  });

  test.each([
    ['not a date', { ...instance, signup: 'soon' }, 'invalid_date', 'instances[0].signup: the string "soon" is not a date: expected a date like day.month.year (31.12.2024), or ISO 8601 (2024-12-31).'],
    ['not a calendar date', { ...instance, signup: '31.02.2024' }, 'invalid_date', 'instances[0].signup: the string "31.02.2024" is not a date: expected a date like day.month.year (31.12.2024), or ISO 8601 (2024-12-31).'],
    ['a number (epoch ms are not the contract)', { ...instance, signup: 1732579200000 }, 'wrong_type', 'instances[0].signup: expected a date string (expected a date like day.month.year (31.12.2024), or ISO 8601 (2024-12-31)), got the number 1732579200000.'],
    ['null where training had none missing', { ...instance, signup: null }, 'null_not_allowed', undefined],
  ])('refuses %s with 400 %s', (_name, value, code, message) => {
    try {
      parseDated(structuredClone(value));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RequestError);
      expect((error as RequestError).code).toBe(code);
      expect((error as RequestError).status).toBe(400);
      if (message) expect((error as RequestError).message).toBe(message);
    }
    expect(datedSchema.safeParse(structuredClone(value)).success).toBe(false);
  });
});
