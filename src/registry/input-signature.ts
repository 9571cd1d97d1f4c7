import type { TaskSpec } from '../config/schema.js';
import { canonicalJson, sha256 } from '../core/hash.js';
import type { LineageFeature } from './lineage-schema.js';

/**
 * A stable hash of the serving contract: feature names and types, the task type and its labels
 * or classes. When it changes, a client of the serving API must change too (a major version).
 *
 * Features are sorted by name because requests carry named fields, so reordering features in
 * the config is not a contract change. Class order is kept: it is the order of the model's
 * output probabilities. Thresholds, vocabularies and ranges are not part of the contract (unknown
 * categories go to an out-of-vocabulary slot), so changing them is a retrain, not a break.
 */
export function inputSignature(features: readonly Pick<LineageFeature, 'name' | 'type'>[], task: TaskSpec): string {
  const contractFeatures = features
    .map((feature) => ({ name: feature.name, type: feature.type }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sha256(canonicalJson({ features: contractFeatures, task: taskContract(task) }));
}

/** The part of a task spec that clients see in responses. */
function taskContract(task: TaskSpec): Record<string, unknown> {
  switch (task.type) {
    case 'binary':
      return { type: task.type, positive_label: task.positive_label, negative_label: task.negative_label };
    case 'multiclass':
      return { type: task.type, classes: task.classes };
    case 'regression':
      return { type: task.type };
  }
}
