import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { forwardTarget, inverseTarget, TargetVariety } from '../../src/model/target-transform.js';

describe('target transforms', () => {
  test.each([
    ['none', 123.5, 123.5],
    ['log', Math.E ** 2, 2],
    ['log', 1, 0],
  ] as const)('%s maps %d to %d and back', (kind, value, transformed) => {
    expect(forwardTarget(kind, value)).toBeCloseTo(transformed, 12);
    expect(inverseTarget(kind, forwardTarget(kind, value))).toBeCloseTo(value, 9);
  });
});

describe('TargetVariety', () => {
  test('a target with one value in the training split is a DataError naming the column, the value and the rows', () => {
    const variety = new TargetVariety();
    for (let i = 0; i < 1234; i++) variety.add('No');
    expect(() => variety.check('churn')).toThrow(DataError);
    expect(() => variety.check('churn')).toThrow('The target "churn" is "No" in all 1,234 rows of the training split');
  });

  test.each([
    ['two labels', ['No', 'No', 'Yes']],
    ['two values', [3, 3, 3.5]],
    ['no rows (the split reports that itself)', []],
  ] as const)('%s pass', (_name, targets) => {
    const variety = new TargetVariety();
    for (const target of targets) variety.add(target);
    expect(() => variety.check('y')).not.toThrow();
  });
});
