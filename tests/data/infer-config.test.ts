import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { renderConfigYaml } from '../../src/config/config-yaml.js';
import { nameSaysIdentifier } from '../../src/data/id-column.js';
import { ColumnStats } from '../../src/data/infer-columns.js';
import { dataPathForConfig, inferConfig, modelForRows, modelNameFor, smallRegressionRows, sniffDelimiter, type InferredConfig } from '../../src/data/infer-config.js';
import { pickSlices } from '../../src/data/infer-slices.js';
import { chooseTargetTransform, inferTask, Moments, roundSignificant } from '../../src/data/infer-task.js';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { modelSchema, type FeatureSpec, type TaskType } from '../../src/config/schema.js';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { createRecordingLogger, silentLogger } from '../../src/core/logger.js';
import { missingValuesOf } from '../../src/data/row-schema.js';
import { validateDataset } from '../../src/data/validate.js';
import { fixturesDir, telcoPath } from '../fixtures/data/telco-config.js';

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'mlops-infer-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const penguins = join(fixturesDir, 'infer/penguins-odd-names.csv');
const houses = join(fixturesDir, 'infer/house-prices.csv');

/** Infers, writes the YAML beside nothing else, loads it back and validates the same file with it. */
async function inferWriteAndValidate(dataPath: string, target: string, name: string, task?: TaskType) {
  const configPath = join(workDir, name, 'mlops.config.yaml');
  const inferred = await inferConfig({ dataPath, configPath, target, task, logger: silentLogger });
  const yaml = renderConfigYaml(inferred.config, inferred.notes);
  await writeFileIn(configPath, yaml);
  const loaded = await loadConfig(configPath);
  const report = await validateDataset({ config: loaded, logger: silentLogger });
  return { inferred, yaml, loaded, report };
}

async function writeFileIn(path: string, text: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}

