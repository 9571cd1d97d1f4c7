import type { TargetTransform } from '../model/preprocessing.js';

/**
 * Ground-truth labels as clients send them to `/feedback`, read against the model's target: a
 * class of a classifier (as text; a number or boolean is accepted when its text is a class, so
 * `1` labels a target whose classes are "0" and "1"), or a finite number for a regressor.
 */

/** A label read against the target: its canonical value and how metrics encode it. */
export type TargetLabel =
  | {
      ok: true;
      /** The class name, or the number of a regression target: what the log and the training CSV hold. */
      value: string | number;
      /** Binary: 1 for the positive class, 0 else; multiclass: the class index; regression: the value. */
      truth: number;
    }
  | { ok: false; error: string };

/** Reads one label; the error names what the target expects. */
export function readTargetLabel(target: TargetTransform, label: unknown): TargetLabel {
  if (target.type === 'regression') {
    if (typeof label === 'number' && Number.isFinite(label)) return { ok: true, value: label, truth: label };
    return { ok: false, error: `label must be a finite number for this regression target, got ${describe(label)}` };
  }
  const classes = target.type === 'binary' ? [target.negative_label, target.positive_label] : target.classes;
  const text = typeof label === 'string' ? label : typeof label === 'number' || typeof label === 'boolean' ? String(label) : null;
  const index = text === null ? -1 : classes.indexOf(text);
  if (index === -1) {
    return { ok: false, error: `label must be one of the target's classes ${classes.map((c) => JSON.stringify(c)).join(', ')}, got ${describe(label)}` };
  }
  return { ok: true, value: classes[index]!, truth: index };
}

/** The metrics encoding of a stored label value (as written by {@link readTargetLabel}); NaN when the target does not know it. */
export function truthOf(target: TargetTransform, value: string | number): number {
  const read = readTargetLabel(target, value);
  return read.ok ? read.truth : Number.NaN;
}

/** A short description of a value a client sent, never longer than about 60 characters. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}
