// Writes the generated datasets of the quality benchmark (bench/quality-bench.ts), one per task
// shape beside the default binary dataset. Deterministic (mulberry32 with fixed seeds): running it
// again rewrites the same bytes.  node bench/quality/make-quality-datasets.mjs
//
// The gate benchmark (bench/gate-bench.ts) imports the table functions for an independent holdout:
// the rows after the committed ones in the same seeded stream (same coefficients, new draws), so a
// candidate's true drop is measured on many rows no model trained or was tested on.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (random) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const pick = (random, values) => values[Math.floor(random() * values.length)];
const csvCell = (value) => (typeof value === 'string' && /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : String(value));
/** A table as CSV text: the header, then one line per row. */
export const toCsv = (header, rows) => `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
const write = (name, table) => writeFileSync(join(here, name), toCsv(table.header, table.rows));

/** Rows in the committed files; rows after these in the same streams are the gate benchmark's holdout. */
export const committedRows = { 'house-prices.csv': 1460, 'land-cover.csv': 4000 };

/**
 * House prices (regression, skewed positive target), shaped like the Ames/Kaggle house-price table:
 * 1,460 houses, 73 features (36 numeric with a few missing cells, 37 categorical with 2–9 levels)
 * and a log-normal sale price: log(price) is linear in most features, with an interaction
 * (quality × living area) and a saturation (age) that a linear model on the raw scale misses.
 */
export function housePrices(count = committedRows['house-prices.csv']) {
  const random = mulberry32(1460);
  const numericNames = Array.from({ length: 36 }, (_, i) => `num_${String(i + 1).padStart(2, '0')}`);
  const categoricalNames = Array.from({ length: 37 }, (_, i) => `cat_${String(i + 1).padStart(2, '0')}`);
  numericNames[0] = 'living_area';
  numericNames[1] = 'overall_quality';
  numericNames[2] = 'year_built';
  numericNames[3] = 'lot_area';
  categoricalNames[0] = 'neighborhood';
  categoricalNames[1] = 'building_type';
  const weights = numericNames.map((_, i) => (i < 4 ? 0 : i < 16 ? normal(random) * 0.04 : 0));
  const levels = categoricalNames.map((_, i) => Array.from({ length: 2 + (i % 8) }, (_, l) => `${String.fromCharCode(65 + l)}${i % 3 === 0 ? ' grade' : ''}`));
  const levelEffects = levels.map((values, i) => values.map(() => (i < 12 ? normal(random) * 0.06 : 0)));
  const neighborhoods = ['NAmes', 'CollgCr', 'OldTown', 'Edwards', 'Somerst', 'Gilbert', 'NridgHt', 'Sawyer', 'NWAmes'];
  levels[0] = neighborhoods;
  levelEffects[0] = [-0.1, 0.05, -0.2, -0.15, 0.15, 0.08, 0.35, -0.12, 0.02];
  const rows = [];
  for (let r = 0; r < count; r++) {
    const area = Math.round(Math.exp(7.25 + 0.33 * normal(random)));
    const quality = Math.min(10, Math.max(1, Math.round(6 + 1.4 * normal(random))));
    const year = Math.round(Math.min(2010, Math.max(1872, 1971 + 30 * normal(random))));
    const lot = Math.round(Math.exp(9.1 + 0.5 * normal(random)));
    const numeric = numericNames.map((_, i) => (i === 0 ? area : i === 1 ? quality : i === 2 ? year : i === 3 ? lot : Math.round(normal(random) * 100) / 100));
    const categorical = levels.map((values) => pick(random, values));
    let logPrice = 12.0 + 0.55 * Math.log(area / 1400) + 0.09 * (quality - 6) + 0.05 * (quality - 6) * Math.log(area / 1400) * 2;
    logPrice += -0.25 * (1 - Math.exp(-(2010 - year) / 40)) + 0.08 * Math.log(lot / 9000);
    for (let i = 4; i < numeric.length; i++) logPrice += weights[i] * numeric[i];
    categorical.forEach((value, i) => (logPrice += levelEffects[i][levels[i].indexOf(value)]));
    logPrice += 0.12 * normal(random);
    const cells = [...numeric.map((v, i) => (i >= 30 && random() < 0.03 ? '' : v)), ...categorical, Math.round(Math.exp(logPrice))];
    rows.push(cells);
  }
  return { header: [...numericNames, ...categoricalNames, 'sale_price'], rows };
}

/**
 * Land cover (multiclass): 4,000 plots, 8 numeric measurements and 2 categorical ones, 4 classes
 * from a softmax over linear scores plus two nonlinear terms (a ring in two measurements, a
 * threshold interaction), with label noise.
 */
export function landCover(count = committedRows['land-cover.csv']) {
  const random = mulberry32(4000);
  const classes = ['forest', 'grassland', 'wetland', 'urban'];
  const soils = ['clay', 'loam', 'sand', 'peat', 'rock'];
  const aspects = ['north', 'east', 'south', 'west'];
  const w = classes.map(() => Array.from({ length: 8 }, () => normal(random)));
  const soilEffect = classes.map(() => soils.map(() => normal(random) * 0.8));
  const rows = [];
  for (let r = 0; r < count; r++) {
    const x = Array.from({ length: 8 }, () => Math.round(normal(random) * 1000) / 1000);
    const soil = pick(random, soils);
    const aspect = pick(random, aspects);
    const ring = x[0] ** 2 + x[1] ** 2;
    const scores = classes.map((_, c) => {
      let s = 0;
      for (let i = 0; i < 8; i++) s += 0.6 * w[c][i] * x[i];
      s += soilEffect[c][soils.indexOf(soil)];
      if (c === 2) s += 1.5 * (ring < 1 ? 1 : -0.5);
      if (c === 3) s += x[2] > 0.5 && x[3] > 0 ? 1.8 : 0;
      if (c === 0 && aspect === 'north') s += 0.4;
      return s;
    });
    const max = Math.max(...scores);
    const p = scores.map((s) => Math.exp(s - max));
    const total = p.reduce((a, b) => a + b, 0);
    let u = random() * total;
    let label = 0;
    while (u > p[label] && label < classes.length - 1) u -= p[label++];
    rows.push([...x, soil, aspect, classes[label]]);
  }
  return { header: [...Array.from({ length: 8 }, (_, i) => `band_${i + 1}`), 'soil', 'aspect', 'cover'], rows };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  write('house-prices.csv', housePrices());
  write('land-cover.csv', landCover());
}
