import type { RetrainDecision } from '../monitoring/retrain-decision.js';
import type { MonitoringSnapshot } from '../monitoring/snapshot-schema.js';
import type { GitHubClient, RepositoryRef } from './client.js';
import { commentAuthor, maxCommentLength } from './pr-comment.js';

/**
 * The monitoring issue of `monitor.yml`: one open issue, labelled {@link monitoringLabel}, kept
 * while the served model's drift or live quality crosses its thresholds (edited in place on each
 * hourly run, so it never becomes a stack of issues) and closed with a comment when the service is
 * back to normal; and the retrain it dispatches when `monitoring.retrain_on` says one is due.
 */

/** The label that identifies the monitoring issue. */
export const monitoringLabel = 'model-monitoring';

/** The workflow a due retrain dispatches. */
export const retrainWorkflow = 'retrain.yml';

/** What the monitor found, as the issue and the job summary show it. */
export interface MonitoringFindings {
  snapshot: MonitoringSnapshot;
  retrain: RetrainDecision;
  /** The service's URL as it may be shown (no credentials). */
  service: string;
  /** The run that looked (its web page), when known. */
  runUrl?: string;
}

/** The alerts that keep the issue open: drift alerts, then live quality alerts. */
export function monitoringAlerts(snapshot: MonitoringSnapshot): string[] {
  return [...snapshot.alerts.map((alert) => `drift: ${alert}`), ...(snapshot.quality?.alerts ?? [])];
}

/** The issue's title. */
export function monitoringIssueTitle(snapshot: MonitoringSnapshot): string {
  return `Model monitoring: ${snapshot.model_version} crosses its thresholds`;
}

/** The retrain part of the report, one line. */
export function retrainLine(decision: RetrainDecision, dispatched: boolean): string {
  if (decision.blocked_by === 'off') return 'Retrain: not judged (`monitoring.retrain_on` is not set in mlops.config.yaml).';
  if (decision.due) return dispatched ? `Retrain: dispatched ${retrainWorkflow} — ${decision.reason}` : `Retrain: due — ${decision.reason}`;
  if (decision.blocked_by === 'cooldown') return `Retrain: not yet — cool-down until ${decision.cooldown_until} (last retrain ${decision.last_retrain_at}).`;
  return 'Retrain: not due.';
}

/** The report as Markdown: the issue body and the job summary. Alert text is shown as code, never as Markdown. */
export function monitoringReport(findings: MonitoringFindings, dispatched: boolean): string {
  const { snapshot } = findings;
  const alerts = monitoringAlerts(snapshot);
  const quality = snapshot.quality;
  const lines = [
    `## Model monitoring: ${snapshot.model_version}`,
    '',
    `Service: \`${findings.service}\`; ${snapshot.window.requests} requests (${snapshot.window.instances} instances) in the drift window since ${snapshot.window.started_at}.`,
    quality ? `Live quality: ${quality.labelled} labelled predictions in the window (${quality.labels_total} labels since the log began).` : 'Live quality: off (feedback is not enabled).',
    '',
    alerts.length > 0 ? `### Alerts (${alerts.length})` : '### No alerts: drift and live quality are within their thresholds.',
    ...alerts.map((alert) => `- \`${alert.replace(/`/g, "'")}\``),
    '',
    retrainLine(findings.retrain, dispatched),
    ...(findings.runUrl ? ['', `Checked by ${findings.runUrl}`] : []),
  ];
  const text = `${lines.join('\n')}\n`;
  return text.length <= maxCommentLength ? text : `${text.slice(0, maxCommentLength - 40)}\n\n… (cut: see the job summary)\n`;
}

/** What {@link syncMonitoringIssue} did. */
export interface IssueOutcome {
  action: 'created' | 'updated' | 'closed' | 'none';
  number: number | null;
}

/**
 * Opens the monitoring issue when there are alerts, or updates the open one; closes it (with a
 * comment) when there are none. Only an issue the Actions bot opened with the label is touched: a
 * person's issue that carries the label is left alone.
 */
export async function syncMonitoringIssue(client: GitHubClient, repository: RepositoryRef, alerting: boolean, title: string, body: string): Promise<IssueOutcome> {
  const open = await client.paginate(client.rest.issues.listForRepo, { ...repository, state: 'open', labels: monitoringLabel, creator: commentAuthor, per_page: 100 });
  // The oldest open one is the issue; pull requests are listed too by this endpoint.
  const existing = open.filter((issue) => !issue.pull_request && issue.user?.login === commentAuthor).sort((a, b) => a.number - b.number)[0];
  if (alerting) {
    if (existing) {
      await client.rest.issues.update({ ...repository, issue_number: existing.number, title, body });
      return { action: 'updated', number: existing.number };
    }
    const created = await client.rest.issues.create({ ...repository, title, body, labels: [monitoringLabel] });
    return { action: 'created', number: created.data.number };
  }
  if (!existing) return { action: 'none', number: null };
  await client.rest.issues.createComment({ ...repository, issue_number: existing.number, body });
  await client.rest.issues.update({ ...repository, issue_number: existing.number, state: 'closed', state_reason: 'completed' });
  return { action: 'closed', number: existing.number };
}

/** When the newest run of `workflow` (a file name such as retrain.yml) was created, or null when it never ran. */
export async function lastWorkflowRunAt(client: GitHubClient, repository: RepositoryRef, workflow = retrainWorkflow): Promise<Date | null> {
  const response = await client.rest.actions.listWorkflowRuns({ ...repository, workflow_id: workflow, per_page: 1 });
  const run = response.data.workflow_runs[0];
  return run ? new Date(run.created_at) : null;
}

/** Dispatches the retrain workflow on `ref` with the reason (a workflow_dispatch input, never a shell word). */
export async function dispatchRetrain(client: GitHubClient, repository: RepositoryRef, ref: string, reason: string): Promise<void> {
  await client.rest.actions.createWorkflowDispatch({ ...repository, workflow_id: retrainWorkflow, ref, inputs: { reason } });
}
