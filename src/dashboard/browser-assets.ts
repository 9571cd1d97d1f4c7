import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserEntryModule } from './paths.js';

/**
 * The dashboard's browser code as `npm run build` wrote it (dist/browser, see
 * build/browser-build.ts), found from this module whether it runs compiled (dist/src/dashboard,
 * also in the container) or from source (src/dashboard, in tests).
 */

/** The folder holding package.json above this module: the installation's root. */
function installationRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${start}: the dashboard cannot find its browser code.`);
  }
}

/** dist/browser, checked to hold a build. */
export function browserAssetsDir(): string {
  const dir = join(installationRoot(), 'dist', 'browser');
  for (const file of [join('js', browserEntryModule), 'dashboard.js']) {
    if (!existsSync(join(dir, file))) throw new Error(`The dashboard's browser code is not built (no ${join(dir, file)}): run npm run build.`);
  }
  return dir;
}

/** The ES modules the server sends, by their path under `assets/js/` (src/ layout, .js suffix). */
export function readBrowserModules(): Map<string, string> {
  const root = join(browserAssetsDir(), 'js');
  const modules = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.js')) modules.set(relative(root, path).split(sep).join(posix.sep), readFileSync(path, 'utf8'));
    }
  };
  visit(root);
  return modules;
}

/** The same modules linked into one classic script, for static reports (file:// refuses modules). */
export function readLinkedDashboardScript(): string {
  return readFileSync(join(browserAssetsDir(), 'dashboard.js'), 'utf8');
}