describe('inferConfig on the telco data', () => {
  let result: Awaited<ReturnType<typeof inferWriteAndValidate>>;
  beforeAll(async () => {
    result = await inferWriteAndValidate(telcoPath, 'churn', 'telco');
  });

  test('infers a binary task with "Yes" as the positive label', () => {
    expect(result.inferred.config.task).toEqual({ type: 'binary', positive_label: 'Yes', negative_label: 'No', threshold: 0.5 });
    expect(result.inferred.notes.task).toContain('"Yes" is a conventional positive value');
  });

  test('types every column: 0/1 and amounts numeric, the rest categorical by frequency', () => {
    const features = result.inferred.config.features;
    expect(features).toHaveLength(19);
    expect(result.inferred.config.data.ignore_columns).toEqual([]);
    expect(features.find((f) => f.name === 'senior_citizen')).toEqual({ name: 'senior_citizen', type: 'numeric', min: 0, max: 1, integer: true, missing_fraction: 0 });
    expect(features.find((f) => f.name === 'total_charges')).toMatchObject({ type: 'numeric', min: 18.8, max: 8684.8, integer: false, missing_fraction: 0.0016 });
    expect(features.find((f) => f.name === 'contract')).toEqual({
      name: 'contract',
      type: 'categorical',
      vocabulary: ['Month-to-month', 'Two year', 'One year'],
      missing_fraction: 0,
    });
  });

  test('picks contract first as a slice and binary gate defaults', () => {
    expect(result.inferred.config.slices).toEqual(['contract', 'multiple_lines']);
    expect(result.inferred.config.gate).toMatchObject({ overall: { auc: { min: 0.7, max_regression: 0.02 } }, per_slice: { auc: { max_regression: 0.05 } } });
    // How the gate decides, written out: paired evidence, slices judged by rows of each class, the baseline check.
    expect(result.inferred.config.gate).toMatchObject({ comparison: 'paired', alpha: 0.05, min_slice_rows: 30, min_slice_class_rows: 20, baseline: { enabled: true } });
    expect(result.inferred.notes.gate).toMatch(/for AUC with at least 20 of each class/);
    // Thousands of rows: the network's defaults as they are.
    expect(result.inferred.config.model).toMatchObject({ batch_size: modelSchema.parse({}).batch_size, early_stopping: { patience: 6 } });
  });

  test('the written file loads and validates the same data without edits', () => {
    expect(result.loaded.config.data.path).toBe(dataPathForConfig(telcoPath, join(workDir, 'telco', 'mlops.config.yaml')));
    expect(result.report.passed).toBe(true);
    expect(result.report.issues).toEqual([]);
    expect(result.report.rows).toBe(7043);
  });

  test('the YAML explains where the inferred values come from', () => {
    // Comments wrap: read them as one text.
    const comments = result.yaml.replace(/\n *#/g, '');
    expect(result.yaml).toMatch(/^# mlops\.config\.yaml/);
    expect(comments).toContain(`from ${result.inferred.notes.source} (7,043 rows, 20 columns)`);
    expect(comments).toMatch(/The model's inputs, inferred on \d{4}-\d{2}-\d{2} from .*telco-churn\.csv with 7,043 rows/);
    expect(comments).toContain('Columns whose values define slices');
    expect(comments).toContain('AUC 0.70');
  });
});

describe('inferConfig on awkward files', () => {
  test('a multiclass table with odd column names, padded values and missing cells', async () => {
    const { inferred, yaml, loaded, report } = await inferWriteAndValidate(penguins, 'Species', 'penguins');
    const config = inferred.config;
    expect(config.data.target).toBe('Species');
    expect(config.task).toEqual({ type: 'multiclass', classes: ['Adelie', 'Chinstrap', 'Gentoo'] });
    // The fixture's generator gives each species its own year, so "Année" names the species: the
    // leakage check on the training split suspects it, and init leaves it out with that evidence.
    expect(config.data.ignore_columns).toEqual(['Individual ID', 'Study Name', 'Année']);
    expect(inferred.notes.ignored['Année']).toMatch(/^suspected target leakage: single-feature AUC 1\.000 \(mean one-vs-rest; best "Adelie" 1\.000\) ≥ 0\.98; the rule .* removes 100\.0% of the errors/);
    expect(inferred.notes.warnings.join('\n')).toContain('"Année" was left out as suspected target leakage');
    expect(inferred.notes.ignored['Individual ID']).toMatch(/^identifier/);
    expect(config.split).toMatchObject({ key_columns: ['Individual ID'] });
    expect(inferred.notes.ignored['Study Name']).toBe('constant: every value is "PAL0708"');
    const mass = config.features.find((f) => f.name === 'Body Mass (g)')!;
    expect(mass).toMatchObject({ type: 'numeric', integer: true });
    expect(mass.missing_fraction).toBeGreaterThan(0);
    expect(config.features.find((f) => f.name === 'Sex')).toMatchObject({ type: 'categorical' });
    expect((config.features.find((f) => f.name === 'Sex') as Extract<FeatureSpec, { type: 'categorical' }>).vocabulary.sort()).toEqual(['FEMALE', 'MALE']);
    expect(config.features.find((f) => f.name === 'Année')).toBeUndefined();
    expect(config.slices).toEqual(['Island', 'Sex']);
    // macro-F1 and log loss against the champion: log loss shows worse probabilities that move few argmax decisions.
    expect(config.gate).toMatchObject({ primary_metric: 'macro_f1', overall: { macro_f1: { max_regression: 0.02 }, log_loss: { max_regression: 0.02 } }, per_slice: { macro_f1: { max_regression: 0.05 } } });
    expect(yaml).toContain('- Individual ID # identifier');
    expect(loaded.config.features.map((f) => f.name)).toEqual(config.features.map((f) => f.name));
    expect(report.passed).toBe(true);
    expect(report.issues).toEqual([]);
  });

  test('a regression table gets r2 and an rmse tolerance from the target spread', async () => {
    const { inferred, report } = await inferWriteAndValidate(houses, 'price', 'houses');
    const config = inferred.config;
    const prices = await columnValues(houses, 'price');
    // These generated prices come from a linear formula plus noise: symmetric, so no log.
    expect(config.task).toEqual({ type: 'regression', target_transform: 'none' });
    expect(inferred.notes.task).toMatch(/Target transform none: the target is not strongly skewed \(skewness 0\.\d\d\)/);
    const mean = prices.reduce((a, b) => a + b, 0) / prices.length;
    const std = Math.sqrt(prices.reduce((a, b) => a + (b - mean) ** 2, 0) / prices.length);
    expect(config.gate).toMatchObject({ primary_metric: 'rmse', overall: { r2: { min: 0 }, rmse: { max_regression: roundSignificant(0.05 * std) } }, comparison: 'paired', min_slice_class_rows: 20 });
    // 200 rows: batches of 8 (about 17 steps an epoch on 140 training rows) and more patience; a small regression table gets the linear model.
    expect(config.model).toMatchObject({ kind: 'linear', batch_size: 8, early_stopping: { patience: 20 } });
    expect(config.slices).toEqual(['neighborhood', 'garage']);
    expect(report.passed).toBe(true);
  });

  test('column names YAML could misread survive the round trip', async () => {
    const names = ['null', '123', 'yes', '#tag', 'a: b', '- dash', 'Body Mass (g)', '名前', "it's", 'Target Class'];
    const lines = [names.map((n) => JSON.stringify(n)).join(',')];
    for (let i = 0; i < 90; i++) {
      // A target independent of the cycling columns (one that followed i % 2 would be leaked by them).
      const label = ['true', 'false'][(i * 37 + 11) % 101 < 50 ? 0 : 1];
      lines.push([i % 4, i * 1.5, ['on', 'off'][i % 2], ['#a', '#b', '#c'][i % 3], ['x: 1', 'y: 2'][i % 2], i % 7, 3000 + i * 10, ['東', '西'][i % 2], ['no', 'yes', 'null'][i % 3], label].map((v) => JSON.stringify(String(v))).join(','));
    }
    const dataPath = join(workDir, 'odd names.csv');
    await writeFile(dataPath, `${lines.join('\n')}\n`);
    const { inferred, yaml, loaded, report } = await inferWriteAndValidate(dataPath, 'Target Class', 'odd');
    expect(inferred.config.task).toMatchObject({ type: 'binary', positive_label: 'true', negative_label: 'false' });
    const reparsed = parseDocument(yaml).toJS() as { features: { name: string; vocabulary?: string[] }[] };
    expect(reparsed.features.map((f) => f.name)).toEqual(names.slice(0, -1));
    expect(reparsed.features.find((f) => f.name === 'it\'s')!.vocabulary!.sort()).toEqual(['no', 'null', 'yes']);
    expect(yaml).toContain('- "yes"');
    expect(yaml).toContain('name: "null"');
    expect(loaded.config.data.path).toBe('../odd names.csv');
    expect(report.passed).toBe(true);
  });
});

describe('delimiters', () => {
  test.each([
    { text: 'a,b,c\n1;2;3;4;5\n', delimiter: ',' },
    { text: 'a;b;c\n1,5;2,5;3\n', delimiter: ';' },
    { text: 'a\tb\tc\n', delimiter: '\t' },
    { text: 'a|b|"c,d,e"\n', delimiter: '|' },
    { text: '"x;y;z",b\n', delimiter: ',' },
    { text: 'single\n', delimiter: ',' },
  ])('sniffDelimiter($text) = $delimiter', ({ text, delimiter }) => {
    expect(sniffDelimiter(text)).toBe(delimiter);
  });

  test('a semicolon file with decimal commas is inferred and validates', async () => {
    const lines = ['Gewicht;Farbe;Klasse'];
    for (let i = 0; i < 80; i++) lines.push(`"${(50 + (i % 10) * 0.5).toFixed(1).replace('.', ',')}";${['rot', 'blau'][i % 2]};${['ja', 'nein'][i % 3 === 0 ? 0 : 1]}`);
    const dataPath = join(workDir, 'semikolon.csv');
    await writeFile(dataPath, `${lines.join('\n')}\n`);
    const { inferred, report, yaml } = await inferWriteAndValidate(dataPath, 'Klasse', 'semikolon');
    expect(inferred.config.data.delimiter).toBe(';');
    // "50,5" is a number written with a decimal comma: the file's decimal mark, and the column is numeric.
    expect(inferred.config.data.decimal).toBe(',');
    expect(inferred.notes.decimal).toBe('1 column writes fractions with "," ("Gewicht")');
    expect(yaml).toContain(`decimal: ","`);
    expect(inferred.config.features.find((f) => f.name === 'Gewicht')).toEqual({ name: 'Gewicht', type: 'numeric', min: 50, max: 54.5, integer: false, missing_fraction: 0 });
    expect(inferred.config.task).toMatchObject({ type: 'binary', positive_label: 'ja' });
    expect(report.passed).toBe(true);
  });
});

async function columnValues(path: string, name: string): Promise<number[]> {
  const { readFile } = await import('node:fs/promises');
  const [header, ...rows] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const index = header!.split(',').indexOf(name);
  return rows.map((row) => Number(row.split(',')[index]));
}

describe('inferConfig errors', () => {
  const infer = (dataPath: string, target: string, task?: TaskType) =>
    inferConfig({ dataPath, configPath: join(workDir, 'errors', 'mlops.config.yaml'), target, task, logger: silentLogger });

  test.each([
    { target: 'species', task: undefined, error: ConfigError, message: /Invalid target 'species': not a column of .*; columns are "Individual ID", "Study Name", .*"Species"/ },
    { target: 'Study Name', task: undefined, error: ConfigError, message: /has a single value \("PAL0708"\) in all 240 rows/ },
    { target: 'Species', task: 'binary' as const, error: ConfigError, message: /--task binary needs a target with exactly 2 values, but column "Species" has 3/ },
    { target: 'Species', task: 'regression' as const, error: ConfigError, message: /--task regression needs a numeric target, but column "Species" holds "Adelie"/ },
    { target: 'Individual ID', task: undefined, error: ConfigError, message: /240 distinct values: too many classes .* Choose another --target/ },
  ])('target $target with task $task', async ({ target, task, error, message }) => {
    const failure = infer(penguins, target, task);
    await expect(failure).rejects.toBeInstanceOf(error);
    await expect(failure).rejects.toThrow(message);
  });

  test('a numeric target with too many classes for multiclass hints at regression', async () => {
    await expect(infer(houses, 'price', 'multiclass')).rejects.toThrow(/has \d+ distinct values: too many classes .* If it is a quantity, pass --task regression/);
  });

  test('a binary file is a DataError saying so', async () => {
    const failure = infer(join(fixturesDir, 'damaged/binary-gzip.csv'), 'churn');
    await expect(failure).rejects.toBeInstanceOf(DataError);
    await expect(failure).rejects.toThrow(/looks like a binary file, not CSV text/);
  });

  test('warns when the target has missing cells', async () => {
    const logger = createRecordingLogger();
    await inferConfig({ dataPath: join(fixturesDir, 'damaged/missing-target.csv'), configPath: join(workDir, 'w', 'c.yaml'), target: 'churn', logger });
    expect(logger.lines.find((l) => l.level === 'warn')!.message).toContain('1 rows have no value in the target column "churn"');
  });
});

/** ColumnStats of a list of cells, with the default missing values. */
function momentsOf(values: readonly number[]): Moments {
  const moments = new Moments();
  for (const value of values) moments.add(value);
  return moments;
}

function statsOf(cells: readonly string[]): ColumnStats {
  const stats = new ColumnStats(missingValuesOf(['', 'NA', 'N/A']).has);
  for (const cell of cells) stats.add(cell);
  return stats;
}

describe('inference rules', () => {
  test.each([
    { cells: ['Yes', 'No', 'No', 'No'], type: 'binary', detail: { positive_label: 'Yes', negative_label: 'No' } },
    { cells: ['0', '1', '1', '1'], type: 'binary', detail: { positive_label: '1', negative_label: '0' } },
    { cells: ['spam', 'ham', 'ham'], type: 'binary', detail: { positive_label: 'spam', negative_label: 'ham' } },
    { cells: ['b', 'a', 'a', 'b'], type: 'binary', detail: { positive_label: 'a', negative_label: 'b' } },
    { cells: ['TRUE', 'FALSE', 'FALSE'], type: 'binary', detail: { positive_label: 'TRUE' } },
    { cells: ['a', 'b', 'c', 'c'], type: 'multiclass', detail: { classes: ['c', 'a', 'b'] } },
    { cells: Array.from({ length: 21 }, (_, i) => String(i % 5)), type: 'multiclass', detail: {} },
    { cells: Array.from({ length: 21 }, (_, i) => String(i * 1.5)), type: 'regression', detail: {} },
  ])('$cells.length values like $cells.0 → $type', ({ cells, type, detail }) => {
    const { task } = inferTask('y', statsOf(cells));
    expect(task).toMatchObject({ type, ...detail });
  });

  test.each([
    { cells: Array.from({ length: 40 }, (_, i) => String(100 + i)), transform: 'none', why: /not strongly skewed \(skewness 0\.00\)/ },
    { cells: Array.from({ length: 40 }, (_, i) => String(Math.round(Math.exp(i / 4)))), transform: 'log', why: /every value is positive and the target is right-skewed/ },
    { cells: Array.from({ length: 40 }, (_, i) => String(Math.round(Math.exp(i / 4)) - 1)), transform: 'none', why: /skewed \(skewness \d\.\d\d\) but has values ≤ 0 \(min 0\), so no log/ },
    { cells: Array.from({ length: 40 }, (_, i) => String(Math.round(Math.exp(i / 4)) - 5)), transform: 'none', why: /has values ≤ 0 \(min -4\)/ },
  ])('a regression target like $cells.39 gets target_transform $transform', ({ cells, transform, why }) => {
    expect(inferTask('y', statsOf(cells)).task).toEqual({ type: 'regression', target_transform: 'none' });
    const choice = chooseTargetTransform(momentsOf(cells.map(Number)));
    expect(choice.transform).toBe(transform);
    expect(choice.why).toMatch(why);
  });

  test('the skewness matches the textbook formula', () => {
    const values = [1, 2, 2, 3, 3, 3, 10, 25, 4, 1.5];
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const moment = (k: number) => values.reduce((a, b) => a + (b - mean) ** k, 0) / n;
    expect(momentsOf(values).skewness).toBeCloseTo(moment(3) / moment(2) ** 1.5, 10);
  });

  test('more than 100 text classes is an error', () => {
    expect(() => inferTask('y', statsOf(Array.from({ length: 101 }, (_, i) => `c${i}`)))).toThrow(/101 distinct values: too many classes/);
  });

  test.each([
    { name: 'customerID', id: true },
    { name: 'Individual ID', id: true },
    { name: 'user_uuid', id: true },
    { name: 'id', id: true },
    { name: 'paid', id: false },
    { name: 'video', id: false },
    { name: 'identity_score', id: false },
  ])('$name looks like an identifier: $id', ({ name, id }) => {
    expect(nameSaysIdentifier(name)).toBe(id);
  });

  test.each([
    { path: 'data/telco-churn.csv', name: 'telco-churn' },
    { path: 'My Data (v2).CSV', name: 'my-data-v2' },
    { path: 'Äpfel_Birnen.csv', name: 'apfel-birnen' },
    { path: '___.csv', name: 'model' },
  ])('model name of $path is $name', ({ path, name }) => {
    expect(modelNameFor(path)).toBe(name);
  });

  test.each([
    { value: 3123.4, rounded: 3100 },
    { value: 0.04567, rounded: 0.046 },
    { value: 98765, rounded: 99000 },
    { value: 0, rounded: 0 },
  ])('roundSignificant($value) = $rounded', ({ value, rounded }) => {
    expect(roundSignificant(value)).toBe(rounded);
  });

  test('the model kind by rows: linear for regression under smallRegressionRows, the default network otherwise', () => {
    const network = modelSchema.parse({}).kind;
    expect(modelForRows(1460, 'regression').kind).toBe('linear');
    expect(modelForRows(smallRegressionRows - 1, 'regression').kind).toBe('linear');
    expect(modelForRows(smallRegressionRows, 'regression').kind).toBe(network);
    expect(modelForRows(1460, 'multiclass').kind).toBe(network);
    expect(modelForRows(200, 'binary').kind).toBe(network);
  });

  test('slices prefer segment-like names, then column order, at most 2', () => {
    const cat = (name: string, n: number): FeatureSpec => ({ name, type: 'categorical', vocabulary: Array.from({ length: n }, (_, i) => `v${i}`) });
    const features: FeatureSpec[] = [cat('colour', 3), cat('too_many', 13), cat('one', 1), { name: 'age', type: 'numeric' }, cat('customer_type', 4), cat('shape', 2)];
    expect(pickSlices(features).slices).toEqual(['customer_type', 'colour']);
    expect(pickSlices([cat('too_many', 40)]).slices).toEqual([]);
  });

  test('the rendered YAML parses to the inferred config', async () => {
    const inferred: InferredConfig = await inferConfig({ dataPath: houses, configPath: join(workDir, 'r', 'mlops.config.yaml'), target: 'price', logger: silentLogger });
    const yaml = renderConfigYaml(inferred.config, inferred.notes);
    expect(parseDocument(yaml).toJS()).toEqual(inferred.config);
    expect(parseConfigText(yaml).task.type).toBe('regression');
  });
});
