import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Script } from 'node:vm';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readBrowserModules, readLinkedDashboardScript } from '../../src/dashboard/browser-assets.js';
import { dashboardCss } from '../../src/dashboard/page-css.js';
import { dashboardContentSecurityPolicy, dashboardHtml } from '../../src/dashboard/page-html.js';
import { browserEntryModule, dashboardPaths } from '../../src/dashboard/paths.js';
import { chartJsBundlePath, mountDashboard } from '../../src/dashboard/router.js';
import { repoRoot } from '../helpers/project.js';

const modules = readBrowserModules();

describe('the page source', () => {
  test.each([...modules.keys(), 'the linked script'])('%s never writes data as HTML', (name) => {
    const code = modules.get(name) ?? readLinkedDashboardScript();
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) {
      expect(code, sink).not.toContain(sink);
    }
    // Only safe attributes are set from data: never style or event handlers.
    expect(code).not.toMatch(/setAttribute\(\s*'(style|on\w+)'/);
  });

  test('the linked script for static reports is valid classic JavaScript', () => {
    expect(() => new Script(readLinkedDashboardScript(), { filename: 'dashboard.js' })).not.toThrow();
  });

  test('every module the entry imports at run time is one the server has, and nothing else is', () => {
    const reached = new Set<string>();
    const visit = (id: string): void => {
      if (reached.has(id)) return;
      reached.add(id);
      expect(modules.has(id), id).toBe(true);
      for (const [, specifier] of modules.get(id)!.matchAll(/^(?:import|export)\b[^'"]*from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
        expect(specifier, `${id} imports ${specifier}`).toMatch(/^\.\.?\//);
        visit(posix.normalize(posix.join(posix.dirname(id), specifier!)));
      }
    };
    visit(browserEntryModule);
    expect([...reached].sort()).toEqual([...modules.keys()].sort());
    expect(reached).toContain('core/number-format.js');
    expect(reached).toContain('evaluation/chart-range.js');
  });

  test.each([
    ['served', dashboardHtml()],
    ['static', dashboardHtml({ staticReport: true })],
  ])('the %s page has no inline script or style and only relative URLs', (_name, html) => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls) expect(url, url).toMatch(/^(#|[a-z]+\/)[^:]*$/);
  });

  test('a served page loads Chart.js, then the browser code as a module', () => {
    const html = dashboardHtml();
    expect(html).toContain(`<script type="module" src="${dashboardPaths.moduleEntry}"></script>`);
    expect(html.indexOf(dashboardPaths.chartJs)).toBeGreaterThan(0);
    expect(html.indexOf(dashboardPaths.chartJs)).toBeLessThan(html.indexOf(dashboardPaths.moduleEntry));
    expect(html).not.toContain(`src="${dashboardPaths.script}"`);
  });

  test('a static page loads the embedded data before the script and carries its own CSP', () => {
    const html = dashboardHtml({ staticReport: true });
    const order = [dashboardPaths.chartJs, dashboardPaths.reportData, dashboardPaths.script].map((path) => html.indexOf(`src="${path}"`));
    expect(order.every((index) => index > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'self';`);
    // frame-ancestors is ignored (and warned about) in a meta element.
    expect(html).not.toMatch(/http-equiv[^>]*frame-ancestors/);
    expect(dashboardHtml()).not.toContain(dashboardPaths.reportData);
    // Module scripts do not load from file://: a static page has none.
    expect(html).not.toContain('type="module"');
  });

  test('the chart library is the chart.js package’s own UMD bundle', () => {
    expect(chartJsBundlePath()).toMatch(/chart\.js[\\/]dist[\\/]chart\.umd\.min\.js$/);
    expect(readFileSync(chartJsBundlePath()).equals(readFileSync(`${repoRoot}node_modules/chart.js/dist/chart.umd.min.js`))).toBe(true);
  });
});

describe('mountDashboard on a real Express app (loopback)', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.get('/api/model.json', (_req, res) => {
      res.json({ placeholder: true });
    });
    mountDashboard(app);
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test.each<[string, RegExp, string]>([
    ['/', /^text\/html/, dashboardHtml()],
    ['/index.html', /^text\/html/, dashboardHtml()],
    ['/assets/dashboard.css', /^text\/css/, dashboardCss],
    ...[...modules].map(([path, code]): [string, RegExp, string] => [`/assets/js/${path}`, /^text\/javascript/, code]),
  ])('GET %s: the right type and body, under the strict CSP', async (path, type, body) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(type);
    expect(response.headers.get('content-security-policy')).toBe(dashboardContentSecurityPolicy);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(body);
  });

  test('GET /assets/chart.umd.min.js serves the package file, cacheable', async () => {
    const response = await fetch(`${base}/assets/chart.umd.min.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(chartJsBundlePath()))).toBe(true);
  });

  test('leaves the server’s own routes alone and serves nothing else', async () => {
    expect(await (await fetch(`${base}/api/model.json`)).json()).toEqual({ placeholder: true });
    expect((await fetch(`${base}/assets/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/assets/other.js`)).status).toBe(404);
    expect((await fetch(`${base}/assets/js/dashboard/client/main.ts`)).status).toBe(404);
    expect((await fetch(`${base}/assets/js/serving/api-schema.js`)).status).toBe(404);
    // The linked script is for static reports; the server sends modules.
    expect((await fetch(`${base}/${dashboardPaths.script}`)).status).toBe(404);
  });
});
