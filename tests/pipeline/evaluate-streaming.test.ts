import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { expect, test } from 'vitest';
import { createRecordingLogger } from '../../src/core/logger.js';
import { evaluateCandidate } from '../../src/evaluation/evaluate-candidate.js';
import { loadModel } from '../../src/model/model-io.js';
import { predictRows } from '../../src/model/predict.js';
import { loadSplitDataset } from '../../src/pipeline/dataset-split.js';
import { evaluateStep } from '../../src/pipeline/evaluate-step.js';
import { openStepContext } from '../../src/pipeline/step-context.js';
import { fitInRunBaselines, testRowsInput } from '../../src/pipeline/test-rows.js';
import { trainStep } from '../../src/pipeline/train-step.js';
import { validateStep } from '../../src/pipeline/validate-step.js';
import { createProject, defaultConfigText, repoRoot } from '../helpers/project.js';

/**
 * evaluate reads the data in two passes and keeps typed arrays, never the rows (so its memory
 * does not grow with the file). On data whose training rows fit the baselines' sample, what it
 * writes must be exactly what scoring the rows held in memory gives: the split loaded whole, the
 * candidate predicting every test row at once, the baselines fitted on every training row.
 */
test('the streamed evaluate writes exactly the metrics of the in-memory scoring', async () => {
  const telco = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n').slice(0, 2501).join('\n') + '\n';
  const config = parse(defaultConfigText()) as Record<string, any>;
  config.model = { ...config.model, max_epochs: 2, backend: 'cpu' };
  config.gate = { ...config.gate, bootstrap: { resamples: 50 }, baseline: { enabled: false } };
  const project = createProject({ 'mlops.config.yaml': stringify(config), 'data/telco-churn.csv': telco });
  const logger = createRecordingLogger();
  const ctx = await openStepContext({ cwd: project, workDir: 'work', env: {}, logger });
  await validateStep(ctx);
  await trainStep(ctx);
  await evaluateStep(ctx).catch(() => undefined);
  const written = JSON.parse(readFileSync(ctx.workspace.path('metrics'), 'utf8')) as unknown;

  const { dataset, split } = await loadSplitDataset(ctx);
  const train = split.train.map((i) => dataset.rows[i]!);
  const testRows = split.test.map((i) => dataset.rows[i]!);
  const model = await loadModel(ctx.workspace.path('modelDir'));
  const predictions = predictRows(model.network, model.spec, testRows.map((row) => row.features));
  model.network.dispose();
  const baselines = fitInRunBaselines(model.spec, train, testRows);
  if (!Array.isArray(baselines)) throw new Error(baselines.problem);
  const expected = evaluateCandidate({ ...testRowsInput(ctx.loaded.config, model.spec, testRows), gate: ctx.loaded.config.gate, candidate: predictions, champion: null, baselines }).candidate;
  expect(written).toEqual(JSON.parse(JSON.stringify(expected)));
  expect((written as { overall: { rows: number } }).overall.rows).toBe(testRows.length);
  // Every training row fitted the baselines: no sample was drawn.
  expect(logger.lines.some((line) => line.message.includes('seeded sample'))).toBe(false);
});
