import type { Lineage } from '../registry/lineage-schema.js';

/**
 * How a version's rows were split and which rows it trained on, in words: shared by the card's
 * JSON (MCT free-text fields) and its Markdown.
 */

/** How rows were assigned to splits: by a seeded hash of each row's key, or by time with each split's range. */
export function describeSplitRule(lineage: Lineage): string {
  const { dataset } = lineage;
  const counts = `${dataset.train_rows} train, ${dataset.validation_rows} validation, ${dataset.test_rows} test`;
  const split = dataset.time_split;
  if (split === undefined) return `rows are assigned to splits by a seeded hash of each row's key: ${counts}`;
  const range = (name: 'train' | 'validation' | 'test') => {
    const r = split.ranges[name];
    return r === null ? `${name} empty` : `${name} ${r.from} to ${r.to}`;
  };
  return `rows are split by time (column ${split.column}; the test split is the latest rows, validation the rows just before): ${counts}; ${range('train')}, ${range('validation')}, ${range('test')}`;
}

/** The rows the model trained on, as recorded for fair comparisons, or null for versions without the record. */
export function describeTrainingKeys(lineage: Lineage): string | null {
  const keys = lineage.dataset.training_keys;
  if (keys === undefined) return null;
  const columns = keys.whole_row
    ? `every column but the ignored ones (${keys.key_columns.length} columns)`
    : `the key column${keys.key_columns.length > 1 ? 's' : ''} ${keys.key_columns.join(', ')}`;
  return (
    `${keys.count} distinct training and validation row keys over ${columns}, in ${keys.file} (sha256 ${keys.sha256}; ` +
    `false-positive rate ${keys.false_positive_rate.toExponential(1)}): a later gate leaves these rows out when it compares a candidate with this model`
  );
}
