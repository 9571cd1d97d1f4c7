import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { describeError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { comparableRows, sameKeyColumns } from '../data/comparable-rows.js';
import { readRowKeys, type DatasetRow, type LoadedDataset } from '../data/load-dataset.js';
import { RowKeySet, RowKeySetBuilder } from '../data/row-key-set.js';
import type { TestComparison } from '../evaluation/report-schema.js';
import { modelFiles } from '../model/model-io.js';
import type { LineageTrainingKeys } from '../registry/lineage-schema.js';
import type { ModelRegistry } from '../registry/registry.js';

/**
 * The two ends of a fair comparison: train records the rows a model trained on (a key set file
 * beside the model, described in its lineage); evaluate leaves the champion's training rows out
 * of the test rows both models are scored on (src/data/comparable-rows.ts).
 */

/**
 * Writes the key set of the rows a model trained on (training and validation splits: it fitted
 * on the first and chose its epoch on the second; collected by training-data.ts, in memory or
 * while streaming) into the model folder, atomically, and
 * describes it for the lineage.
 */
export async function writeTrainingKeys(modelDir: string, keys: RowKeySetBuilder, rowKey: LoadedDataset['rowKey']): Promise<LineageTrainingKeys> {
  const bytes = keys.finish();
  await writeFileAtomic(join(modelDir, modelFiles.trainingKeys), bytes);
  const set = RowKeySet.decode(bytes);
  return {
    file: modelFiles.trainingKeys,
    sha256: sha256(bytes),
    count: set.size,
    false_positive_rate: set.falsePositiveRate,
    key_columns: [...rowKey.columns],
    whole_row: rowKey.wholeRow,
  };
}

/** Reads a version's key set and checks it against its lineage; the reason when it cannot be used. */
async function readTrainingKeys(dir: string, keys: LineageTrainingKeys): Promise<RowKeySet | string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, keys.file));
  } catch (error) {
    return `its training key set ${keys.file} cannot be read (${describeError(error)})`;
  }
  if (sha256(bytes) !== keys.sha256) return `its training key set ${keys.file} does not match the sha256 in its lineage`;
  try {
    return RowKeySet.decode(bytes);
  } catch (error) {
    return `its training key set ${keys.file} is damaged (${describeError(error)})`;
  }
}

/** The test rows the gate compares on, and what the verdict says about them. */
export interface ComparableTest {
  rows: DatasetRow[];
  comparison: TestComparison;
}

/** Fewest comparable test rows for a comparison with the champion to mean anything. */
export const minComparableRows = 10;

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Leaves the champion's training rows out of the test rows. Each test row's key is computed with
 * the champion's key columns (the current keys when they are the same columns; one more pass over
 * the file otherwise). A champion without a key set (registered before it was recorded), with one
 * that cannot be read, or whose key columns are gone from the file, is compared on every test row,
 * and the comparison says so.
 */
export async function comparableTestRows(inputs: {
  registry: ModelRegistry;
  loaded: LoadedConfig;
  dataset: LoadedDataset;
  test: readonly DatasetRow[];
}): Promise<ComparableTest> {
  const { registry, dataset, test } = inputs;
  const all = (note: string, basis: TestComparison['basis'] = 'unverified'): ComparableTest => ({
    rows: [...test],
    comparison: { basis, test_rows: test.length, comparable_rows: test.length, excluded_rows: 0, note },
  });
  const champion = await registry.champion();
  if (!champion) return all(`all ${plural(test.length, 'test row')} (no champion)`, 'no_champion');
  const version = champion.version;
  const lineage = await registry.lineage(version).catch(() => null);
  const keys = lineage?.dataset.training_keys;
  const caveat = 'which may include rows it trained on if rows moved between splits since (data or columns changed)';
  if (!keys) return all(`all ${plural(test.length, 'test row')}: champion ${version} has no record of the rows it trained on (registered before they were recorded), ${caveat}`);
  const set = await readTrainingKeys(registry.versionDir(version), keys);
  if (typeof set === 'string') return all(`all ${plural(test.length, 'test row')}: champion ${version}'s training rows cannot be identified: ${set}; ${caveat}`);
  let keyOf: (row: DatasetRow) => string;
  if (sameKeyColumns(keys.key_columns, dataset.rowKey.columns)) keyOf = (row) => row.key;
  else {
    const byLine = await readRowKeys({ config: inputs.loaded }, keys.key_columns, new Set(test.map((row) => row.line)));
    if (typeof byLine === 'string') return all(`all ${plural(test.length, 'test row')}: champion ${version}'s training rows cannot be identified: ${byLine}; ${caveat}`);
    keyOf = (row) => byLine.get(row.line)!;
  }
  const { rows, excluded } = comparableRows(test, set, keyOf);
  const how = sameKeyColumns(keys.key_columns, dataset.rowKey.columns) ? 'same key columns' : `keys over the champion's columns ${keys.key_columns.length > 6 ? `(${keys.key_columns.length} columns)` : keys.key_columns.join(', ')}`;
  const note =
    excluded === 0
      ? `all ${plural(test.length, 'test row')}: none is a row champion ${version} trained on (${how})`
      : `${plural(rows.length, 'test row')} of ${test.length.toLocaleString('en-US')}: ${plural(excluded, 'row')} left out because champion ${version} trained on them (${how}; the data or its columns changed since, so rows moved between splits)`;
  return { rows, comparison: { basis: 'training_keys', test_rows: test.length, comparable_rows: rows.length, excluded_rows: excluded, note } };
}
