import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Express, Response } from 'express';
import { readBrowserModules } from './browser-assets.js';
import { dashboardCss } from './page-css.js';
import { dashboardContentSecurityPolicy, dashboardHtml } from './page-html.js';
import { dashboardPaths } from './paths.js';

/**
 * Serves the dashboard page at `/` and its assets under `/assets/`: the stylesheet, Chart.js and
 * the browser code as ES modules (`/assets/js/…`, built into dist/browser). The page reads the
 * JSON the server publishes (`/api/model.json`, `/api/versions.json`, `/api/monitoring.json`,
 * `/api/stats.json`, see src/serving/api-schema.ts) with relative URLs, so `mlops report` can
 * write the same page as a static site.
 */

/**
 * The Chart.js UMD bundle inside the installed chart.js package. Resolved through the package's
 * entry point (its `exports` do not list the UMD file), so it works wherever npm put the package.
 */
export function chartJsBundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  const path = join(dirname(entry), 'chart.umd.min.js');
  if (!existsSync(path)) throw new Error(`The chart.js package has no ${path}; reinstall dependencies (npm ci).`);
  return path;
}

/** Headers for the page and its assets: the strict CSP, no sniffing, no referrer. */
function setSecurityHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': dashboardContentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
}

/** Paths of the dashboard page (the server answers other methods there with 405). */
export const dashboardPagePaths = ['/', '/index.html'] as const;

/** Mounts the dashboard page (`/`) and its static assets on the serving app. */
export function mountDashboard(app: Express): void {
  const page = dashboardHtml();
  const chartJs = chartJsBundlePath();
  const modules = readBrowserModules();

  // The page and the code name no versioned asset: always revalidate so upgrades show at once.
  const sendText = (res: Response, type: string, body: string): void => {
    setSecurityHeaders(res);
    res.set('Cache-Control', 'no-cache');
    res.type(type).send(body);
  };
  app.get([...dashboardPagePaths], (_req, res) => sendText(res, 'html', page));
  app.get(`/${dashboardPaths.css}`, (_req, res) => sendText(res, 'text/css', dashboardCss));
  for (const [path, code] of modules) {
    app.get(`/${dashboardPaths.modules}${path}`, (_req, res) => sendText(res, 'text/javascript', code));
  }
  app.get(`/${dashboardPaths.chartJs}`, (_req, res) => {
    setSecurityHeaders(res);
    res.sendFile(chartJs, { maxAge: '1d' });
  });
}
