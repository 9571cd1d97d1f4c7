import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/project.js';
import { promtool, runPromtool } from '../helpers/promtool.js';

/**
 * The alerting rules shipped in deploy/prometheus/: valid for Prometheus (`promtool check rules`),
 * and each alert fires when it should and not otherwise (`promtool test rules` on the unit tests
 * beside them). A rule changed so that its test no longer holds makes this fail.
 */

const folder = join(repoRoot, 'deploy/prometheus');

describe.skipIf(promtool === null)('Prometheus alerting rules', () => {
  test('promtool check rules: the six alerts are valid', () => {
    const check = runPromtool(['check', 'rules', 'mlops-alerts.yaml'], { cwd: folder });
    expect(check.status, check.output).toBe(0);
    expect(check.output).toContain('SUCCESS: 6 rules found');
  });

  test('promtool test rules: every alert fires on its series and only on them', () => {
    const run = runPromtool(['test', 'rules', 'mlops-alerts.test.yaml'], { cwd: folder });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('SUCCESS');
  });

  test('the rule tests can fail: a laxer error-rate threshold breaks them', () => {
    const copy = mkdtempSync(join(tmpdir(), 'mlops-rules-'));
    try {
      const rules = readFileSync(join(folder, 'mlops-alerts.yaml'), 'utf8');
      expect(rules).toContain('> 0.05');
      writeFileSync(join(copy, 'mlops-alerts.yaml'), rules.replace('> 0.05', '> 0.1'));
      writeFileSync(join(copy, 'mlops-alerts.test.yaml'), readFileSync(join(folder, 'mlops-alerts.test.yaml'), 'utf8'));
      const run = runPromtool(['test', 'rules', 'mlops-alerts.test.yaml'], { cwd: copy });
      expect(run.status).toBe(1);
      expect(run.output).toMatch(/FAILED:[\s\S]*alertname: MlopsHighErrorRate/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
