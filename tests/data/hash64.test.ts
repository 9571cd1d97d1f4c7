import { describe, expect, test } from 'vitest';
import { fnv1a64, hash64, HashSet64 } from '../../src/data/hash64.js';

const hex = ({ hi, lo }: { hi: number; lo: number }) => hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');

describe('fnv1a64', () => {
  // The published FNV-1a 64 test vectors ("", "a", "foobar"), and values computed with Python's
  // arbitrary-precision integers over the same UTF-16 code units (h ^= unit; h *= 0x100000001b3 mod 2^64).
  test.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
    ['customer-7590-VHVEG', 'c42b0256a7211120'],
    ['é€', '0a897607b702f698'],
  ])('%j → %s', (text, expected) => {
    expect(hex(fnv1a64(text))).toBe(expected);
  });

  test('hash64 mixes the bits: one changed character flips about half of them', () => {
    let flipped = 0;
    for (let i = 0; i < 1000; i++) {
      const a = hash64(`row-${i}`);
      const b = hash64(`row-${i + 1000}`);
      for (const x of [a.hi ^ b.hi, a.lo ^ b.lo]) flipped += x.toString(2).replaceAll('0', '').length;
    }
    expect(flipped / 1000).toBeGreaterThan(30);
    expect(flipped / 1000).toBeLessThan(34);
  });
});

describe('HashSet64', () => {
  test('finds repeats with the value stored first, across growth', () => {
    const set = new HashSet64(4);
    const h = { hi: 0, lo: 0 };
    let repeats = 0;
    for (let i = 0; i < 50_000; i++) {
      hash64(`value ${i}`, h);
      if (set.add(h.hi, h.lo, i) !== -1) repeats++;
    }
    expect(repeats).toBe(0);
    expect(set.size).toBe(50_000);
    expect(set.bytes).toBeLessThanOrEqual(50_000 * 32);
    hash64('value 1234', h);
    expect(set.add(h.hi, h.lo, 99_999)).toBe(1234);
    expect(set.add(0, 0, 7)).toBe(-1);
    expect(set.add(0, 0, 8)).toBe(7);
    expect(set.size).toBe(50_001);
  });
});
