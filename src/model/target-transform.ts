import { DataError } from '../core/errors.js';

/**
 * The regression target's transform (`task.target_transform`): training sees the transformed,
 * standardised value; predictions are transformed back, so every metric is in the target's
 * own units. `log` makes errors relative, which suits skewed positive targets such as prices.
 */
export type TargetTransformKind = 'none' | 'log';

/** The value training learns for a target value. */
export function forwardTarget(kind: TargetTransformKind, value: number): number {
  return kind === 'log' ? Math.log(value) : value;
}

/** The target value for what the network predicts (the inverse of {@link forwardTarget}). */
export function inverseTarget(kind: TargetTransformKind, value: number): number {
  return kind === 'log' ? Math.exp(value) : value;
}

/**
 * Watches the training targets for the one problem no model survives: a target with a single
 * value in the training split (nothing to learn; a standard deviation of 0).
 */
export class TargetVariety {
  private first: string | number | undefined;
  private varied = false;
  rows = 0;

  add(target: string | number): void {
    this.rows++;
    if (this.varied) return;
    if (this.first === undefined) this.first = target;
    else if (target !== this.first) this.varied = true;
  }

  /** Throws a DataError naming the column when every training target had the same value. */
  check(targetColumn: string): void {
    if (this.varied || this.rows === 0) return;
    throw new DataError(
      `The target "${targetColumn}" is ${JSON.stringify(this.first)} in all ${this.rows.toLocaleString('en-US')} rows of the training split: there is nothing to learn. ` +
        'Check the data (a filter that kept one class?) or the split (split.test_fraction, split.key_columns).',
    );
  }
}
