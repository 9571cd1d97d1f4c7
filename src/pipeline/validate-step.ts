import { isAbsolute, relative, resolve } from 'node:path';
import { configuredDataPath } from '../config/paths.js';
import { DataError } from '../core/errors.js';
import { safeReadJsonFile } from '../core/json-file.js';
import { fetchRecordPath, fetchRecordSchema, type FetchRecord } from '../data/fetch-record.js';
import { validateDataset, type ValidationReport } from '../data/validate.js';
import type { TrainingTrigger } from '../registry/training-trigger.js';
import type { StepContext } from './step-context.js';
import { newRunId, type RunManifest } from './workspace.js';

/** Warnings printed by validate; the rest are counted and kept in validation.json. */
const maxLoggedWarnings = 20;

/**
 * validate: checks the data against the config, writes the report and the profile, and starts
 * a run (run.json, with the run's trigger when it has one, and the run's config overrides). Throws DataError after writing the report
 * when the data has errors.
 */
export async function validateStep(ctx: StepContext, options: { dataPath?: string; trigger?: TrainingTrigger | null } = {}): Promise<ValidationReport> {
  const { loaded, workspace, logger } = ctx;
  await workspace.ensure();
  // Outputs of an earlier run in this workspace must never stand in for this one's.
  await workspace.remove('validation');
  await workspace.remove('profile');
  await workspace.recordOverrides(ctx.overrides ?? {});
  const report = await validateDataset({ config: loaded, dataPath: options.dataPath, logger });
  await workspace.write('validation', report);
  if (report.profile) await workspace.write('profile', report.profile);
  const dataPath = options.dataPath ? resolve(options.dataPath) : configuredDataPath(loaded);
  const sources = loaded.config.data.source && !options.dataPath ? await readFetchRecord(dataPath, report.sha256, ctx) : undefined;
  const manifest: RunManifest = {
    run_id: newRunId(new Date(), ctx.env),
    started_at: new Date().toISOString(),
    config_path: loaded.path,
    config_sha256: loaded.hash,
    data_path: projectRelative(loaded.baseDir, dataPath),
    data_sha256: report.sha256,
    ...(sources ? { sources } : {}),
    ...(options.trigger ? { trigger: options.trigger } : {}),
  };
  await workspace.write('run', manifest);
  const warnings = report.issues.filter((issue) => issue.severity === 'warning');
  for (const issue of warnings.slice(0, maxLoggedWarnings)) logger.warn(issue.message, { file: report.file });
  if (report.warning_count > maxLoggedWarnings) {
    logger.warn(`…and ${report.warning_count - maxLoggedWarnings} more warnings (all of them are in ${workspace.path('validation')})`, { file: report.file });
  }
  if (!report.passed) {
    throw new DataError(
      `${report.file}: ${report.error_count} error${report.error_count === 1 ? '' : 's'}, ${report.warning_count} warning${report.warning_count === 1 ? '' : 's'}; the data was rejected.`,
      report.issues.filter((issue) => issue.severity === 'error'),
      report.file,
    );
  }
  logger.info(`Validated ${report.file}: ${report.valid_rows} of ${report.rows} rows valid, ${report.warning_count} warnings, sha256 ${report.sha256.slice(0, 12)}…`);
  return report;
}

/**
 * The record `mlops fetch` wrote beside the data, when it describes these very bytes; otherwise
 * a warning (the data was fetched by hand or edited after the fetch) and no sources in lineage.
 */
async function readFetchRecord(dataPath: string, sha256: string, ctx: StepContext): Promise<FetchRecord | undefined> {
  const read = await safeReadJsonFile(fetchRecordPath(dataPath), fetchRecordSchema);
  if (!read.success) {
    ctx.logger.warn(`data.source is set but ${fetchRecordPath(dataPath)} cannot be used (${read.problem.kind}): run \`mlops fetch\` so the lineage records where the data came from.`);
    return undefined;
  }
  if (read.data.data.sha256 !== sha256) {
    ctx.logger.warn(`${dataPath} changed since \`mlops fetch\` wrote it (sha256 differs from ${fetchRecordPath(dataPath)}); its sources are not recorded. Run \`mlops fetch\` again.`);
    return undefined;
  }
  return read.data;
}

/**
 * A data path as the manifest keeps it: relative to the project when the file is inside it, so
 * the workspace stays valid in another checkout of the project (a training job on one runner, the
 * register job on another); absolute otherwise.
 */
export function projectRelative(projectDir: string, path: string): string {
  const rel = relative(projectDir, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
