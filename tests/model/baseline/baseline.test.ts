import { beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/core/logger.js';
import { loadDataset, type DatasetRow } from '../../../src/data/load-dataset.js';
import { splitByKey } from '../../../src/data/split.js';
import { prepareMetrics, type Numbers } from '../../../src/evaluation/metrics.js';
import { baselineTaskOf, createBaselineFit, fitBaselines, fitBaselinesStreamed, predictBaseline, type Baselines } from '../../../src/model/baseline/baseline.js';
import { encodeFeatures, encodeTargets, fitPreprocessing, type PreprocessingSpec } from '../../../src/model/preprocessing.js';
import { asyncBlocks, loadBaselineReference } from './baseline-reference.js';

const reference = loadBaselineReference();
const testAuc = (yTrue: Numbers, probabilities: Numbers) => prepareMetrics('binary', yTrue, probabilities).compute().auc;

describe('fitBaselines picks the linear and constant model of the task', () => {
  test.each(reference.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const task = c.task === 'multiclass' ? ({ type: 'multiclass', classCount: c.classes! } as const) : ({ type: c.task } as const);
    const options = { l2: c.l2, alpha: c.alpha };
    const x = Float64Array.from(c.x_train);
    const y = Float64Array.from(c.y_train);
    const baselines = fitBaselines(task, x, y, c.width, options);
    expect(baselines.linear.kind).toBe(c.task === 'regression' ? 'ridge' : 'logistic');
    expect(baselines.constant.kind).toBe(c.task === 'regression' ? 'mean' : 'prior');

    const rows = c.y_test.length;
    const linear = predictBaseline(baselines.linear, c.x_test);
    const constant = predictBaseline(baselines.constant, c.x_test);
    const width = c.task === 'multiclass' ? c.classes! : 1;
    expect(linear).toHaveLength(rows * width);
    expect(constant).toHaveLength(rows * width);
    // The predictions are what scikit-learn predicts, in the representation the metrics read.
    const expected = c.sklearn.proba_test ?? c.sklearn.predict_test!;
    const scale = 1 + Math.max(...expected.map(Math.abs));
    expected.forEach((value, i) => expect(Math.abs(linear[i]! - value) / scale).toBeLessThan(1e-8));
    const metrics = prepareMetrics(c.task, c.y_test, linear, { classCount: c.classes }).compute();
    expect(Object.keys(metrics).length).toBeGreaterThan(0);

    // Both fits share passes; streaming them gives exactly the same models.
    const streamed = await fitBaselinesStreamed(task, asyncBlocks(x, y, c.width, 64), c.width, options);
    expect(streamed).toEqual(baselines);
  });

  test('the constant model reads the linear model\'s first pass: no extra pass', () => {
    const c = reference.find((r) => r.name === 'binary_dense')!;
    const fit = createBaselineFit({ type: 'binary' }, c.width, { l2: 1 });
    let passes = 0;
    for (let pass = fit.nextPass(); pass; pass = fit.nextPass()) {
      passes++;
      pass.add({ x: c.x_train, y: c.y_train, rows: c.y_train.length });
    }
    const { linear } = fit.model();
    expect(linear.kind === 'logistic' && linear.passes).toBe(passes);
  });

  test('a matrix that is not whole rows cannot be predicted', () => {
    const c = reference.find((r) => r.name === 'ridge_dense')!;
    const { constant } = fitBaselines({ type: 'regression' }, Float64Array.from(c.x_train), Float64Array.from(c.y_train), c.width);
    expect(() => predictBaseline(constant, [1, 2, 3])).toThrow(/3 values, not a whole number of rows of 6/);
  });
});

describe('on the default dataset (data/telco-churn.csv, mlops.config.yaml): the split the gate uses', () => {
  let spec: PreprocessingSpec;
  let baselines: Baselines;
  let test_: DatasetRow[];

  beforeAll(async () => {
    const loaded = await loadConfig(new URL('../../../mlops.config.yaml', import.meta.url).pathname);
    const rows = (await loadDataset({ config: loaded, logger: silentLogger })).rows;
    const split = splitByKey(rows, loaded.config.split);
    const train = split.train.map((i) => rows[i]!);
    test_ = split.test.map((i) => rows[i]!);
    spec = fitPreprocessing(loaded.config.features, loaded.config.task, train.map((r) => r.features), train.map((r) => r.target));
    const x = encodeFeatures(spec, train.map((r) => r.features));
    const y = encodeTargets(spec, train.map((r) => r.target));
    baselines = fitBaselines(baselineTaskOf(spec), x, y, spec.input_width);
  });

  test('logistic regression (l2 = 1, scikit-learn\'s default) reaches the test AUC scikit-learn reports for this data, about 0.845', () => {
    const x = encodeFeatures(spec, test_.map((r) => r.features));
    const y = encodeTargets(spec, test_.map((r) => r.target));
    expect(test_.length).toBe(1403);
    const auc = testAuc(y, predictBaseline(baselines.linear, x))!;
    // Measured 0.8449 on the 5,056 training rows of this split (issue 12 quotes 0.845 for scikit-learn's LogisticRegression, five 80/20 splits).
    expect(auc).toBeGreaterThan(0.835);
    expect(auc).toBeLessThan(0.855);
    expect(baselines.linear.kind === 'logistic' && baselines.linear.converged).toBe(true);
  });

  test('the class prior scores AUC 0.5 and predicts the training churn rate', () => {
    const x = encodeFeatures(spec, test_.map((r) => r.features));
    const y = encodeTargets(spec, test_.map((r) => r.target));
    const prior = predictBaseline(baselines.constant, x);
    expect(testAuc(y, prior)).toBe(0.5);
    expect(prior[0]).toBeGreaterThan(0.25);
    expect(prior[0]).toBeLessThan(0.28);
  });
});
