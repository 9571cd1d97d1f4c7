import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { lastWorkflowRunAt, monitoringLabel, monitoringReport, syncMonitoringIssue } from '../../src/github/monitoring-issue.js';
import type { StoredRun } from '../../src/gha/state/schema.js';
import type { MonitoringSnapshot } from '../../src/monitoring/snapshot-schema.js';
import { startGitHubSimulator, type RunningSimulator } from './simulator.js';

/**
 * The monitoring issue and the last retrain against the simulated GitHub (the workflow around
 * them: tests/gha/monitor-workflow.test.ts).
 */

const repository = { owner: 'octo-org', repo: 'churn-model' };
let sim: RunningSimulator;
let client: GitHubClient;

beforeAll(async () => {
  sim = await startGitHubSimulator();
  client = createGitHubClient('test-token', { GITHUB_API_URL: sim.url });
});
afterAll(async () => {
  await sim?.close();
});

function run(id: number, workflow: string, createdAt: string): StoredRun {
  return {
    id,
    run_number: id,
    workflow,
    name: workflow,
    event: 'workflow_dispatch',
    head_sha: 'a'.repeat(40),
    head_branch: 'main',
    ref: 'refs/heads/main',
    actor: 'octocat',
    status: 'completed',
    conclusion: 'failure',
    run_attempt: 1,
    created_at: createdAt,
    updated_at: createdAt,
    event_path: '',
    workflow_sha: null,
    inputs: {},
    pull_requests: [],
    jobs: [],
  };
}

describe('the monitoring issue', () => {
  test("one issue by the Actions bot: created, then updated; a person's issue with the label is left alone; closed with a comment", async () => {
    const now = new Date().toISOString();
    sim.state.issues.push({ number: 1, title: 'Is the model drifting?', body: 'asking', state: 'open', labels: [monitoringLabel], user: { login: 'octocat', type: 'User' }, created_at: now, updated_at: now, closed_at: null });
    sim.state.next_issue_number = 2;
    expect(await syncMonitoringIssue(client, repository, false, 'title', 'healthy')).toEqual({ action: 'none', number: null });
    expect(await syncMonitoringIssue(client, repository, true, 'first', 'drift')).toEqual({ action: 'created', number: 2 });
    expect(await syncMonitoringIssue(client, repository, true, 'second', 'more drift')).toEqual({ action: 'updated', number: 2 });
    expect(sim.state.issues.map((i) => [i.number, i.title, i.body, i.state, i.labels])).toEqual([
      [1, 'Is the model drifting?', 'asking', 'open', [monitoringLabel]],
      [2, 'second', 'more drift', 'open', [monitoringLabel]],
    ]);
    expect(await syncMonitoringIssue(client, repository, false, 'third', 'healthy again')).toEqual({ action: 'closed', number: 2 });
    expect(sim.state.issues.map((i) => i.state)).toEqual(['open', 'closed']);
    expect(sim.state.comments.filter((c) => c.issue_number === 2).map((c) => c.body)).toEqual(['healthy again']);
    // Next time drift comes back, a new issue is opened (the closed one keeps its history).
    expect(await syncMonitoringIssue(client, repository, true, 'again', 'drift')).toEqual({ action: 'created', number: 3 });
  });

  test('the last retrain is the newest retrain.yml run, whatever its conclusion; null before any', async () => {
    expect(await lastWorkflowRunAt(client, repository)).toBeNull();
    sim.state.runs.push(run(11, '.github/workflows/retrain.yml', '2026-01-01T04:17:00.000Z'), run(12, '.github/workflows/retrain.yml', '2026-01-08T04:17:00.000Z'), run(13, '.github/workflows/monitor.yml', '2026-01-09T00:23:00.000Z'));
    expect(await lastWorkflowRunAt(client, repository)).toEqual(new Date('2026-01-08T04:17:00.000Z'));
  });

  test('alert text is shown as code: backticks in a feature name cannot break out of it', () => {
    const snapshot = {
      model_version: '1.0.0',
      window: { started_at: '2026-01-01T00:00:00.000Z', requests: 3, instances: 30 },
      alerts: ['te`nure: PSI 0.3 > 0.1'],
      quality: null,
    } as unknown as MonitoringSnapshot;
    const report = monitoringReport({ snapshot, retrain: { due: false, reason: null, signals: [], blocked_by: 'off', last_retrain_at: null }, service: 'https://svc.example.com' }, false);
    expect(report).toContain("- `drift: te'nure: PSI 0.3 > 0.1`");
    expect(report).toContain('Retrain: not judged');
  });
});
