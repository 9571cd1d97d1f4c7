import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { collectBrowserModules, linkClassicScript } from '../../src/dashboard/build/browser-build.js';
import { browserEntryModule } from '../../src/dashboard/paths.js';
import { repoRoot } from '../helpers/project.js';

let src: string;
beforeEach(async () => {
  src = await mkdtemp(join(tmpdir(), 'mlops-browser-build-'));
});
afterEach(async () => {
  await rm(src, { recursive: true, force: true });
});

async function writeSources(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(src, path)), { recursive: true });
    await writeFile(join(src, path), text);
  }
}

describe('collectBrowserModules', () => {
  test('follows run-time imports from the entry, each module once; type-only imports stay behind', async () => {
    await writeSources({
      'app/main.ts': [
        "import type { Shape } from '../server/schema.js';",
        "import { twice } from './math.js';",
        "import { label } from '../shared/label.js';",
        'const shape: Shape = { size: twice(2) };',
        'export const result = label(shape.size);',
      ].join('\n'),
      'app/math.ts': "import { label } from '../shared/label.js';\nexport const twice = (n: number): number => n * 2;\nexport const named = label(0);\n",
      'shared/label.ts': 'export function label(n: number): string { return `n=${n}`; }\n',
      'server/schema.ts': "import { readFileSync } from 'node:fs';\nexport interface Shape { size: number }\nexport const read = readFileSync;\n",
    });
    const modules = await collectBrowserModules(src, 'app/main.js');
    expect(modules.map((module) => module.id)).toEqual(['app/main.js', 'app/math.js', 'shared/label.js']);
    expect(modules[0]!.imports).toEqual({ './math.js': 'app/math.js', '../shared/label.js': 'shared/label.js' });
    expect(modules[0]!.esm).not.toMatch(/schema|Shape/);
    expect(modules[0]!.esm).toContain("import { twice } from './math.js';");
  });

  test.each([
    ['a package', "import { z } from 'zod';\nexport const s = z.string();\n", /app\/main\.js imports 'zod' at run time; browser code may import only relative modules/],
    ['Node', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", /imports 'node:fs' at run time/],
    ['a path without .js', "import { x } from './other';\nexport const y = x;\n", /imports '\.\/other': write the \.js suffix/],
    ['a module outside src', "import { x } from '../../x.js';\nexport const y = x;\n", /imports '\.\.\/\.\.\/x\.js', which is outside src/],
  ])('an import of %s is refused, naming the module', async (_case, text, message) => {
    await writeSources({ 'app/main.ts': text });
    await expect(collectBrowserModules(src, 'app/main.js')).rejects.toThrow(message);
  });

  test('the dashboard reaches only its own folder, the paths, the number formatter and the chart range', async () => {
    const ids = (await collectBrowserModules(join(repoRoot, 'src'))).map((module) => module.id);
    expect(ids[0]).toBe(browserEntryModule);
    expect(ids.filter((id) => !id.startsWith('dashboard/client/')).sort()).toEqual(['core/number-format.js', 'dashboard/paths.js', 'evaluation/chart-range.js']);
  });
});

describe('linkClassicScript', () => {
  test('runs the entry once with every import resolved, as one classic script', async () => {
    await writeSources({
      'app/main.ts': [
        "import { twice } from './math.js';",
        "import { label, calls } from '../shared/label.js';",
        'declare const output: { text: string };',
        'output.text = `${label(twice(21))} after ${calls()} call(s)`;',
      ].join('\n'),
      'app/math.ts': "import { label } from '../shared/label.js';\nexport const twice = (n: number): number => n * 2;\nexport const zero = label(0);\n",
      'shared/label.ts': 'let count = 0;\nexport function label(n: number): string { count += 1; return `n=${n}`; }\nexport const calls = (): number => count;\n',
    });
    const script = linkClassicScript(await collectBrowserModules(src, 'app/main.js'), 'app/main.js');
    expect(script).not.toMatch(/^\s*(import|export)\s/m);
    const output = { text: '' };
    runInNewContext(script, { output });
    // label ran for math.ts's `zero` and for main: one shared module instance.
    expect(output.text).toBe('n=42 after 2 call(s)');
  });
});
