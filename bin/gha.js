#!/usr/bin/env node
// `npm run gha`: the local runner for the workflows (src/gha), a thin launcher for the compiled CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/gha/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('gha: the runner is not built yet; run `npm run build` (npm ci does it for you).\n');
  process.exit(2);
}
await import(entry.href);
