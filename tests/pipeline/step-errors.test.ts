import { describe, expect, test } from 'vitest';
import { actionWording } from '../../src/actions/run-action.js';
import { cliWording } from '../../src/cli/report-failure.js';
import { ExitCode, RegistryError } from '../../src/core/errors.js';
import { describeRerun, describeStepError, neutralWording, WorkspaceError, type Rerun } from '../../src/pipeline/step-errors.js';

describe('describeRerun words the same facts for each edge', () => {
  const first: Rerun = { step: 'validate', when: 'first', keep: 'work-dir' };
  const dropData: Rerun = { step: 'validate', when: 'again', drop: 'data' };
  const fixFirst: Rerun = { step: 'validate', when: 'again', before: 'fix the data and' };
  const evaluate: Rerun = { step: 'evaluate', when: 'again' };
  test.each([
    ['the CLI', cliWording, first, 'run `mlops validate` first (with the same --work-dir)'],
    ['an action', actionWording, first, "run actions/validate first (with the same input 'work-dir')"],
    ['the experiment log', neutralWording, first, 'run the validate step first (with the same work-dir setting)'],
    ['the CLI', cliWording, dropData, 'run `mlops validate` again without --data'],
    ['an action', actionWording, dropData, "run actions/validate again without input 'data'"],
    ['the CLI', cliWording, fixFirst, 'fix the data and run `mlops validate` again'],
    ['the CLI', cliWording, evaluate, 'run `mlops evaluate` again'],
    ['an action', actionWording, evaluate, 'run actions/evaluate-gate again'],
  ])('for %s: %j', (_edge, wording, rerun, expected) => {
    expect(describeRerun(rerun, wording)).toBe(expected);
  });
});

describe('WorkspaceError', () => {
  const error = new WorkspaceError({ problem: '/w/run.json is missing', file: '/w/run.json', rerun: { step: 'validate', when: 'first', keep: 'work-dir' } });

  test('is a registry error (exit 5) that keeps its facts', () => {
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.exitCode).toBe(ExitCode.registry);
    expect(error.file).toBe('/w/run.json');
    expect(error.rerun.step).toBe('validate');
  });

  test('its message names no edge; each edge gets its own words', () => {
    expect(error.message).toBe('/w/run.json is missing: run the validate step first (with the same work-dir setting).');
    expect(describeStepError(error, cliWording)).toBe('/w/run.json is missing: run `mlops validate` first (with the same --work-dir).');
    expect(describeStepError(error, actionWording)).toBe("/w/run.json is missing: run actions/validate first (with the same input 'work-dir').");
  });

  test('other errors are described as they are', () => {
    expect(describeStepError(new Error('disk full'), cliWording)).toBe('disk full');
    expect(describeStepError('text', actionWording)).toBe('text');
  });
});
