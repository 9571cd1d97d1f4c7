import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { readLinkedDashboardScript } from '../dashboard/browser-assets.js';
import { dashboardCss } from '../dashboard/page-css.js';
import { dashboardHtml } from '../dashboard/page-html.js';
import { dashboardPaths } from '../dashboard/paths.js';
import { chartJsBundlePath } from '../dashboard/router.js';
import type { ReportData } from './report-data.js';

/**
 * The static report site (`mlops report`): the dashboard page with the registry's JSON beside it,
 * readable without a server — on GitHub Pages, from any static file server, or opened straight
 * from disk (file://), where the page reads `api/report-data.js` because browsers refuse fetch there.
 *
 *   <out>/index.html                 the dashboard page (static mode: live monitoring is absent)
 *   <out>/assets/                    dashboard.css, chart.umd.min.js (Chart.js) and dashboard.js:
 *                                    the dashboard's browser modules linked into one classic
 *                                    script, since browsers refuse module scripts from file://
 *   <out>/api/model.json             the champion (ModelInfo)
 *   <out>/api/versions.json          the history (VersionHistory)
 *   <out>/api/report-data.js         both, as `window.MLOPS_REPORT = {…}`
 *   <out>/.mlops-report              marks the folder as a report, so a later run may replace it
 */

/** The file that marks a folder as written by `mlops report`. */
export const reportMarkerFile = '.mlops-report';

/** The files of a site, relative to its folder, and their contents. */
export function reportSiteFiles(data: ReportData): Map<string, string> {
  const files = new Map<string, string>();
  files.set('index.html', dashboardHtml({ staticReport: true }));
  files.set(dashboardPaths.css, dashboardCss);
  files.set(dashboardPaths.script, readLinkedDashboardScript());
  files.set(dashboardPaths.model, `${JSON.stringify(data.model, null, 2)}\n`);
  files.set(dashboardPaths.versions, `${JSON.stringify(data.versions, null, 2)}\n`);
  // JSON is valid JavaScript; escaping "<" keeps it inert should anyone inline the file in HTML.
  const embedded = JSON.stringify({ model: data.model, versions: data.versions }).replace(/</g, '\\u003c');
  files.set(dashboardPaths.reportData, `window.MLOPS_REPORT = ${embedded};\n`);
  files.set(reportMarkerFile, `Written by mlops report at ${data.versions.generated_at}. The whole folder is replaced by the next run.\n`);
  return files;
}

/**
 * Writes the site to `outDir`. The site is assembled in a sibling folder and moved into place,
 * so a failure leaves the previous report as it was. An existing `outDir` is replaced only when it
 * is empty or an earlier report (it holds `.mlops-report`); anything else is refused.
 */
export async function writeReportSite(data: ReportData, outDir: string, logger?: Logger): Promise<{ dir: string; files: string[] }> {
  const target = resolve(outDir);
  const existing = await stat(target).catch(() => null);
  if (existing && !existing.isDirectory()) throw new ConfigError(`--out ${outDir} is a file; give a folder for the report.`);
  if (existing) {
    const names = await readdir(target);
    if (names.length > 0 && !names.includes(reportMarkerFile)) {
      throw new ConfigError(
        `--out ${outDir} is not empty and was not written by mlops report (no ${reportMarkerFile} in it); choose a new or empty folder so nothing of yours is replaced.`,
      );
    }
  }
  await mkdir(dirname(target), { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = join(dirname(target), `.${basename(target)}.tmp-${suffix}`);
  const files = reportSiteFiles(data);
  try {
    for (const [path, content] of files) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), content);
    }
    await copyFile(chartJsBundlePath(), join(staging, dashboardPaths.chartJs));
    if (existing) {
      const old = join(dirname(target), `.${basename(target)}.old-${suffix}`);
      await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, target);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  logger?.debug(`report site written to ${target}`);
  return { dir: target, files: [...files.keys(), dashboardPaths.chartJs].sort() };
}
