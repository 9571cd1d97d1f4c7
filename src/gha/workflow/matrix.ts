import { isDeepStrictEqual } from 'node:util';
import { WorkflowError } from './errors.js';
import type { Json } from './expressions.js';

/**
 * `strategy.matrix` expanded as GitHub does: the cartesian product of the vectors in key order,
 * minus every combination an `exclude` entry matches (partially), then each `include` entry
 * merged into every combination whose original values it does not overwrite, or appended as a
 * combination of its own when it fits none.
 */

export type Combination = Record<string, Json>;

/** The combinations of an evaluated matrix value. */
export function expandMatrix(matrix: Json, where: string): Combination[] {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix)) throw new WorkflowError(`${where}: strategy.matrix must be a mapping`);
  const { include = [], exclude = [], ...vectors } = matrix;
  if (!Array.isArray(include) || !Array.isArray(exclude)) throw new WorkflowError(`${where}: matrix include and exclude must be sequences`);
  let combinations: Combination[] = [{}];
  const keys = Object.keys(vectors);
  for (const key of keys) {
    const values = vectors[key];
    if (!Array.isArray(values)) throw new WorkflowError(`${where}: matrix.${key} must be a sequence`);
    if (values.length === 0) throw new WorkflowError(`${where}: matrix.${key} is empty`);
    combinations = combinations.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  if (keys.length === 0) combinations = [];
  const matches = (combo: Combination, filter: Combination) => Object.entries(filter).every(([k, v]) => k in combo && isSubset(v, combo[k]!));
  combinations = combinations.filter((combo) => !exclude.some((filter) => matches(combo, asObject(filter, where))));
  const originals = combinations.map((combo) => ({ ...combo }));
  for (const entry of include) {
    const add = asObject(entry, where);
    let merged = false;
    // Only the combinations of the product take includes; added ones stay as they were added.
    combinations.slice(0, originals.length).forEach((combo, index) => {
      const original = originals[index]!;
      const overwritesOriginal = Object.entries(add).some(([k, v]) => k in original && !isDeepStrictEqual(original[k], v));
      if (overwritesOriginal) return;
      Object.assign(combo, add);
      merged = true;
    });
    if (!merged) combinations.push({ ...add });
  }
  if (combinations.length === 0) throw new WorkflowError(`${where}: the matrix has no combinations`);
  if (combinations.length > 256) throw new WorkflowError(`${where}: a matrix may have at most 256 combinations (GitHub's limit)`);
  return combinations;
}

function asObject(value: Json, where: string): Combination {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new WorkflowError(`${where}: matrix include/exclude entries must be mappings`);
  return value;
}

/** Whether `filter` matches `value`: equal scalars, or every key of a filter object matching. */
function isSubset(filter: Json, value: Json): boolean {
  if (filter !== null && typeof filter === 'object' && !Array.isArray(filter) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(filter).every(([k, v]) => k in value && isSubset(v, value[k]!));
  }
  return isDeepStrictEqual(filter, value);
}

/** GitHub's default name of a matrix leg: `job (value1, value2)`. */
export function legName(jobName: string, combination: Combination | null): string {
  if (!combination || Object.keys(combination).length === 0) return jobName;
  const values = Object.values(combination).map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)));
  return `${jobName} (${values.join(', ')})`;
}
