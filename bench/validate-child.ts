/**
 * One measured pass over a CSV in a fresh process, so peak memory belongs to that pass alone:
 * `bare` streams it through csv-parse doing nothing else; `validate` runs `validateDataset`.
 * Prints {rows, ms, maxRssMb} as JSON.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { validateDataset } from '../src/data/validate.js';

const [mode, file, configPath] = process.argv.slice(2);
if (!mode || !file) throw new Error('usage: validate-child.js bare|validate FILE [CONFIG]');

const started = performance.now();
let rows = 0;
if (mode === 'bare') {
  const parser = createReadStream(file).pipe(parse({ bom: true, trim: true }));
  for await (const record of parser) {
    void record;
    rows++;
  }
  rows -= 1; // the header
} else {
  const loaded = await loadConfig(configPath);
  const report = await validateDataset({ config: loaded, dataPath: file, logger: silentLogger });
  if (!report.passed) throw new Error(`validation failed: ${report.issues[0]?.message}`);
  rows = report.rows;
}
const ms = performance.now() - started;
console.log(JSON.stringify({ rows, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
