import { resolve } from 'node:path';
import { ConfigError, DataError } from '../../core/errors.js';
import { columnFormat, formatNumber } from '../../core/number-format.js';
import { DriftWindow } from '../../monitoring/drift-window.js';
import { readSampleLog } from '../../monitoring/sample-log.js';
import { decideRetrain, type RetrainDecision } from '../../monitoring/retrain-decision.js';
import { monitoringUrl, readServedTraining, readServiceMonitoring, serviceEndpoint } from '../../monitoring/service-snapshot.js';
import { loadConfig } from '../../config/load.js';
import { displayUrl } from '../../data/fetch-sink.js';
import { ModelRegistry } from '../../registry/registry.js';
import { parseVersion } from '../../registry/semver.js';
import type { MonitoringSnapshot } from '../../monitoring/snapshot-schema.js';
import type { QualitySnapshot } from '../../monitoring/quality-schema.js';
import { loadVersionBaseline } from '../../serving/served-model.js';
import { resolveServeSettings } from '../../serving/settings.js';
import { z } from 'zod';
import { commonOptions, commonUsage, defineCommand } from '../command.js';
import { flag, positiveInteger, text, texts } from '../options.js';
import { renderTable } from '../table.js';
import { gitHubMonitorTarget, lastRetrainRun, reportToGitHub } from './monitor-github.js';

const failOnValues = ['drift', 'quality'] as const;
type FailOn = (typeof failOnValues)[number];

export const monitorCommand = defineCommand({
  name: 'monitor',
  summary: 'the drift and live quality report of a running service, or drift from a sample log',
  usage: `mlops monitor --url SERVICE_URL [--json] [--fail-on drift,quality] [--retrain-decision [--last-retrain TIME] [--github]]
mlops monitor --log FILE [--log FILE ...] [--version V] [--registry DIR] [--json] [--fail-on drift]

With --url, reads /monitoring of a running \`mlops serve\`: drift of the served version's traffic
against its training profile and its live quality over labelled predictions (POST /feedback),
with the rules of monitoring.quality. With --log, replays the request sample log written by
\`mlops serve\` (monitoring.sample_log) through the same drift window the server uses, against the
training profile of one version: PSI and Jensen–Shannon divergence of numeric features,
L-infinity distance of categorical ones, out-of-vocabulary and missing rates.

  --url SERVICE_URL   a running service (its base URL; /monitoring is read)
  --timeout-s N       give up on the service after N seconds (default 30)
  --log FILE          a sample log (JSONL); repeat for rotated files, oldest first (log.1, then log)
  --version V         compare with this version's profile and use only requests it served
                      (default: the version of the last record)
  --registry DIR      the registry (default: registry.path of the config); without a config the
                      window and thresholds come from the version's lineage
  --json              print the report as JSON (the /monitoring shape)
  --fail-on LIST      exit with 3 when a feature drifted (drift) or a live quality rule failed
                      (quality); comma-separated. --fail-on-drift is --fail-on drift.
  --retrain-decision  (with --url) also say whether a retrain is due by monitoring.retrain_on of
                      the config (drift, quality, min_new_labels, cooldown_hours): the JSON gains
                      "retrain": {"due", "reason", "signals", "blocked_by", "last_retrain_at",
                      "cooldown_until"}; pass .retrain.reason to \`mlops pipeline --reason\`. The
                      cool-down counts from the served version's training time (GET /model) or
                      --last-retrain, whichever is later. A due retrain does not change the exit code.
  --last-retrain TIME the last retrain run (ISO 8601), when it is later than the served version's
                      training (a retrain the gate rejected still counts for the cool-down)
  --github            (with --retrain-decision, in a GitHub Actions job; monitor.yml) the newest
                      retrain.yml run counts as the last retrain; opens or updates the issue
                      labelled model-monitoring while alerts stand and closes it when none do;
                      dispatches retrain.yml with the reason when a retrain is due; appends the
                      report to the job summary. Needs GITHUB_TOKEN (issues: write, actions: write).
Exit codes: 3 thresholds crossed (with --fail-on), 6 the service cannot be read.
${commonUsage}`,
  options: z.strictObject({
    ...commonOptions,
    url: text(),
    'timeout-s': positiveInteger(),
    log: texts(),
    version: text(),
    registry: text(),
    json: flag(),
    'fail-on': text(),
    'fail-on-drift': flag(),
    'retrain-decision': flag(),
    'last-retrain': text(),
    github: flag(),
  }),
  async run(context) {
    const { options } = context;
    const failOn = parseFailOn(options['fail-on'], options['fail-on-drift']);
    if (options.url !== undefined && options.log.length > 0) throw new ConfigError('Give --url or --log, not both.');
    let snapshot: MonitoringSnapshot;
    if (options.url !== undefined) {
      if (options.version !== undefined || options.registry !== undefined) throw new ConfigError('--version and --registry go with --log; --url reports the version the service serves.');
      const url = monitoringUrl(options.url);
      if (url === null) throw new ConfigError(`Invalid --url '${options.url}': expected the service's http:// or https:// URL.`);
      const timeoutMs = (options['timeout-s'] ?? 30) * 1000;
      if (options.github && !options['retrain-decision']) throw new ConfigError('--github goes with --retrain-decision: monitor.yml dispatches the retrain it decides.');
      const github = options.github ? gitHubMonitorTarget(context.io.env) : null;
      const lastRetrain = latest(parseLastRetrain(options['last-retrain'], options['retrain-decision']), github ? await lastRetrainRun(github) : null);
      const rules = options['retrain-decision'] ? (await loadConfig(context.options.config, context.io.cwd)).config.monitoring.retrain_on : undefined;
      snapshot = await readServiceMonitoring(url, displayUrl(url), timeoutMs);
      let retrain: RetrainDecision | undefined;
      if (rules !== undefined) {
        const modelUrl = serviceEndpoint(options.url, 'model')!;
        const served = await readServedTraining(modelUrl, displayUrl(modelUrl), timeoutMs);
        const lastRetrainAt = lastRetrain !== null && lastRetrain > served.trainedAt ? lastRetrain : served.trainedAt;
        retrain = decideRetrain({ snapshot, rules, lastRetrainAt, now: new Date() });
      }
      if (github && retrain) await reportToGitHub(github, { snapshot, retrain, service: displayUrl(url) }, context.logger);
      if (options.json) context.io.stdout.write(`${JSON.stringify(retrain ? { ...snapshot, retrain } : snapshot, null, 2)}\n`);
      else context.io.stdout.write(`${renderReport(snapshot, snapshot.window.requests, 0)}${renderQuality(snapshot.quality)}${retrain ? renderRetrainDecision(retrain) : ''}`);
    } else {
      if (options['retrain-decision'] || options['last-retrain'] !== undefined || options.github) throw new ConfigError(`--retrain-decision and --last-retrain go with --url: the decision needs the live quality and the served version${options.github ? ' (--github too)' : ''}.`);
      if (failOn.has('quality')) throw new ConfigError('--fail-on quality needs --url: a sample log has no labels.');
      snapshot = await replaySampleLogs(context.options, context.io.cwd, context.options.config, (skipped, version) => {
        context.logger.info(`Skipped ${skipped} request${skipped === 1 ? '' : 's'} served by other versions than ${version}.`);
      }, (report) => context.io.stdout.write(options.json ? `${JSON.stringify(report.snapshot, null, 2)}\n` : renderReport(report.snapshot, report.used, report.skipped)));
    }
    const crossed: string[] = [];
    const drifted = snapshot.features.filter((feature) => feature.drifted).map((feature) => feature.name);
    if (failOn.has('drift') && drifted.length > 0) crossed.push(`Drift against the training data of ${snapshot.model_version} on: ${drifted.join(', ')}.`);
    const qualityAlerts = snapshot.quality?.alerts ?? [];
    if (failOn.has('quality') && qualityAlerts.length > 0) crossed.push(`Live quality rules fail: ${qualityAlerts.join('; ')}.`);
    if (crossed.length > 0) throw new DataError(crossed.join(' '));
    return 0;
  },
});

