import { describe, expect, test } from 'vitest';
import type { GateVerdict } from '../../src/evaluation/report-schema.js';
import { staleRunProblem, staleTrainingProblem, staleVerdictProblem, type RunFacts, type TrainingFacts } from '../../src/pipeline/freshness.js';
import type { RunManifest, TrainingRecord } from '../../src/pipeline/workspace.js';

const run: RunManifest = {
  run_id: 'run-a',
  started_at: '2024-05-01T12:00:00.000Z',
  config_path: '/p/mlops.config.yaml',
  config_sha256: 'c'.repeat(64),
  data_path: '/p/data/telco.csv',
  data_sha256: 'd'.repeat(64),
};

const current: RunFacts = { workDir: '/p/work', run, projectDir: '/p', validationPassed: true, dataPath: '/p/data/telco.csv', configHash: 'c'.repeat(64), dataSha256: 'd'.repeat(64) };

describe('staleRunProblem', () => {
  test('a run that matches the config and data is current', () => {
    expect(staleRunProblem(current)).toBeNull();
  });

  test.each<[string, Partial<RunFacts>, RegExp, object]>([
    ['the validation failed', { validationPassed: false }, /The last validation in \/p\/work failed$/, { step: 'validate', when: 'again', before: 'fix the data and' }],
    ['another file was validated (--data)', { dataPath: '/p/data/other.csv' }, /validated \/p\/data\/telco\.csv, but the config trains on \/p\/data\/other\.csv/, { step: 'validate', drop: 'data' }],
    ['the config changed', { configHash: 'e'.repeat(64) }, /The config changed since \/p\/work was validated/, { step: 'validate', when: 'again' }],
    ['the data cannot be read', { dataSha256: null }, /\/p\/data\/telco\.csv cannot be read/, { step: 'validate' }],
    ['the data changed', { dataSha256: 'f'.repeat(64) }, /changed since it was validated \(sha256 ffffffffffff… ≠ dddddddddddd…\)/, { step: 'validate', when: 'again' }],
  ])('%s: names the problem and says to validate again', (_case, change, problem, rerun) => {
    const error = staleRunProblem({ ...current, ...change });
    expect(error?.problem).toMatch(problem);
    expect(error?.rerun).toMatchObject(rerun);
    expect(error?.exitCode).toBe(5);
  });

  test('a workspace validated in another checkout of the project (another runner) is current: the data path is relative to the project', () => {
    const relativeRun = { ...run, data_path: 'data/telco.csv' };
    expect(staleRunProblem({ ...current, run: relativeRun, projectDir: '/runner-b/work/repo', dataPath: '/runner-b/work/repo/data/telco.csv' })).toBeNull();
    expect(staleRunProblem({ ...current, run: relativeRun, projectDir: '/runner-b/work/repo', dataPath: '/runner-b/work/repo/data/other.csv' })?.problem).toMatch(
      /validated \/runner-b\/work\/repo\/data\/telco\.csv, but the config trains on \/runner-b\/work\/repo\/data\/other\.csv/,
    );
  });

  test('the first problem found is reported: a failed validation before a changed config', () => {
    expect(staleRunProblem({ ...current, validationPassed: false, configHash: 'x' })?.problem).toMatch(/failed/);
  });
});

describe('staleTrainingProblem', () => {
  const training = {
    run_id: 'run-a',
    data_sha256: run.data_sha256,
    config_sha256: run.config_sha256,
    model_files: { 'model.json': '1'.repeat(64), 'weights.bin': '2'.repeat(64) },
  } as unknown as TrainingRecord;
  const facts: TrainingFacts = { workDir: '/p/work', modelDir: '/p/work/model', run, training, configHash: run.config_sha256, modelFileHashes: { ...training.model_files } };

  test('a model trained for this run whose files are unchanged is current', () => {
    expect(staleTrainingProblem(facts)).toBeNull();
  });

  test.each<[string, Partial<TrainingFacts>, RegExp, string | undefined]>([
    ['trained for another run', { training: { ...training, run_id: 'run-b' } }, /The model in \/p\/work was trained for another run, data or config/, undefined],
    ['trained with another config', { configHash: 'e'.repeat(64) }, /trained for another run, data or config/, undefined],
    ['a file was swapped', { modelFileHashes: { ...training.model_files, 'weights.bin': '3'.repeat(64) } }, /\/p\/work\/model\/weights\.bin is missing or changed since training/, '/p/work/model/weights.bin'],
    ['the model folder is gone', { modelFileHashes: null }, /\/p\/work\/model\/model\.json is missing or changed/, '/p/work/model/model.json'],
  ])('%s: says to train again', (_case, change, problem, file) => {
    const error = staleTrainingProblem({ ...facts, ...change });
    expect(error?.problem).toMatch(problem);
    expect(error?.file).toBe(file);
    expect(error?.rerun).toEqual({ step: 'train', when: 'again' });
  });
});

describe('staleVerdictProblem', () => {
  test.each([
    ['run-a', null],
    ['run-b', /\/p\/work\/gate\.json judged run run-b, not run-a/],
  ])('a verdict on %s', (candidate, problem) => {
    const error = staleVerdictProblem('/p/work/gate.json', { candidate } as GateVerdict, run);
    if (problem === null) expect(error).toBeNull();
    else {
      expect(error?.problem).toMatch(problem);
      expect(error?.rerun).toEqual({ step: 'evaluate', when: 'again' });
    }
  });
});
