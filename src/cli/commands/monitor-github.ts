import { appendFile } from 'node:fs/promises';
import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { createGitHubClient, httpStatusOf, parseRepository, type GitHubClient, type RepositoryRef } from '../../github/client.js';
import { dispatchRetrain, lastWorkflowRunAt, monitoringAlerts, monitoringIssueTitle, monitoringReport, syncMonitoringIssue, type MonitoringFindings } from '../../github/monitoring-issue.js';

/**
 * `mlops monitor --url … --github`, the adapter monitor.yml runs: in a GitHub Actions job (the
 * token in GITHUB_TOKEN, the repository, API and ref from the runner's GITHUB_* variables) it
 * keeps the monitoring issue, dispatches retrain.yml when a retrain is due, and appends the
 * report to the job summary.
 */

/** The GitHub side of a monitor run, read from the job's environment. */
export interface GitHubMonitorTarget {
  client: GitHubClient;
  repository: RepositoryRef;
  /** The branch a retrain is dispatched on (the run's own: the default branch for a schedule). */
  ref: string;
  runUrl?: string;
  summaryFile?: string;
}

/** Reads the job's environment; a missing piece is a ConfigError naming the variable. */
export function gitHubMonitorTarget(env: NodeJS.ProcessEnv): GitHubMonitorTarget {
  const token = env.GITHUB_TOKEN ?? '';
  if (token.trim() === '') throw new ConfigError('--github needs GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }}, with issues: write and actions: write).');
  const repository = parseRepository(env.GITHUB_REPOSITORY);
  const ref = env.GITHUB_REF_NAME ?? '';
  if (ref === '') throw new ConfigError('--github needs GITHUB_REF_NAME (the branch a retrain is dispatched on); it is set in GitHub Actions jobs.');
  const runUrl = env.GITHUB_SERVER_URL && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  return { client: createGitHubClient(token, env), repository, ref, runUrl, summaryFile: env.GITHUB_STEP_SUMMARY || undefined };
}

/** A refused request as a ConfigError naming the permission the job lacks; anything else as it is. */
async function withPermission<T>(what: string, permission: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 403 || status === 401) throw new ConfigError(`GitHub refused to ${what} (${status}): the job needs \`permissions: ${permission}\` and GITHUB_TOKEN set to \${{ github.token }}.`);
    throw error;
  }
}

/** The newest retrain.yml run's start, for the cool-down (a run the gate rejected still counts). */
export function lastRetrainRun(target: GitHubMonitorTarget): Promise<Date | null> {
  return withPermission('list the retrain.yml runs', 'actions: read', () => lastWorkflowRunAt(target.client, target.repository));
}

/** Dispatches the retrain when due, keeps the issue, writes the summary. */
export async function reportToGitHub(target: GitHubMonitorTarget, findings: Omit<MonitoringFindings, 'runUrl'>, logger: Logger): Promise<void> {
  const withRun: MonitoringFindings = { ...findings, runUrl: target.runUrl };
  const { snapshot, retrain } = withRun;
  let dispatched = false;
  if (retrain.due && retrain.reason !== null) {
    const reason = retrain.reason;
    await withPermission('dispatch retrain.yml', 'actions: write', () => dispatchRetrain(target.client, target.repository, target.ref, reason));
    dispatched = true;
    logger.info(`Dispatched retrain.yml on ${target.ref}: ${retrain.reason}`);
  }
  const report = monitoringReport(withRun, dispatched);
  const alerts = monitoringAlerts(snapshot);
  const issue = await withPermission('write the monitoring issue', 'issues: write', () => syncMonitoringIssue(target.client, target.repository, alerts.length > 0, monitoringIssueTitle(snapshot), report));
  if (issue.action !== 'none') logger.info(`Monitoring issue #${issue.number}: ${issue.action}.`);
  if (target.summaryFile) await appendFile(target.summaryFile, `${report}${issue.number !== null ? `\nMonitoring issue: #${issue.number} (${issue.action})\n` : ''}`);
}
