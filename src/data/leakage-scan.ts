import type { MlopsConfig } from '../config/schema.js';
import type { DataIssue } from '../core/errors.js';
import { CategoryClassCounts, NumericClassCounts } from './class-counts.js';
import { assessLeakage, defaultLeakageThresholds, type LeakageThresholds, type LeakageVerdict } from './leakage.js';
import { targetLabels } from './profile.js';
import { missingCode, type RowParser } from './row-schema.js';

/**
 * The leakage check inside a validation pass (`validation.leakage`): class counts per feature value
 * of the rows it is given (the training split's, see validate.ts), then {@link assessLeakage} on
 * each feature once the pass is done. Memory is bounded per feature (class-counts.ts), never per row.
 */

/** The thresholds of a config: `validation.leakage_thresholds` over the defaults of leakage.ts. */
export function leakageThresholdsOf(config: MlopsConfig): LeakageThresholds {
  const own = config.validation.leakage_thresholds ?? {};
  return {
    ...defaultLeakageThresholds,
    ...(own.auc !== undefined ? { auc: own.auc } : {}),
    ...(own.error_reduction !== undefined ? { errorReduction: own.error_reduction } : {}),
    ...(own.presence !== undefined ? { presence: own.presence } : {}),
    ...(own.min_class_rows !== undefined ? { minClassRows: own.min_class_rows } : {}),
  };
}

/** Class counts of every feature over the rows added, and the verdicts they give. */
export class LeakageCollector {
  private readonly counts: (CategoryClassCounts | NumericClassCounts)[];
  private readonly labels: readonly string[];
  /** Rows added. */
  rows = 0;

  private constructor(
    private readonly config: MlopsConfig,
    labels: readonly string[],
  ) {
    this.labels = labels;
    this.counts = config.features.map((f) =>
      f.type === 'categorical' ? new CategoryClassCounts(labels.length, undefined, f.vocabulary) : new NumericClassCounts(labels.length),
    );
  }

  /** A collector for a config, or null when the check is off or the task is a regression (no classes to leak). */
  static for(config: MlopsConfig): LeakageCollector | null {
    const labels = targetLabels(config.task);
    if (config.validation.leakage === 'off' || labels === null) return null;
    return new LeakageCollector(config, labels);
  }

  /** Adds the valid row a RowParser has just parsed. */
  add(row: RowParser): void {
    const classIndex = row.targetCode;
    if (classIndex < 0) return;
    this.rows++;
    for (let slot = 0; slot < this.counts.length; slot++) {
      const counts = this.counts[slot]!;
      if (counts instanceof NumericClassCounts) counts.add(row.numbers[slot]!, classIndex);
      else {
        const code = row.codes[slot]!;
        if (code >= 0) counts.addKnown(code, classIndex);
        else counts.add(code === missingCode ? null : row.texts[slot]!, classIndex);
      }
    }
  }

  private judged: LeakageVerdict[] | null = null;

  /** The verdict on each feature, in config order (computed once, after the last row). */
  verdicts(): LeakageVerdict[] {
    const thresholds = leakageThresholdsOf(this.config);
    this.judged ??= this.config.features.map((feature, slot) => assessLeakage(feature.name, this.counts[slot]!.table(), this.labels, thresholds));
    return this.judged;
  }

  /**
   * One issue per suspected feature (`suspected-leakage`, with `validation.leakage` as its
   * severity), its evidence in the message; `scope` says which rows were counted.
   */
  issues(scope: string): DataIssue[] {
    const severity = this.config.validation.leakage === 'error' ? 'error' : 'warning';
    return this.verdicts()
      .filter((verdict) => verdict.suspected)
      .map((verdict) => ({
        code: 'suspected-leakage',
        severity,
        column: verdict.evidence.feature,
        message: `${verdict.summary} (measured on ${scope}; validation.leakage is '${this.config.validation.leakage}')`,
      }));
  }
}
