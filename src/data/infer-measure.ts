import { dirname, resolve } from 'node:path';
import { configSchema, type MlopsConfig, type MlopsConfigInput } from '../config/schema.js';
import type { DataIssue } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { sliceCandidates, type SliceCounts } from './infer-slices.js';
import { Moments } from './infer-task.js';
import { scanDataset } from './validate.js';

/**
 * `mlops init`'s second pass: the drafted config is run through validation itself, on the same
 * file. That measures what the first pass could not (the range of numbers read in their column's
 * format, the regression target's spread), runs the leakage check on the proposed training split
 * exactly as `mlops validate` will, and finds the cells that break a detected format, so that init
 * can warn about them before the user meets them.
 */

/** What the validation pass over a drafted config found. */
export interface DraftMeasurement {
  /** Numeric feature → range and whether every value is whole, over the valid rows. */
  numbers: Map<string, { min: number; max: number; integer: boolean }>;
  /** The regression target's population standard deviation (0 for classification). */
  targetStd: number;
  /** The regression target's minimum and skewness, read in its number format (null for classification). */
  targetShape: { min: number; skewness: number } | null;
  /** Rows per value of each slice candidate (binary: per class, [negatives, positives]), over the valid rows. */
  sliceCounts: SliceCounts;
  /** Feature → why the leakage check suspects it (its evidence), for suspected features. */
  leakage: Map<string, string>;
  /** Errors validation would report with this config (first ones listed, all counted). */
  errors: DataIssue[];
  errorCount: number;
  validRows: number;
}

/** Validates `dataPath` with a drafted config (not yet written to `configPath`) and measures it. */
export async function measureDraft(draft: MlopsConfigInput, dataPath: string, configPath: string): Promise<DraftMeasurement> {
  const config: MlopsConfig = configSchema.parse(draft);
  const absolute = resolve(configPath);
  const loaded = { config, path: absolute, baseDir: dirname(absolute), hash: '' };
  const numeric = config.features.flatMap((feature, slot) => (feature.type === 'numeric' ? [{ name: feature.name, slot }] : []));
  const ranges = numeric.map(() => ({ min: Infinity, max: -Infinity, integer: true }));
  const regression = config.task.type === 'regression';
  const moments = new Moments();
  const positive = config.task.type === 'binary' ? config.task.positive_label : null;
  const candidates = sliceCandidates(draft.features).map((f) => ({ name: f.name, slot: config.features.findIndex((c) => c.name === f.name), values: new Map<string, number[]>() }));
  const scan = await scanDataset(
    { config: loaded, dataPath, logger: silentLogger },
    {
      onValidRow: (row) => {
        if (regression) moments.add(row.targetNumber);
        for (const candidate of candidates) {
          const value = row.texts[candidate.slot];
          if (value === null || value === undefined) continue;
          let counts = candidate.values.get(value);
          if (!counts) candidate.values.set(value, (counts = positive === null ? [0] : [0, 0]));
          counts[positive !== null && row.targetText === positive ? 1 : 0]!++;
        }
        for (let i = 0; i < numeric.length; i++) {
          const value = row.numbers[numeric[i]!.slot]!;
          if (Number.isNaN(value)) continue;
          const range = ranges[i]!;
          if (value < range.min) range.min = value;
          if (value > range.max) range.max = value;
          if (range.integer && !Number.isInteger(value)) range.integer = false;
        }
      },
    },
  );
  const { report } = scan;
  const numbers = new Map<string, { min: number; max: number; integer: boolean }>();
  numeric.forEach(({ name }, i) => {
    if (ranges[i]!.min <= ranges[i]!.max) numbers.set(name, ranges[i]!);
  });
  const target = report.profile?.target;
  const leakage = new Map(scan.leakage.map((verdict) => [verdict.evidence.feature, verdict.reasons.join('; ')]));
  const errors = report.issues.filter((issue) => issue.severity === 'error');
  const sliceCounts = new Map(candidates.map((c) => [c.name, c.values]));
  return { numbers, sliceCounts, targetStd: target?.type === 'numeric' ? (target.std ?? 0) : 0, targetShape: regression ? { min: moments.min, skewness: moments.skewness } : null, leakage, errors, errorCount: report.error_count, validRows: report.valid_rows };
}
