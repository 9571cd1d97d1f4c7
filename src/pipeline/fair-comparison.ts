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

/** Fewest comparable test rows for a comparison with the champion to mean anything. */
export const minComparableRows = 10;

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

const caveat = 'which may include rows it trained on if rows moved between splits since (data or columns changed)';

/**
 * What the registry knows of the rows the champion trained on: its key set and the columns its
 * keys were computed over; or, when every test row must be compared (no champion, none recorded,
 * a set that cannot be read), the basis and the note's reason.
 */
export type ChampionTrainingRows =
  | { kind: 'keys'; version: string; set: RowKeySet; keyColumns: string[] }
  | { kind: 'all'; basis: TestComparison['basis']; reason: string };

/** Reads the champion's training key set, checked against its lineage (see {@link ChampionTrainingRows}). */
export async function championTrainingRows(registry: ModelRegistry): Promise<ChampionTrainingRows> {
  const champion = await registry.champion();
  if (!champion) return { kind: 'all', basis: 'no_champion', reason: ' (no champion)' };
  const version = champion.version;
  const lineage = await registry.lineage(version).catch(() => null);
  const keys = lineage?.dataset.training_keys;
  if (!keys) return { kind: 'all', basis: 'unverified', reason: `: champion ${version} has no record of the rows it trained on (registered before they were recorded), ${caveat}` };
  const set = await readTrainingKeys(registry.versionDir(version), keys);
  if (typeof set === 'string') return { kind: 'all', basis: 'unverified', reason: `: champion ${version}'s training rows cannot be identified: ${set}; ${caveat}` };
  return { kind: 'keys', version, set, keyColumns: keys.key_columns };
}

/** The test rows the champion trained on (one byte per test row, 1 = left out), and what the verdict says about the comparison. */
export interface ComparableTest {
  /** Null when no row is left out. */
  excluded: Uint8Array | null;
  comparison: TestComparison;
}

/**
 * Leaves the champion's training rows out of the test rows, keeping one byte per test row, never
 * the rows. `marks[i]` is already 1 where test row i's key under the current key columns is in
 * the champion's set (the pass over the rows filled it); when the champion's key columns differ,
 * each test row's key is computed with them in one more pass over the file, by `lines[i]`. A
 * champion without a key set (registered before it was recorded), with one that cannot be read,
 * or whose key columns are gone from the file, is compared on every test row, and the comparison
 * says so.
 */
export async function comparableTestRows(inputs: {
  trainedOn: ChampionTrainingRows;
  loaded: LoadedConfig;
  rowKey: LoadedDataset['rowKey'];
  lines: Float64Array;
  marks: Uint8Array;
}): Promise<ComparableTest> {
  const { trainedOn, lines, marks } = inputs;
  const testRows = lines.length;
  const everyRow = `all ${plural(testRows, 'test row')}`;
  const all = (reason: string, basis: TestComparison['basis'] = 'unverified'): ComparableTest => ({
    excluded: null,
    comparison: { basis, test_rows: testRows, comparable_rows: testRows, excluded_rows: 0, note: `${everyRow}${reason}` },
  });
  if (trainedOn.kind === 'all') return all(trainedOn.reason, trainedOn.basis);
  const { version, set, keyColumns } = trainedOn;
  const same = sameKeyColumns(keyColumns, inputs.rowKey.columns);
  if (!same) {
    const byLine = await readRowKeys({ config: inputs.loaded }, keyColumns, new Set(lines));
    if (typeof byLine === 'string') return all(`: champion ${version}'s training rows cannot be identified: ${byLine}; ${caveat}`);
    lines.forEach((line, i) => (marks[i] = set.has(byLine.get(line)!) ? 1 : 0));
  }
  let excluded = 0;
  for (const mark of marks) excluded += mark;
  const rows = testRows - excluded;
  const how = same ? 'same key columns' : `keys over the champion's columns ${keyColumns.length > 6 ? `(${keyColumns.length} columns)` : keyColumns.join(', ')}`;
  const note =
    excluded === 0
      ? `${everyRow}: none is a row champion ${version} trained on (${how})`
      : `${plural(rows, 'test row')} of ${testRows.toLocaleString('en-US')}: ${plural(excluded, 'row')} left out because champion ${version} trained on them (${how}; the data or its columns changed since, so rows moved between splits)`;
  return {
    excluded: excluded === 0 ? null : marks,
    comparison: { basis: 'training_keys', test_rows: testRows, comparable_rows: rows, excluded_rows: excluded, note },
  };
}
