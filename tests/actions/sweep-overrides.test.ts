import { describe, expect, test } from 'vitest';
import { selectBestCandidate, type SweepCandidate } from '../../src/pipeline/sweep.js';
import { renderModelCheckComment, renderValidationSummary } from '../../src/actions/summaries.js';
import { applyConfigOverrides, parseConfigOverrides } from '../../src/config/overrides.js';
import { ConfigError } from '../../src/core/errors.js';
import { loadedConfigFor, telcoConfigInput } from '../fixtures/data/telco-config.js';

const candidate = (id: string, passed: boolean, value: number | null, primaryMetric = 'auc'): SweepCandidate => ({ id, dir: `/c/${id}`, passed, primaryMetric, value });

describe('selectBestCandidate', () => {
  test.each([
    ['the highest AUC among those that passed', [candidate('a', true, 0.81), candidate('b', true, 0.84), candidate('c', false, 0.9)], 'b'],
    ['the lowest loss for lower-is-better metrics', [candidate('a', true, 0.41, 'log_loss'), candidate('b', true, 0.39, 'log_loss')], 'b'],
    ['the lowest RMSE', [candidate('a', true, 3.2, 'rmse'), candidate('b', true, 4.1, 'rmse')], 'a'],
    ['ties broken by id', [candidate('z', true, 0.8), candidate('m', true, 0.8)], 'm'],
    ['candidates without a value are skipped', [candidate('a', true, null), candidate('b', true, 0.7)], 'b'],
    ['none when none passed', [candidate('a', false, 0.9)], null],
  ])('%s', (_what, candidates, expected) => {
    expect(selectBestCandidate(candidates)?.id ?? null).toBe(expected);
  });
});

describe('config overrides for a sweep', () => {
  const loaded = loadedConfigFor(telcoConfigInput('valid/telco-excerpt.csv'));
  test.each([
    ['{"model.learning_rate": 0.001}', (c: typeof loaded.config) => c.model.learning_rate, 0.001],
    ['{"model.hidden_units": [64, 32]}', (c: typeof loaded.config) => c.model.hidden_units, [64, 32]],
    ['{"model.early_stopping.patience": 2}', (c: typeof loaded.config) => c.model.early_stopping.patience, 2],
  ])('%s changes the config and its hash', (text, read, expected) => {
    const changed = applyConfigOverrides(loaded, parseConfigOverrides(text));
    expect(read(changed.config)).toEqual(expected);
    expect(changed.hash).not.toBe(loaded.hash);
  });
  test('no overrides leave the config as it is', () => {
    expect(applyConfigOverrides(loaded, parseConfigOverrides('  '))).toBe(loaded);
  });
  test.each([
    ['[1, 2]', /JSON object/],
    ['{"data.path": "other.csv"}', /only keys under model\./],
    ['{"model.learning_rate": -1}', /makes the config invalid:[\s\S]*model\.learning_rate/],
    ['{"model.hidden_units.first": 3}', /model\.hidden_units is not a section/],
    ['{"model.no_such_key": 3}', /unknown key 'no_such_key'/],
  ])('%s is a ConfigError', (text, message) => {
    const attempt = () => applyConfigOverrides(loaded, parseConfigOverrides(text));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });
});

describe('the model-check comment', () => {
  test('without a verdict says why, keeps the validation summary and escapes data text', () => {
    const body = renderModelCheckComment({
      validation: {
        file: 'data/x|y.csv',
        sha256: 'a'.repeat(64),
        rows: 10,
        valid_rows: 9,
        blank_lines: 0,
        passed: false,
        error_count: 1,
        warning_count: 0,
        issue_counts: { 'non-numeric': 1 },
        issues: [{ code: 'non-numeric', message: 'line 3: "abc|<script>" is not a number', line: 3, column: 'tenure', severity: 'error' }],
        profile: null,
        duration_ms: 1,
      },
      verdict: null,
      candidate: null,
      champion: null,
      history: [],
      failure: 'Data validation failed (1 errors in data/x|y.csv); there is no model to evaluate.',
      runUrl: 'https://github.com/o/r/actions/runs/1',
      commit: 'b'.repeat(40),
    });
    expect(body).toContain('## ❌ Model check for `bbbbbbbbbbbb`: not evaluated');
    expect(body).toContain('x\\|y.csv');
    expect(body).toContain('\\<script\\>');
    expect(body).toContain('| ❌ error | 3 | tenure |');
    expect(body).toContain('[Workflow run](https://github.com/o/r/actions/runs/1)');
  });
  test('the validation summary lists at most 20 issues and counts the rest', () => {
    const issues = Array.from({ length: 30 }, (_, i) => ({ code: 'ragged-row', message: `line ${i + 2}: bad`, line: i + 2, severity: 'error' as const }));
    const summary = renderValidationSummary({ file: 'd.csv', sha256: 'c'.repeat(64), rows: 30, valid_rows: 0, blank_lines: 0, passed: false, error_count: 30, warning_count: 0, issue_counts: { 'ragged-row': 30 }, issues, profile: null, duration_ms: 1 });
    expect(summary.match(/\| ❌ error \|/g)).toHaveLength(20);
    expect(summary).toContain('…and 10 more issues');
  });
});
