/**
 * Where the dashboard page finds its data and assets, relative to the page. Every URL is
 * relative, so one page works at the server's `/` and inside a static site at any path (GitHub
 * Pages serves it under `/<repository>/`). Pure constants: the page's HTML, the server and the
 * browser code (src/dashboard/client) all read them.
 */

/** The browser code's entry module, as a path under src/ (and under `assets/js/`). */
export const browserEntryModule = 'dashboard/client/main.js';

/** Every asset and data file of the page. */
export const dashboardPaths = {
  css: 'assets/dashboard.css',
  /** Served: the browser code as ES modules under this folder (src/ layout), entry below. */
  modules: 'assets/js/',
  moduleEntry: `assets/js/${browserEntryModule}`,
  /** Static report: the same modules linked into one classic script (module scripts cannot load from file://). */
  script: 'assets/dashboard.js',
  chartJs: 'assets/chart.umd.min.js',
  /** Static reports only: the JSON files as one script, so the page also works from file:// (no fetch there). */
  reportData: 'api/report-data.js',
  model: 'api/model.json',
  versions: 'api/versions.json',
  monitoring: 'api/monitoring.json',
  stats: 'api/stats.json',
} as const;
