/**
 * The dashboard's stylesheet, served as `assets/dashboard.css`. A file of its own (not a style
 * attribute or element) so the page works under `Content-Security-Policy: default-src 'self'`.
 * Light and dark follow `prefers-color-scheme`; colours are CSS variables that the charts read too.
 */
export const dashboardCss = `:root {
  color-scheme: light dark;
  --bg: #f6f8fa;
  --panel: #ffffff;
  --text: #1f2328;
  --muted: #57606a;
  --border: #d0d7de;
  --accent: #0969da;
  --accent-soft: rgba(9, 105, 218, 0.18);
  --good: #1a7f37;
  --bad: #cf222e;
  --warn: #9a6700;
  --champion: #8250df;
  --grid: rgba(31, 35, 40, 0.12);
  --code-bg: #eff2f5;
  --heat: 9, 105, 218;
  font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif;
  font-size: 15px;
  line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --panel: #161b22;
    --text: #e6edf3;
    --muted: #9198a1;
    --border: #30363d;
    --accent: #4493f8;
    --accent-soft: rgba(68, 147, 248, 0.25);
    --good: #3fb950;
    --bad: #f85149;
    --warn: #d29922;
    --champion: #ab7df8;
    --grid: rgba(230, 237, 243, 0.14);
    --code-bg: #1f2630;
    --heat: 68, 147, 248;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip-link { position: absolute; left: -999px; top: 0; background: var(--panel); padding: 0.5rem 1rem; }
.skip-link:focus { left: 0.5rem; z-index: 10; }
header.page { background: var(--panel); border-bottom: 1px solid var(--border); padding: 1rem 1.5rem; }
header.page h1 { margin: 0 0 0.25rem; font-size: 1.5rem; }
header.page p { margin: 0; color: var(--muted); }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; display: grid; gap: 1rem; }
section.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 1rem 1.25rem; min-width: 0; }
section.panel > h2 { margin: 0 0 0.75rem; font-size: 1.15rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 0.5rem; }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(340px, 100%), 1fr)); gap: 1.5rem; align-items: start; }
.grid-2 > * { min-width: 0; }
#glance h3 { margin-top: 0; }
.badges { display: inline-flex; gap: 0.4rem; flex-wrap: wrap; vertical-align: middle; margin-left: 0.5rem; }
.badge { display: inline-block; border: 1px solid var(--border); border-radius: 999px; padding: 0.05rem 0.6rem; font-size: 0.8rem; font-weight: 600; color: var(--muted); }
.badge.good { color: var(--good); border-color: var(--good); }
.badge.bad { color: var(--bad); border-color: var(--bad); }
.badge.warn { color: var(--warn); border-color: var(--warn); }
.badge.champion { color: var(--champion); border-color: var(--champion); }
.status-promoted, .status-champion { color: var(--champion); font-weight: 600; }
.status-rejected, .status-failed { color: var(--bad); font-weight: 600; }
.status-registered, .status-archived, .status-candidate, .status-unchanged { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; font-size: 0.88em; }
code { background: var(--code-bg); border-radius: 4px; padding: 0.05rem 0.3rem; }
pre { background: var(--code-bg); border-radius: 6px; padding: 0.6rem 0.8rem; overflow-x: auto; margin: 0.3rem 0 0.8rem; }
pre code { background: none; padding: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.3rem; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--border); vertical-align: middle; }
th { font-weight: 600; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.is-served td:first-child, tr.is-champion td:first-child { font-weight: 700; }
table.slices td:first-child { white-space: nowrap; }
details { margin: 0.6rem 0; }
details > summary { cursor: pointer; color: var(--accent); font-weight: 600; padding: 0.2rem 0; }
.interval { display: inline-flex; align-items: center; gap: 0.4rem; white-space: nowrap; }
.interval svg { flex: none; }
.interval .track { stroke: var(--border); stroke-width: 2; }
.interval .range { fill: var(--accent-soft); stroke: var(--accent); stroke-width: 1; }
.interval .point { fill: var(--accent); }
.interval .limit { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 2 2; }
.muted { color: var(--muted); }
.chart { position: relative; height: 280px; margin: 0.5rem 0 1rem; }
.chart.small { height: 220px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 0.75rem; margin-bottom: 1rem; }
.tile { border: 1px solid var(--border); border-radius: 6px; padding: 0.6rem 0.8rem; }
.tile .label { color: var(--muted); font-size: 0.82rem; }
.tile .value { font-size: 1.2rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.notice { border-left: 4px solid var(--accent); background: var(--code-bg); padding: 0.6rem 0.9rem; border-radius: 4px; }
.notice.error { border-left-color: var(--bad); }
.drifted { color: var(--bad); font-weight: 700; }
.ok { color: var(--good); }
td.heat-0 { background: rgba(var(--heat), 0.04); }
td.heat-1 { background: rgba(var(--heat), 0.15); }
td.heat-2 { background: rgba(var(--heat), 0.3); }
td.heat-3 { background: rgba(var(--heat), 0.45); }
td.heat-4 { background: rgba(var(--heat), 0.6); }
td.heat-5 { background: rgba(var(--heat), 0.78); }
ul.alerts { margin: 0.3rem 0 0.8rem; padding-left: 1.2rem; color: var(--bad); }
footer.page { text-align: center; color: var(--muted); font-size: 0.85rem; padding: 0 1rem 2rem; }
@media (max-width: 640px) {
  main { padding: 0.75rem; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dt { margin-top: 0.4rem; }
}
@media (prefers-reduced-motion: reduce) {
  * { transition: none !important; animation: none !important; }
}
`;
