import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import ts from 'typescript';
import { browserEntryModule } from '../paths.js';

/**
 * The build step for the dashboard's browser code (`npm run build` runs it after the compiler
 * checked the code): starting at src/dashboard/client/main.ts it follows the runtime imports,
 * transpiles each module and writes, under dist/browser/:
 *
 *   js/<path under src>.js   the ES modules the server sends (`assets/js/…`): the client and the
 *                            shared code it runs (the number formatter, the chart range)
 *   dashboard.js             the same modules linked into one classic script, for the static
 *                            report: browsers refuse module scripts from file://, and the report
 *                            must open from disk
 *
 * No bundler: the modules stay as written, and linking is a table of CommonJS-shaped functions
 * that TypeScript's own transpiler produces. A runtime import must be relative and stay under
 * src/, so nothing from Node or node_modules can reach the browser.
 */


/** One module the browser loads. */
export interface BrowserModule {
  /** Its path under src/, with the .js suffix: also its URL under `assets/js/`. */
  id: string;
  /** The ES module the server sends. */
  esm: string;
  /** The same module as a CommonJS function body, for the linked script. */
  commonJs: string;
  /** Each runtime import's specifier → the id it resolves to. */
  imports: Record<string, string>;
}

const esmOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  isolatedModules: true,
};
const commonJsOptions: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, isolatedModules: true };

function transpile(source: string, fileName: string, options: ts.CompilerOptions): string {
  const output = ts.transpileModule(source, { compilerOptions: options, fileName, reportDiagnostics: true });
  const problems = output.diagnostics ?? [];
  if (problems.length > 0) {
    throw new Error(`${fileName}: ${problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
  }
  return output.outputText;
}

/** Resolves a runtime import of module `from` to a module id, refusing anything the browser cannot load from the site. */
function resolveImport(from: string, specifier: string): string {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
    throw new Error(`${from} imports '${specifier}' at run time; browser code may import only relative modules under src/ (use \`import type\` for types)`);
  }
  if (!specifier.endsWith('.js')) throw new Error(`${from} imports '${specifier}': write the .js suffix, as the browser requests exactly that URL`);
  const id = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (id.startsWith('../')) throw new Error(`${from} imports '${specifier}', which is outside src/`);
  return id;
}

/** Every module the entry needs at run time, the entry first; `srcDir` is the src/ folder. */
export async function collectBrowserModules(srcDir: string, entry = browserEntryModule): Promise<BrowserModule[]> {
  const modules = new Map<string, BrowserModule>();
  const pending = [entry];
  while (pending.length > 0) {
    const id = pending.shift()!;
    if (modules.has(id)) continue;
    const path = join(srcDir, id.replace(/\.js$/, '.ts'));
    const source = await readFile(path, 'utf8');
    const esm = transpile(source, path, esmOptions);
    const imports: Record<string, string> = {};
    // Type-only imports are gone from the transpiled code: what is left runs in the browser.
    for (const { fileName: specifier } of ts.preProcessFile(esm, true, false).importedFiles) {
      imports[specifier] = resolveImport(id, specifier);
      pending.push(imports[specifier]);
    }
    modules.set(id, { id, esm, commonJs: transpile(source, path, commonJsOptions), imports });
  }
  return [...modules.values()];
}

/** The modules as one classic script that runs the entry: each module a function, loaded on first require. */
export function linkClassicScript(modules: readonly BrowserModule[], entry = browserEntryModule): string {
  const table = modules
    .map((module) => `  ${JSON.stringify(module.id)}: [function (exports, require) {\n${module.commonJs.trimEnd()}\n  }, ${JSON.stringify(module.imports)}],`)
    .join('\n');
  return `// The dashboard's browser code (src/dashboard/client and the modules it imports), linked into one
// classic script by src/dashboard/build/browser-build.ts for pages opened from file://. Do not edit.
(function () {
'use strict';
var modules = {
${table}
};
var loaded = {};
function load(id) {
  if (!loaded[id]) {
    var module = (loaded[id] = { exports: {} });
    var imports = modules[id][1];
    modules[id][0](module.exports, function (specifier) {
      return load(imports[specifier]);
    });
  }
  return loaded[id].exports;
}
load(${JSON.stringify(entry)});
})();
`;
}

/** Writes dist/browser (see the module comment) from `srcDir`; returns the files written, relative to `outDir`. */
export async function writeBrowserAssets(srcDir: string, outDir: string): Promise<string[]> {
  const modules = await collectBrowserModules(srcDir);
  await rm(outDir, { recursive: true, force: true });
  const files = new Map<string, string>(modules.map((module) => [posix.join('js', module.id), module.esm]));
  files.set('dashboard.js', linkClassicScript(modules));
  for (const [file, content] of files) {
    await mkdir(dirname(join(outDir, file)), { recursive: true });
    await writeFile(join(outDir, file), content);
  }
  return [...files.keys()].sort();
}

