import type { StateStore } from '../state/store.js';
import type { StoredFault } from '../state/schema.js';

/**
 * Failures injected on purpose: `gha fault add --kind release-asset-upload --count 1` makes
 * the next asset upload answer 502, as an outage would. Each fault fires `remaining` times,
 * only where the name it is given contains its `match` text.
 */

/** Consumes one matching fault of `kind`; true when the operation must fail now. */
export function takeFault(store: StateStore, kind: StoredFault['kind'], name: string): boolean {
  const fault = store.state.faults.find((f) => f.kind === kind && f.remaining > 0 && name.includes(f.match));
  if (!fault) return false;
  fault.remaining -= 1;
  return true;
}
