import { performance } from 'node:perf_hooks';
import { sha256 } from '../src/core/hash.js';
import { createRandom } from '../src/core/rng.js';
import { CategoryClassCounts, NumericClassCounts } from '../src/data/class-counts.js';
import { compileDateTimeParser, DateTimeSampler } from '../src/data/datetime-format.js';
import { IdColumnTracker } from '../src/data/id-column.js';
import { compileNumberParser } from '../src/data/number-cell.js';
import { NumberFormatSampler } from '../src/data/number-format.js';
import { RowKeySet, RowKeySetBuilder } from '../src/data/row-key-set.js';
import { parseNumber } from '../src/data/row-schema.js';
import { TopKCounter } from '../src/data/top-k.js';
import { argValue, median, printTable } from './bench-util.js';

/**
 * Speed of the real-data detectors and the size of the training key set, against a baseline
 * measured in the same run: `parseNumber` (validation's cell reader today) over the same cells.
 * Run: `npm run build && node dist/bench/data-bench.js [--cells 1000000] [--keys 2000000] [--runs 5]`.
 */

const cellCount = Number(argValue('cells', '1000000'));
const keyCount = Number(argValue('keys', '2000000'));
const runs = Number(argValue('runs', '5'));
const random = createRandom(42);

const plainCells = Array.from({ length: cellCount }, () => (random() * 10_000).toFixed(2));
const euroCells = plainCells.map((cell) => `${Number(cell).toFixed(2).replace('.', ',').replace(/\B(?=(\d{3})+(?!\d))/g, '.')} €`);
const dateCells = Array.from({ length: cellCount }, () => {
  const day = 1 + Math.floor(random() * 28);
  const month = 1 + Math.floor(random() * 12);
  return `${String(day).padStart(2, '0')}.${String(month).padStart(2, '0')}.${2000 + Math.floor(random() * 25)}`;
});
const zipCells = Array.from({ length: cellCount }, () => String(Math.floor(random() ** 3 * 40_000)).padStart(5, '0'));
const idCells = Array.from({ length: cellCount }, (_, i) => `C-${i.toString(36).padStart(6, '0')}`);
const classes = Array.from({ length: cellCount }, () => (random() < 0.27 ? 1 : 0));

/** Median ns per cell of `work` over the runs. */
function time(work: () => unknown): number {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    work();
    samples.push(((performance.now() - start) * 1e6) / cellCount);
  }
  return median(samples);
}

let sink = 0;
const baseline = time(() => {
  for (const cell of plainCells) sink += parseNumber(cell) as number;
});
const rows: [string, number][] = [
  ['number format detection (NumberFormatSampler.add, "1.234,56 €")', time(() => {
    const sampler = new NumberFormatSampler();
    for (const cell of euroCells) sampler.add(cell);
  })],
  ['number parsing, compiled for "1.234,56 €"', time(() => {
    const parse = compileNumberParser({ decimal: ',', group: '.', percent: false, currency: { symbol: '€', position: 'after' }, parentheses: false });
    for (const cell of euroCells) sink += parse(cell) as number;
  })],
  ['date detection (DateTimeSampler.add, "31.12.2024")', time(() => {
    const sampler = new DateTimeSampler();
    for (const cell of dateCells) sampler.add(cell);
  })],
  ['date parsing, compiled for day.month.year', time(() => {
    const parse = compileDateTimeParser({ layout: 'dmy', separator: '.', time: false });
    for (const cell of dateCells) sink += parse(cell) as number;
  })],
  ['id tracking (IdColumnTracker.add, unique codes)', time(() => {
    const tracker = new IdColumnTracker('customer_id');
    for (const cell of idCells) tracker.add(cell, false);
  })],
  ['top-K counting (SpaceSaving, 10,000 counters, zip codes)', time(() => {
    const counter = new TopKCounter();
    for (const cell of zipCells) counter.add(cell);
  })],
  ['class counts, categorical (zip codes)', time(() => {
    const counts = new CategoryClassCounts(2);
    for (let i = 0; i < cellCount; i++) counts.add(zipCells[i]!, classes[i]!);
    counts.table();
  })],
  ['class counts, numeric (1,024 groups)', time(() => {
    const counts = new NumericClassCounts(2);
    for (let i = 0; i < cellCount; i++) counts.add(Number(plainCells[i]), classes[i]!);
    counts.table();
  })],
];
console.log(`\nDetectors over ${cellCount.toLocaleString('en-US')} cells, median of ${runs} runs (baseline: parseNumber ${baseline.toFixed(1)} ns/cell)\n`);
printTable(['work', 'ns/cell', '× parseNumber'], rows.map(([name, ns]) => [name, ns.toFixed(1), (ns / baseline).toFixed(2)]));

console.log('\nTraining key set (Golomb-coded, P = 20)\n');
const keyRows: string[][] = [];
for (const n of [7043, keyCount]) {
  const keys = Array.from({ length: n }, (_, i) => sha256(`row-${i}`));
  const builder = new RowKeySetBuilder();
  let start = performance.now();
  for (const key of keys) builder.add(key);
  const bytes = builder.finish();
  const buildMs = performance.now() - start;
  start = performance.now();
  const set = RowKeySet.decode(bytes);
  const decodeMs = performance.now() - start;
  start = performance.now();
  let found = 0;
  for (const key of keys) if (set.has(key)) found++;
  const lookupNs = ((performance.now() - start) * 1e6) / n;
  if (found !== n) throw new Error(`key set lost ${n - found} keys`);
  keyRows.push([
    n.toLocaleString('en-US'),
    `${(bytes.length / 1024).toFixed(1)} KiB`,
    (((bytes.length - 16) * 8) / n).toFixed(2),
    `${((n * 8) / 1024).toFixed(1)} KiB`,
    buildMs.toFixed(0),
    decodeMs.toFixed(0),
    lookupNs.toFixed(0),
  ]);
}
printTable(['keys', 'file', 'bits/key', 'sorted 64-bit hashes', 'build ms', 'decode ms', 'ns/lookup'], keyRows);
if (sink === 42) console.log('');