/** The later of two times (null when both are unknown). */
function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null || b === null) return a ?? b;
  return a > b ? a : b;
}

/** `--last-retrain TIME` as a date; only with --retrain-decision. */
function parseLastRetrain(value: string | undefined, deciding: boolean): Date | null {
  if (value === undefined) return null;
  if (!deciding) throw new ConfigError('--last-retrain goes with --retrain-decision.');
  if (!isoTime.safeParse(value).success) throw new ConfigError(`Invalid --last-retrain '${value}': expected an ISO 8601 time such as 2026-01-31T12:00:00Z.`);
  return new Date(value);
}

const isoTime = z.iso.datetime({ offset: true });

/** The retrain decision as text, after the report. */
export function renderRetrainDecision(decision: RetrainDecision): string {
  if (decision.blocked_by === 'off') return '\nretrain: not judged (monitoring.retrain_on is not set)\n';
  if (decision.due) return `\nretrain: due — ${decision.reason}\n`;
  if (decision.blocked_by === 'cooldown') return `\nretrain: not yet — cool-down until ${decision.cooldown_until} (last retrain ${decision.last_retrain_at}); signals: ${decision.reason}\n`;
  return '\nretrain: not due (no signal of monitoring.retrain_on fired)\n';
}

/** `--fail-on drift,quality` (and the older `--fail-on-drift`) as a set. */
function parseFailOn(list: string | undefined, failOnDrift: boolean): Set<FailOn> {
  const chosen = new Set<FailOn>(failOnDrift ? ['drift'] : []);
  for (const item of (list ?? '').split(',').map((value) => value.trim()).filter((value) => value !== '')) {
    if (!(failOnValues as readonly string[]).includes(item)) throw new ConfigError(`Invalid --fail-on '${item}': expected ${failOnValues.join(', ')} (comma-separated).`);
    chosen.add(item as FailOn);
  }
  return chosen;
}

interface ReplayOptions {
  log: string[];
  version?: string;
  registry?: string;
}

