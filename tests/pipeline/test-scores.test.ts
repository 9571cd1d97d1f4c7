import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { modelSchema } from '../../src/config/schema.js';
import { sha256 } from '../../src/core/hash.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadDataset, type DatasetRow } from '../../src/data/load-dataset.js';
import { baselineTaskOf, fitBaselines, predictBaseline, type Baselines } from '../../src/model/baseline/baseline.js';
import { selectBackend } from '../../src/model/backend.js';
import { saveModel } from '../../src/model/model-io.js';
import { buildNetwork } from '../../src/model/network.js';
import { predictRows } from '../../src/model/predict.js';
import { encodeFeatures, fitPreprocessing, type PreprocessingSpec } from '../../src/model/preprocessing.js';
import { openChampionScorer } from '../../src/pipeline/champion-scoring.js';
import { metricTargets } from '../../src/pipeline/test-rows.js';
import { GrowingArray, selectScored, testChunkRows, TestScoreCollector, type ScoredTest } from '../../src/pipeline/test-scores.js';
import { telcoConfig } from '../fixtures/data/telco-config.js';

/**
 * The scores evaluate keeps of the test rows, collected chunk by chunk as a pass hands the rows
 * over in file order, must be exactly what scoring all the rows at once in key order gives (the
 * in-memory evaluate): every model's predictions, the targets, the slices, the marks.
 */

const loaded = telcoConfig('../../../data/telco-churn.csv');
const config = loaded.config;
let rows: DatasetRow[];
let byKey: DatasetRow[];
let spec: PreprocessingSpec;
let network: tfl.LayersModel;
let baselines: Baselines;
let scored: ScoredTest;
let excluded: Uint8Array;
const championDir = mkdtempSync(join(tmpdir(), 'mlops-test-scores-'));

beforeAll(async () => {
  await selectBackend('cpu', silentLogger);
  const real = (await loadDataset({ config: loaded, logger: silentLogger })).rows;
  // Three copies of the 7,043 real rows (each with keys of its own): more than two chunks.
  rows = [0, 1, 2].flatMap((copy) => real.map((row) => ({ ...row, key: copy === 0 ? row.key : sha256(`${copy}:${row.key}`) })));
  byKey = rows.map((row, i) => ({ row, i })).sort((a, b) => (a.row.key < b.row.key ? -1 : a.row.key > b.row.key ? 1 : a.i - b.i)).map(({ row }) => row);
  spec = fitPreprocessing(config.features, config.task, real.map((r) => r.features), real.map((r) => r.target));
  network = buildNetwork(spec, modelSchema.parse({ hidden_units: [8], seed: 3 }));
  baselines = fitBaselines(baselineTaskOf(spec), encodeFeatures(spec, real.map((r) => r.features)), metricTargets(spec, real), spec.input_width);
  await saveModel(network, championDir, spec);
  const scorer = await openChampionScorer('1.0.0', { dir: championDir, plan: { shared: config.features.map((f) => f.name), raw: [], output: { kind: 'same' } } }, 'data/telco-churn.csv');
  excluded = Uint8Array.from(rows, (_, i) => (i % 3 === 0 ? 1 : 0));
  const collector = new TestScoreCollector(config, spec, network, baselines, scorer, excluded);
  for (const row of rows) collector.add(row);
  scored = collector.finish();
  scorer.dispose();
});

afterAll(() => network?.dispose());

describe('TestScoreCollector', () => {
  test('scores more rows than one chunk', () => {
    expect(rows.length).toBeGreaterThan(2 * testChunkRows);
    expect(scored.rows).toBe(rows.length);
  });

  test('gives every row in key order: the candidate’s predictions and the targets as scoring all rows at once gives them', () => {
    expect(scored.candidate).toEqual(predictRows(network, spec, byKey.map((row) => row.features)));
    expect(scored.yTrue).toEqual(metricTargets(spec, byKey));
    expect(scored.slices['contract']).toEqual(byKey.map((row) => row.slices['contract'] ?? null));
  });

  test('the baselines’ predictions of the same rows', () => {
    const x = encodeFeatures(spec, byKey.map((row) => row.features));
    expect(scored.baselines.map((b) => [b.kind, b.model])).toEqual([
      ['linear', 'logistic_regression'],
      ['constant', 'prior'],
    ]);
    expect(scored.baselines[0]!.predictions).toEqual(predictBaseline(baselines.linear, x));
    expect(scored.baselines[1]!.predictions).toEqual(predictBaseline(baselines.constant, x));
  });

  test('the champion scored only on the rows it did not train on, and the marks in key order', () => {
    const position = new Map(rows.map((row, i) => [row, i]));
    const marks = Uint8Array.from(byKey, (row) => excluded[position.get(row)!]!);
    expect(scored.excluded).toEqual(marks);
    const kept = byKey.filter((_, i) => marks[i] === 0);
    const expected = predictRows(network, spec, kept.map((row) => row.features));
    const champion = scored.champion!;
    expect(Float32Array.from(byKey.flatMap((_, i) => (marks[i] === 0 ? [champion[i]!] : [])))).toEqual(expected);
    expect(byKey.every((_, i) => marks[i] === 0 || champion[i] === 0)).toBe(true);
  });
});

describe('selectScored', () => {
  test('keeps the chosen rows of every array, in order', () => {
    const keep = (row: number) => scored.excluded![row] === 0;
    const gated = selectScored(scored, keep, 1);
    const kept = Array.from({ length: scored.rows }, (_, i) => i).filter(keep);
    expect(gated.rows).toBe(kept.length);
    expect(gated.yTrue).toEqual(Float64Array.from(kept, (i) => scored.yTrue[i]!));
    expect(gated.candidate).toEqual(Float32Array.from(kept, (i) => scored.candidate[i]!));
    expect(gated.champion).toEqual(Float32Array.from(kept, (i) => scored.champion![i]!));
    expect(gated.baselines[0]!.predictions).toEqual(Float64Array.from(kept, (i) => scored.baselines[0]!.predictions[i]!));
    expect(gated.slices['contract']).toEqual(kept.map((i) => scored.slices['contract']![i]));
  });

  test('without a choice, is the scores themselves', () => {
    expect(selectScored(scored, null, 1)).toBe(scored);
  });
});

describe('GrowingArray', () => {
  test('gives back every value pushed, across its blocks', () => {
    const growing = new GrowingArray(Float64Array);
    for (let i = 0; i < 200_000; i++) growing.push(i * 0.5);
    const values = growing.finish();
    expect(values.length).toBe(200_000);
    expect(values[0]).toBe(0);
    expect(values[65_535]).toBe(65_535 * 0.5);
    expect(values[65_536]).toBe(65_536 * 0.5);
    expect(values[199_999]).toBe(199_999 * 0.5);
    expect(new GrowingArray(Uint8Array).finish()).toEqual(new Uint8Array(0));
  });
});
