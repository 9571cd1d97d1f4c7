import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/project.js';

/**
 * Drives Debian's real `chromium` headless, as a user's browser would load the page: a fresh
 * profile per run, no network services of its own. Install it with scripts/ci/install-chromium.sh.
 */

/** The browser binary: $CHROMIUM_PATH or /usr/bin/chromium. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium is not installed at ${path}: run scripts/ci/install-chromium.sh (or set CHROMIUM_PATH).`);
  }
  return path;
}

export interface BrowserOptions {
  /** Virtual time the page gets to load, fetch and render (ms). */
  budgetMs?: number;
  /** `width,height` of the window. */
  windowSize?: string;
  /** Prefer dark mode (prefers-color-scheme: dark). */
  dark?: boolean;
}

async function runChromium(args: string[], options: BrowserOptions): Promise<{ stdout: string; stderr: string }> {
  const profile = await mkdtemp(join(tmpdir(), 'mlops-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${options.budgetMs ?? 5000}`,
    `--window-size=${options.windowSize ?? '1280,2400'}`,
    // preferredColorScheme=0 is dark: the page sees prefers-color-scheme: dark.
    ...(options.dark ? ['--blink-settings=preferredColorScheme=0'] : []),
  ];
  try {
    return await new Promise((resolve, reject) => {
      execFile(chromiumPath(), [...flags, ...args], { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The DOM after the page ran its scripts, as `--dump-dom` serialises it. */
export async function dumpDom(url: string, options: BrowserOptions = {}): Promise<string> {
  return (await runChromium(['--dump-dom', url], options)).stdout;
}

/** Takes a PNG screenshot of the page and returns its bytes. */
export async function screenshot(url: string, path: string, options: BrowserOptions = {}): Promise<Buffer> {
  await runChromium([`--screenshot=${path}`, url], options);
  return readFile(path);
}

/** What Mermaid said about one block. */
export interface MermaidCheck {
  ok: boolean;
  /** The diagram type Mermaid detected (e.g. `xychart`). */
  type?: string;
  /** Length of the SVG `mermaid.render` produced. */
  svgLength?: number;
  error?: string;
}

/**
 * Parses and renders each block with the real Mermaid library (node_modules/mermaid, the version
 * in package.json) in headless Chromium. Returns one result per block.
 */
export async function checkMermaid(blocks: readonly string[]): Promise<MermaidCheck[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mlops-mermaid-'));
  try {
    const library = pathToFileURL(join(repoRoot, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js')).href;
    // JSON inside a <script> element: only "</" could end it early.
    const data = JSON.stringify(blocks).replace(/<\//g, '<\\/');
    const page = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<script src="${library}"></script>
<script type="application/json" id="blocks">${data}</script>
<pre id="results">pending</pre>
<script>
(async () => {
  const blocks = JSON.parse(document.getElementById('blocks').textContent);
  mermaid.initialize({ startOnLoad: false });
  const results = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      const parsed = await mermaid.parse(blocks[i]);
      const { svg } = await mermaid.render('chart' + i, blocks[i]);
      results.push({ ok: true, type: parsed.diagramType, svgLength: svg.length });
    } catch (error) {
      results.push({ ok: false, error: String((error && error.message) || error) });
    }
  }
  document.getElementById('results').textContent = JSON.stringify(results);
})();
</script></body></html>`;
    const file = join(dir, 'check.html');
    await writeFile(file, page);
    const dom = await dumpDom(pathToFileURL(file).href, { budgetMs: 20_000, windowSize: '1200,900' });
    const match = /<pre id="results">([\s\S]*?)<\/pre>/.exec(dom);
    const text = match ? decodeEntities(match[1]!) : 'missing';
    if (!text.startsWith('[')) throw new Error(`Mermaid did not finish in Chromium (results: ${text.slice(0, 200)})`);
    return JSON.parse(text) as MermaidCheck[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Undoes the entity escaping of text content in a serialised DOM. */
export function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&amp;/g, '&');
}
