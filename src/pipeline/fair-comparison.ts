import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { describeError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { sameKeyColumns } from '../data/comparable-rows.js';
import { readRowKeys, type LoadedDataset } from '../data/load-dataset.js';
import { RowKeySet, RowKeySetBuilder } from '../data/row-key-set.js';
import type { TestComparison } from '../evaluation/report-schema.js';
import { modelFiles } from '../model/model-io.js';
import type { LineageTrainingKeys } from '../registry/lineage-schema.js';
import type { ModelRegistry } from '../registry/registry.js';
import type { TestRows } from './champion-scoring.js';

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
  rows: TestRows;
  comparison: TestComparison;
}

/** Fewest comparable test rows for a comparison with the champion to mean anything. */
export const minComparableRows = 10;

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** The test rows without those at the marked positions (in the order the source gives them). */
function withoutPositions(test: TestRows, excluded: Uint8Array): TestRows {
  return {
    async forEachChunk(onChunk) {
      let at = 0;
      return test.forEachChunk((rows) => {
        const kept = rows.filter((_, i) => excluded[at + i] === 0);
        at += rows.length;
        if (kept.length > 0) onChunk(kept);
      });
    },
  };
}

/**
 * Leaves the champion's training rows out of the test rows (`testRows` of them), held in memory or
 * streamed from the file: one pass marks them, keeping one byte per row, never the rows. Each test
 * row's key is computed with the champion's key columns (the current keys when they are the same
 * columns; one more pass over the file otherwise). A champion without a key set (registered before
 * it was recorded), with one that cannot be read, or whose key columns are gone from the file, is
 * compared on every test row, and the comparison says so.
 */
export async function comparableTestRows(inputs: { registry: ModelRegistry; loaded: LoadedConfig; test: TestRows; testRows: number }): Promise<ComparableTest> {
  const { registry, test, testRows } = inputs;
  const all = (note: string, basis: TestComparison['basis'] = 'unverified'): ComparableTest => ({
    rows: test,
    comparison: { basis, test_rows: testRows, comparable_rows: testRows, excluded_rows: 0, note },
  });
  const everyRow = `all ${plural(testRows, 'test row')}`;
  const champion = await registry.champion();
  if (!champion) return all(`${everyRow} (no champion)`, 'no_champion');
  const version = champion.version;
  const lineage = await registry.lineage(version).catch(() => null);
  const keys = lineage?.dataset.training_keys;
  const caveat = 'which may include rows it trained on if rows moved between splits since (data or columns changed)';
  if (!keys) return all(`${everyRow}: champion ${version} has no record of the rows it trained on (registered before they were recorded), ${caveat}`);
  const set = await readTrainingKeys(registry.versionDir(version), keys);
  if (typeof set === 'string') return all(`${everyRow}: champion ${version}'s training rows cannot be identified: ${set}; ${caveat}`);

  // One pass marks the rows whose current key the champion trained on, and keeps their lines in
  // case the champion's key columns differ.
  const marks = new Uint8Array(testRows);
  const lines = new Float64Array(testRows);
  let at = 0;
  const rowKey = await test.forEachChunk((rows) => {
    for (const row of rows) {
      if (at >= testRows) throw new Error(`the test split has more than the ${testRows} rows scored before`);
      if (set.has(row.key)) marks[at] = 1;
      lines[at++] = row.line;
    }
  });
  if (at !== testRows) throw new Error(`the test split has ${at} rows, not the ${testRows} scored before`);
  const same = sameKeyColumns(keys.key_columns, rowKey.columns);
  if (!same) {
    const byLine = await readRowKeys({ config: inputs.loaded }, keys.key_columns, new Set(lines));
    if (typeof byLine === 'string') return all(`${everyRow}: champion ${version}'s training rows cannot be identified: ${byLine}; ${caveat}`);
    lines.forEach((line, i) => (marks[i] = set.has(byLine.get(line)!) ? 1 : 0));
  }
  let excluded = 0;
  for (const mark of marks) excluded += mark;
  const comparable = testRows - excluded;
  const how = same ? 'same key columns' : `keys over the champion's columns ${keys.key_columns.length > 6 ? `(${keys.key_columns.length} columns)` : keys.key_columns.join(', ')}`;
  const note =
    excluded === 0
      ? `${everyRow}: none is a row champion ${version} trained on (${how})`
      : `${plural(comparable, 'test row')} of ${testRows.toLocaleString('en-US')}: ${plural(excluded, 'row')} left out because champion ${version} trained on them (${how}; the data or its columns changed since, so rows moved between splits)`;
  return {
    rows: excluded === 0 ? test : withoutPositions(test, marks),
    comparison: { basis: 'training_keys', test_rows: testRows, comparable_rows: comparable, excluded_rows: excluded, note },
  };
}