/** The drift report of sample logs, as the server's window would have computed it. */
async function replaySampleLogs(
  options: ReplayOptions,
  cwd: string,
  config: string | undefined,
  onSkipped: (skipped: number, version: string) => void,
  print: (report: { snapshot: MonitoringSnapshot; used: number; skipped: number }) => void,
): Promise<MonitoringSnapshot> {
  const logs = options.log.map((path) => resolve(cwd, path));
  if (logs.length === 0) throw new ConfigError('mlops monitor needs --url SERVICE_URL (a running service) or --log FILE (the request sample log written by `mlops serve`, monitoring.sample_log).');
  let version = options.version;
  if (version !== undefined) parseVersion(version);
  else {
    for (const path of logs) await readSampleLog(path, (record) => (version = record.model_version));
    if (version === undefined) throw new DataError(`No records in ${logs.join(', ')}: serve some traffic with monitoring.sample_log enabled first.`);
  }
  const settings = await resolveServeSettings({ config, registry: options.registry, version, cwd, env: {} });
  const registry = await ModelRegistry.open(settings.registryRoot);
  const baseline = await loadVersionBaseline(registry, version);
  const { monitoring } = settings;
  const window = new DriftWindow(baseline, { windowSize: monitoring.window_size, minSamples: monitoring.min_samples, thresholds: monitoring.thresholds }, version, 0);
  let used = 0;
  let skipped = 0;
  for (const path of logs) {
    await readSampleLog(path, (record) => {
      if (record.model_version !== version) {
        skipped++;
        return;
      }
      used++;
      window.addRequest(record.instances, record.predictions, Date.parse(record.time));
    });
  }
  const snapshot = window.snapshot();
  print({ snapshot, used, skipped });
  if (skipped > 0) onSkipped(skipped, version);
  return snapshot;
}

/** The drift report as text: a table per feature, then the alerts. */
export function renderReport(snapshot: MonitoringSnapshot, requests: number, skipped: number): string {
  const { thresholds } = snapshot;
  const rows = snapshot.features.map((feature) => [
    feature.name,
    feature.type,
    String(feature.count),
    formatNumber(feature.missing_rate, { decimals: 3 }),
    formatNumber(feature.out_of_vocabulary_rate, { decimals: 3 }),
    formatNumber(feature.psi, columnFormat),
    formatNumber(feature.js, columnFormat),
    formatNumber(feature.linf, columnFormat),
    feature.drifted ? 'DRIFT' : '',
  ]);
  const lines = [
    `Drift of ${snapshot.window.instances} instances (${requests} requests${skipped > 0 ? `; ${skipped} of other versions skipped` : ''}) against the training data of ${snapshot.model_version}`,
    `thresholds: PSI ${thresholds.psi}, Jensen–Shannon divergence ${thresholds.js}, L-infinity ${thresholds.linf}; judged from ${thresholds.min_samples} values`,
    '',
    renderTable(['feature', 'type', 'count', 'missing', 'oov', 'psi', 'js', 'linf', ''], rows),
    '',
    snapshot.alerts.length > 0 ? `alerts:\n${snapshot.alerts.map((alert) => `  - ${alert}`).join('\n')}` : 'no drift',
  ];
  return `${lines.join('\n')}\n`;
}

/** Live quality as text: live against offline per metric, the primary metric per slice, the rule checks and alerts. */
export function renderQuality(quality: QualitySnapshot | null | undefined): string {
  if (quality === undefined) return '';
  if (quality === null) return '\nlive quality: off (feedback.enabled is false)\n';
  const lines = [
    '',
    `Live quality of ${quality.model_version} over ${quality.labelled} labelled predictions (window ${quality.window_size}; ${quality.labels_total} labels since the log began)`,
  ];
  if (quality.labelled === 0) return `${lines.join('\n')}\nno labels yet: POST /feedback with {"feedback": [{"prediction_id": "…", "label": …}]}\n`;
  const metricNames = [...new Set([...Object.keys(quality.metrics), ...Object.keys(quality.offline)])];
  lines.push('', renderTable(['metric', 'live', 'offline (test)'], metricNames.map((name) => [name, formatNumber(quality.metrics[name], columnFormat), formatNumber(quality.offline[name], columnFormat)])));
  const sliceRows = Object.entries(quality.slices).flatMap(([column, values]) =>
    Object.entries(values).map(([value, group]) => [column, value, String(group.labelled), formatNumber(group.metrics[quality.primary_metric], columnFormat)]),
  );
  if (sliceRows.length > 0) lines.push('', renderTable(['slice', 'value', 'labelled', quality.primary_metric], sliceRows));
  const judged = quality.labelled >= quality.min_labels;
  lines.push(
    '',
    judged ? (quality.alerts.length > 0 ? `quality alerts:\n${quality.alerts.map((alert) => `  - ${alert}`).join('\n')}` : 'quality rules pass') : `quality rules not judged below ${quality.min_labels} labels (monitoring.quality.min_labels)`,
  );
  return `${lines.join('\n')}\n`;
}
