import { describe, expect, test } from 'vitest';
import { sha256 } from '../../src/core/hash.js';
import { readCsv } from '../../src/data/csv-source.js';
import { bindRowKey } from '../../src/data/row-key.js';
import { RowKeySet, RowKeySetBuilder } from '../../src/data/row-key-set.js';
import { telcoPath } from '../fixtures/data/telco-config.js';

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => sha256(`${prefix}-${i}`));

function build(list: readonly string[], bits?: number): Uint8Array {
  const builder = new RowKeySetBuilder();
  for (const key of list) builder.add(key);
  return builder.finish(bits);
}

describe('RowKeySet', () => {
  test('every key that was added is found: no false negatives (the 7,043 telco row keys)', async () => {
    const telco: string[] = [];
    let binding: ReturnType<typeof bindRowKey>['binding'] = null;
    await readCsv(telcoPath, { onHeader: (header) => (binding = bindRowKey(header, null).binding), onRow: (cells) => telco.push(binding!.key(cells)), onIssue: () => {} });
    expect(telco).toHaveLength(7043);
    const bytes = build(telco);
    const set = RowKeySet.decode(bytes);
    expect(set.size).toBe(new Set(telco).size);
    expect(telco.every((key) => set.has(key))).toBe(true);
    // About P + 2 bits per key: 7,043 keys at P = 20 in about 19 KB.
    const bitsPerKey = ((bytes.length - 16) * 8) / set.size;
    expect(bitsPerKey).toBeGreaterThan(21);
    expect(bitsPerKey).toBeLessThan(23);
  });

  test('the false-positive rate is about 2^-P, measured', () => {
    const members = keys('member', 5000);
    const set = RowKeySet.decode(build(members, 8));
    const strangers = keys('stranger', 50_000);
    const hits = strangers.filter((key) => set.has(key)).length;
    // Expected 50,000 × 2^-8 ≈ 195 (binomial sd ≈ 14).
    expect(set.falsePositiveRate).toBeCloseTo(1 / 256, 4);
    expect(hits).toBeGreaterThan(195 - 60);
    expect(hits).toBeLessThan(195 + 60);
  });

  test('the bytes depend only on the set: not on order or repeats', () => {
    const list = keys('row', 3000);
    const shuffled = [...list].reverse();
    const repeated = [...list, ...list.slice(0, 500)];
    const reference = sha256(build(list));
    expect(sha256(build(shuffled))).toBe(reference);
    expect(sha256(build(repeated))).toBe(reference);
    expect(sha256(build(list.slice(1)))).not.toBe(reference);
  });

  test('an empty set finds nothing', () => {
    const set = RowKeySet.decode(build([]));
    expect(set.size).toBe(0);
    expect(set.has(sha256('x'))).toBe(false);
  });

  test.each([
    ['a file that is not a key set', () => new TextEncoder().encode('{"not":"a key set"}'), 'not a row key set (the file does not start with "MLKS")'],
    ['a newer version', () => Object.assign(build(keys('v', 10)), { 4: 9 }), 'row key set version 9 is not supported (this code reads version 1)'],
    ['a truncated file', () => build(keys('t', 1000)).slice(0, 200), 'row key set is truncated'],
  ])('%s is refused with a reason', (_, bytes, message) => {
    expect(() => RowKeySet.decode(bytes())).toThrow(message);
  });

  test('keys must be row keys', () => {
    expect(() => new RowKeySetBuilder().add('customer-1')).toThrow('not a row key (64 hex digits): "customer-1"');
    expect(() => new RowKeySetBuilder().finish(31)).toThrow('falsePositiveBits must be an integer from 1 to 30, got 31');
  });
});
