import { resolve } from 'node:path';
import { DataError } from '../../core/errors.js';
import { columnFormat, formatNumber } from '../../core/number-format.js';
import { DriftWindow } from '../../monitoring/drift-window.js';
import { readSampleLog } from '../../monitoring/sample-log.js';
import { ModelRegistry } from '../../registry/registry.js';
import { parseVersion } from '../../registry/semver.js';
import type { MonitoringSnapshot } from '../../monitoring/snapshot-schema.js';
import { loadVersionBaseline } from '../../serving/served-model.js';
import { resolveServeSettings } from '../../serving/settings.js';
import { z } from 'zod';
import { commonOptions, commonUsage, defineCommand } from '../command.js';
import { flag, text, texts } from '../options.js';
import { renderTable } from '../table.js';

export const monitorCommand = defineCommand({
  name: 'monitor',
  summary: 'compute the drift report offline from a request sample log',
  usage: `mlops monitor --log FILE [--log FILE ...] [--version V] [--registry DIR] [--json] [--fail-on-drift]

Replays the request sample log written by \`mlops serve\` (monitoring.sample_log) through the
same drift window the server uses, against the training profile of one version, and prints the
report /monitoring would show for that traffic: PSI and Jensen–Shannon divergence of numeric
features, L-infinity distance of categorical ones, out-of-vocabulary and missing rates.

  --log FILE          a sample log (JSONL); repeat for rotated files, oldest first (log.1, then log)
  --version V         compare with this version's profile and use only requests it served
                      (default: the version of the last record)
  --registry DIR      the registry (default: registry.path of the config); without a config the
                      window and thresholds come from the version's lineage
  --json              print the report as JSON (the /monitoring shape)
  --fail-on-drift     exit with 3 when a feature drifted
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, log: texts(), version: text(), registry: text(), json: flag(), 'fail-on-drift': flag() }),
  async run(context) {
    const logs = context.options.log.map((path) => resolve(context.io.cwd, path));
    if (logs.length === 0) throw new DataError('mlops monitor needs --log FILE: the request sample log written by `mlops serve` (monitoring.sample_log).');
    let version = context.options.version;
    if (version !== undefined) parseVersion(version);
    else {
      for (const path of logs) await readSampleLog(path, (record) => (version = record.model_version));
      if (version === undefined) throw new DataError(`No records in ${logs.join(', ')}: serve some traffic with monitoring.sample_log enabled first.`);
    }
    const settings = await resolveServeSettings({
      config: context.options.config,
      registry: context.options.registry,
      version,
      cwd: context.io.cwd,
      env: {},
    });
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
    if (context.options.json) context.io.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
    else context.io.stdout.write(renderReport(snapshot, used, skipped));
    if (skipped > 0) context.logger.info(`Skipped ${skipped} request${skipped === 1 ? '' : 's'} served by other versions than ${version}.`);
    const drifted = snapshot.features.filter((feature) => feature.drifted).map((feature) => feature.name);
    if (context.options['fail-on-drift'] && drifted.length > 0) {
      throw new DataError(`Drift against the training data of ${version} on: ${drifted.join(', ')}.`);
    }
    return 0;
  },
});

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
