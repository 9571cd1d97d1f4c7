import { dashboardPaths } from './paths.js';

/**
 * The dashboard page's HTML: a static shell whose sections the browser code (src/dashboard/client)
 * fills from the JSON the server publishes (or that `mlops report` wrote). Every URL is relative
 * (src/dashboard/paths.ts). No inline script or style: the page runs under `default-src 'self'`.
 */

/** The Content-Security-Policy the page is written for; the server sends it with `/`. */
export const dashboardContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

export interface DashboardHtmlOptions {
  /**
   * A static report: the data from `api/report-data.js` instead of fetched JSON, and the browser
   * code as one classic script instead of modules, so the page also works from file://.
   */
  staticReport?: boolean;
}

/** The page's panels, in order: the client fills each `#<id>-body` (src/dashboard/client). */
const panels: readonly { id: string; title: string }[] = [
  { id: 'served', title: 'Served model and lineage' },
  { id: 'metrics', title: 'Metrics' },
  { id: 'history', title: 'Version history' },
  { id: 'monitoring', title: 'Live monitoring' },
  { id: 'gate', title: 'Release gate' },
  { id: 'rollback', title: 'How to roll back' },
];

/** One panel's static frame: a labelled section with a loading placeholder. */
function panelHtml(panel: { id: string; title: string }): string {
  return `    <section class="panel" id="${panel.id}" aria-labelledby="${panel.id}-heading">
      <h2 id="${panel.id}-heading">${panel.title}</h2>
      <div id="${panel.id}-body"><p class="muted">Loading…</p></div>
    </section>`;
}

/** The dashboard page. */
export function dashboardHtml(options: DashboardHtmlOptions = {}): string {
  // Chart.js first: the browser code finds it as a global. Module scripts run after deferred ones.
  const scripts = [
    `  <script src="${dashboardPaths.chartJs}" defer></script>`,
    ...(options.staticReport === true
      ? [`  <script src="${dashboardPaths.reportData}" defer></script>`, `  <script src="${dashboardPaths.script}" defer></script>`]
      : [`  <script type="module" src="${dashboardPaths.moduleEntry}"></script>`]),
  ];
  // A static report has no server to send the CSP header, so it carries the policy itself.
  const cspMeta =
    options.staticReport === true ? `\n  <meta http-equiv="Content-Security-Policy" content="${dashboardContentSecurityPolicy.replace(/; frame-ancestors 'none'/, '')}">` : '';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">${cspMeta}
  <title>Model dashboard</title>
  <link rel="stylesheet" href="${dashboardPaths.css}">
${scripts.join('\n')}
</head>
<body>
  <a class="skip-link" href="#main">Skip to content</a>
  <header class="page">
    <h1 id="title">Model dashboard</h1>
    <p id="subtitle">Loading…</p>
  </header>
  <main id="main" aria-busy="true">
    <div id="errors" role="alert"></div>
    <noscript><p class="notice error">This dashboard needs JavaScript to draw its content from the model's JSON files (<a href="${dashboardPaths.model}">model</a>, <a href="${dashboardPaths.versions}">versions</a>).</p></noscript>
${panels.map(panelHtml).join('\n')}
  </main>
  <footer class="page" id="footer"></footer>
</body>
</html>
`;
}
