#!/usr/bin/env node
// The `mlops` command: a thin launcher for the compiled CLI (npm ci builds dist/ through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('mlops: the CLI is not built yet; run `npm run build` (npm ci does it for you).\n');
  process.exit(2);
}
const { runCli } = await import(entry.href);
process.exitCode = await runCli(process.argv.slice(2));
