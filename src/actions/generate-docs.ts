import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { actionNames, readActionMetadata, syncReadmeTables } from './metadata.js';

/**
 * `npm run docs:actions`: regenerates the inputs and outputs tables of every actions/<name>/README.md
 * from its action.yml. `--check` only reports READMEs that are out of date (exit 1).
 */
async function main(): Promise<number> {
  const repoRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const name of actionNames) {
    const path = join(repoRoot, 'actions', name, 'README.md');
    const readme = await readFile(path, 'utf8');
    const next = syncReadmeTables(readme, await readActionMetadata(repoRoot, name), path);
    if (next === readme) continue;
    stale++;
    if (check) process.stderr.write(`${path} is out of date with action.yml: run npm run docs:actions\n`);
    else {
      await writeFile(path, next);
      process.stdout.write(`updated ${path}\n`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`docs:actions: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
