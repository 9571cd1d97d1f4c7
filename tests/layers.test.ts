import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { repoRoot } from './helpers/project.js';

/**
 * Layers point one way: a module may import its own folder, a folder of its own layer, or a
 * lower layer, never a higher one. Every folder under src/ has a layer; a new folder without
 * one fails here until it is given one (here and in the README's table). Imports are read with
 * the TypeScript compiler's own scanner, so `import type`, `export … from` and `import()` count.
 */

/** The layers, lowest first (README.md, "Layers", shows the same table). */
const layers: readonly (readonly string[])[] = [
  ['core'],
  ['config'],
  ['data'],
  ['model', 'evaluation'],
  ['registry', 'cards', 'monitoring'],
  ['pipeline', 'serving', 'deploy', 'github', 'container', 'dashboard', 'reports'],
  ['cli', 'actions', 'gha'],
];

/** The top layer: the edges. A process entry (`*-main.ts`) is an edge wherever it lives. */
const edgeLayer = layers.length - 1;
const isProcessEntry = (file: string) => file.endsWith('-main.ts');

/**
 * Imports that break the rule today, each with why it is tolerated. The test fails when one
 * disappears (remove it here) as well as when a new one appears.
 */
const knownViolations: readonly { from: string; to: string; why: string }[] = [];

const srcDir = join(repoRoot, 'src');

function layerOfFolder(folder: string): number | undefined {
  const index = layers.findIndex((names) => names.includes(folder));
  return index < 0 ? undefined : index;
}

/** The folder directly under src/ that holds a path (undefined for a file at src/ itself). */
function folderOf(path: string): string | undefined {
  const parts = relative(srcDir, path).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

function layerOf(file: string): number | undefined {
  if (isProcessEntry(file)) return edgeLayer;
  const folder = folderOf(file);
  return folder === undefined ? undefined : layerOfFolder(folder);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The relative imports of a source file, resolved to the paths they name (`.js` read as `.ts`). */
function relativeImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier).replace(/\.(m|c)?js$/, '.$1ts'));
}

interface LayerViolation {
  from: string;
  to: string;
  fromLayer: number;
  toLayer: number;
}

/** Every import from a lower layer to a higher one in `files`. */
function findViolations(files: readonly string[]): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const file of files) {
    const fromLayer = layerOf(file);
    if (fromLayer === undefined) continue;
    for (const target of relativeImports(file)) {
      if (folderOf(target) === folderOf(file) && !isProcessEntry(target)) continue;
      const toLayer = layerOf(target);
      if (toLayer !== undefined && toLayer > fromLayer) {
        violations.push({ from: relative(repoRoot, file), to: relative(repoRoot, target), fromLayer, toLayer });
      }
    }
  }
  return violations;
}

const files = sourceFiles(srcDir);

describe('layers', () => {
  test('every folder under src/ has a layer, and no source file sits at src/ itself', () => {
    const folders = readdirSync(srcDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.filter((folder) => layerOfFolder(folder) === undefined), 'folders without a layer: add them to the table').toEqual([]);
    expect(files.filter((file) => folderOf(file) === undefined).map((file) => relative(repoRoot, file))).toEqual([]);
  });

  test('no module imports a higher layer (except the known ones listed here)', () => {
    const described = (v: { from: string; to: string }) => `${v.from} → ${v.to}`;
    const found = findViolations(files).map((v) => `${described(v)} (layer ${v.fromLayer} imports layer ${v.toLayer})`);
    const known = new Set(knownViolations.map(described));
    expect(found.filter((line) => !known.has(line.slice(0, line.indexOf(' (layer')))), 'new imports from a lower layer to a higher one').toEqual([]);
    const stillThere = new Set(found.map((line) => line.slice(0, line.indexOf(' (layer'))));
    expect(knownViolations.filter((v) => !stillThere.has(described(v))).map(described), 'fixed: remove them from knownViolations').toEqual([]);
  });

  test('the rule catches what it should: a lower layer importing a higher one, type-only and re-exports included', () => {
    const probe = (folder: string, text: string) => {
      const file = join(srcDir, folder, '__probe__.ts');
      const { importedFiles } = ts.preProcessFile(text, true, true);
      return importedFiles
        .map((imported) => resolve(dirname(file), imported.fileName).replace(/\.js$/, '.ts'))
        .filter((target) => folderOf(target) !== folder)
        .map((target) => ({ toLayer: layerOf(target)!, fromLayer: layerOf(file)! }))
        .filter((edge) => edge.toLayer > edge.fromLayer);
    };
    expect(probe('monitoring', "import type { X } from '../serving/api-schema.js';")).toHaveLength(1);
    expect(probe('config', "export { y } from '../data/infer-config.js';")).toHaveLength(1);
    expect(probe('core', "const m = await import('../pipeline/pipeline.js');")).toHaveLength(1);
    expect(probe('serving', "import { a } from '../config/paths.js';\nimport { b } from '../deploy/deploy.js';")).toHaveLength(0);
    expect(layerOf(join(srcDir, 'container', 'bake-registry-main.ts'))).toBe(edgeLayer);
  });

  test("README's layer table is this table", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Layers'), readme.indexOf('\n#', readme.indexOf('### Layers') + 1));
    const rows = [...section.matchAll(/^\| (\d) \| ([^|]+) \|/gm)].map((m) => ({ layer: Number(m[1]), folders: [...m[2]!.matchAll(/`([a-z-]+)`/g)].map((f) => f[1]!) }));
    expect(rows.map((row) => row.folders)).toEqual(layers);
    expect(rows.map((row) => row.layer)).toEqual(layers.map((_, index) => index));
  });
});
