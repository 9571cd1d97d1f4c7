import { describe, expect, test } from 'vitest';
import type { ServedFeature } from '../../src/serving/api-schema.js';
import { RequestError } from '../../src/serving/http-errors.js';
import { compilePredictBodyParser } from '../../src/serving/predict-body.js';
import { compileRequestParser } from '../../src/serving/request-validation.js';

const features: ServedFeature[] = [
  { name: 'tenure', type: 'numeric', nullable: false },
  { name: 'total_charges', type: 'numeric', nullable: true },
  { name: 'contract', type: 'categorical', nullable: false, vocabulary: ['Month-to-month', 'One year', 'Two year'] },
  { name: 'region', type: 'categorical', nullable: true, vocabulary: ['1', '2', '10'] },
];
const limits = { maxInstances: 3, maxStringLength: 20 };
const parseBody = compilePredictBodyParser(features, limits);
const parseObject = compileRequestParser(features, limits);
const valid = '{"tenure":12,"total_charges":100.5,"contract":"One year","region":"2"}';

/** The outcome of a body: its rows, or the status and code of its refusal. */
function outcome(run: () => unknown): unknown {
  try {
    return { rows: run() };
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    return { status: error.status, code: error.code, field: error.field, instance: error.instance };
  }
}

describe('the /predict body parser (scan, UTF-8, JSON.parse, request parser)', () => {
  test.each([
    valid,
    `{"instances":[${valid},${valid}]}`,
    ` \n{ "instances" : [ ${valid} ] }\n`,
    '{"region":10,"contract":"Three year","total_charges":null,"tenure":-0}',
    `{"instances":[${valid}],"instances":[${valid},${valid}]}`,
    '{"tenure":1,"total_charges":1,"contract":"a \\" quote, a \\\\ and } ] in a string","region":"1"}',
    '{"tenure":1,"total_charges":1,"contract":"One year","region":"1","tenure":2}',
    '{"tenure":1,"total_charges":1,"contract":"One year","region":"1"',
    '{"tenure":1,"total_charges":1,"contract":"One year","region":"1"} trailing',
    '{"tenure":1e999,"total_charges":1,"contract":"One year","region":"1"}',
    '{"tenure":1.5e+2,"total_charges":-2E-1,"contract":"One year","region":null}',
    '{"tenure":1#,"total_charges":1,"contract":"One year","region":"1"}',
    '{"tenure":true,"total_charges":1,"contract":"One year","region":"1"}',
    '{ "tenure" : 1 , "total_charges" :\t1,\r\n"contract":"One year" ,"region":"1" }',
    '{"tenure":"12","total_charges":1,"contract":"One year","region":"1"}',
    '{"tenure":1,"contract":"One year","region":"1"}',
    '{"instances":[]}',
    '{"instances":[5]}',
    '{"instances":{}}',
    `{"instances":[${valid}],"extra":1}`,
    '{}',
    '[]',
    '"hello"',
    'nul',
  ])('agrees with JSON.parse and the request parser on %s', (text) => {
    const expected = outcome(() => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new RequestError(400, 'invalid_json', 'not JSON');
      }
      // A JSON body must be an object or an array at the top (body parsers call this strict).
      if (typeof body !== 'object' || body === null) throw new RequestError(400, 'invalid_json', 'not strict');
      return parseObject(body);
    });
    expect(outcome(() => parseBody(Buffer.from(text)))).toEqual(expected);
  });

  test.each([
    { name: 'an unknown key', text: `{"instances":[{"tenure":1,"colour":"red",${'x'.repeat(50)}`, expected: { status: 400, code: 'unknown_feature', field: 'colour', instance: 0 } },
    { name: 'an unknown key first in a bare body', text: '{"signature_name":"x","instances":[ garbage', expected: { status: 400, code: 'unknown_field', field: 'signature_name', instance: undefined } },
    { name: 'a feature beside instances', text: '{"tenure":1,"instances":[ garbage', expected: { status: 400, code: 'unknown_field', field: 'tenure', instance: undefined } },
    { name: 'an escaped __proto__', text: '{"instances":[{"\\u005f_proto__":{"polluted":true}, garbage', expected: { status: 400, code: 'forbidden_key', field: '__proto__', instance: 0 } },
    { name: 'constructor at the top', text: '{"constructor": garbage', expected: { status: 400, code: 'forbidden_key', field: 'constructor', instance: 0 } },
    { name: 'an object as a value', text: '{"tenure":{"k0":0,"k1":1, garbage', expected: { status: 400, code: 'nested_value', field: 'tenure', instance: 0 } },
    { name: 'one instance too many', text: `{"instances":[${valid},${valid},${valid},${valid} garbage`, expected: { status: 413, code: 'too_many_instances', field: 'instances', instance: undefined } },
    { name: 'a non-object instance', text: `{"instances":[${valid},[[[[ garbage`, expected: { status: 400, code: 'invalid_instance', field: undefined, instance: 1 } },
  ])('stops at $name without reading the rest (which is not even JSON)', ({ text, expected }) => {
    expect(outcome(() => parseBody(Buffer.from(text)))).toEqual(expected);
  });

  test('a 1 MB instance of 70,000 keys is refused at its first unknown key', () => {
    const keys = Array.from({ length: 70_000 }, (_, i) => `"k${i}":${i}`).join(',');
    const body = Buffer.from(`{"instances":[{"tenure":1,${keys}}]}`);
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(outcome(() => parseBody(body))).toEqual({ status: 400, code: 'unknown_feature', field: 'k0', instance: 0 });
  });

  test.each([
    { name: 'UTF-16LE with a byte order mark', bytes: Buffer.from(`\ufeff${valid}`, 'utf16le'), expected: { status: 415, code: 'unsupported_media_type' } },
    { name: 'UTF-16BE without one', bytes: Buffer.from(valid, 'utf16le').swap16(), expected: { status: 415, code: 'unsupported_media_type' } },
    { name: 'Latin-1 bytes', bytes: Buffer.from(valid.replace('One year', 'Caf\u00e9'), 'latin1'), expected: { status: 400, code: 'invalid_json' } },
    { name: 'an empty body', bytes: Buffer.alloc(0), expected: { status: 400, code: 'invalid_body' } },
  ])('$name → $expected.status $expected.code', ({ bytes, expected }) => {
    expect(outcome(() => parseBody(bytes))).toMatchObject(expected);
  });

  test('a UTF-8 byte order mark and multi-byte characters are accepted; string limits count characters', () => {
    expect(outcome(() => parseBody(Buffer.from(`\ufeff${valid}`)))).toHaveProperty('rows');
    const emoji = (count: number) => Buffer.from(valid.replace('One year', '😀'.repeat(count)));
    expect(outcome(() => parseBody(emoji(20)))).toEqual({ rows: [{ tenure: 12, total_charges: 100.5, contract: '😀'.repeat(20), region: '2' }] });
    expect(outcome(() => parseBody(emoji(21)))).toMatchObject({ status: 400, code: 'string_too_long', field: 'contract' });
  });
});
