import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Script } from 'node:vm';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dashboardCss } from '../../src/dashboard/page-css.js';
import { dashboardContentSecurityPolicy, dashboardHtml, dashboardPaths } from '../../src/dashboard/page-html.js';
import { dashboardScript } from '../../src/dashboard/page-script.js';
import { chartJsBundlePath, mountDashboard } from '../../src/dashboard/router.js';
import { repoRoot } from '../helpers/project.js';

describe('the page source', () => {
  test('the script is valid JavaScript and never writes data as HTML', () => {
    expect(() => new Script(dashboardScript, { filename: 'dashboard.js' })).not.toThrow();
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function']) {
      expect(dashboardScript, sink).not.toContain(sink);
    }
    // Only safe attributes are set from data: never style or event handlers.
    expect(dashboardScript).not.toMatch(/setAttribute\(\s*'(style|on\w+)'/);
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

  test('a static page loads the embedded data before the script and carries its own CSP', () => {
    const html = dashboardHtml({ staticReport: true });
    const order = [dashboardPaths.chartJs, dashboardPaths.reportData, dashboardPaths.script].map((path) => html.indexOf(`src="${path}"`));
    expect(order.every((index) => index > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'self';`);
    // frame-ancestors is ignored (and warned about) in a meta element.
    expect(html).not.toMatch(/http-equiv[^>]*frame-ancestors/);
    expect(dashboardHtml()).not.toContain(dashboardPaths.reportData);
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

  test.each([
    ['/', /^text\/html/, dashboardHtml()],
    ['/index.html', /^text\/html/, dashboardHtml()],
    ['/assets/dashboard.css', /^text\/css/, dashboardCss],
    ['/assets/dashboard.js', /^text\/javascript/, dashboardScript],
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
  });
});
