import { defaultPrimaryMetric } from '../config/load.js';
import type { GateConfig } from '../config/schema.js';
import { evaluateModels, type EvaluatePredictionsInput } from './evaluate.js';
import { baselineRule } from './gate-regression.js';
import { compareScope, type ComparisonPair, type ScopeComparison } from './model-comparison.js';
import type { BaselineReport, EvaluationReport } from './report-schema.js';
import type { Numbers } from './metrics.js';

/**
 * The evaluation behind a gate verdict: the candidate, the champion and the in-run baselines,
 * all scored on the same test rows, evaluated in one pass (one set of resamples per scope scores
 * every model), with the paired comparisons the gate judges. Pure: the evaluate step supplies the
 * predictions.
 */

/** A baseline's predictions of the test rows and how reports name it. */
export interface BaselinePredictions {
  kind: BaselineReport['kind'];
  model: BaselineReport['model'];
  name: string;
  predictions: Numbers;
}

/** Everything {@link evaluateCandidate} needs. */
export interface EvaluateCandidateInput extends Omit<EvaluatePredictionsInput, 'predictions' | 'bootstrap'> {
  /** The `gate` block: bootstrap settings, thresholds, alpha. */
  gate: GateConfig;
  candidate: Numbers;
  /** The champion's predictions of the same rows, in the same representation (null: none to compare). */
  champion: Numbers | null;
  /** The in-run baselines (linear first, then constant); [] for none. */
  baselines: readonly BaselinePredictions[];
}

/** The reports and the paired comparisons. */
export interface CandidateEvaluation {
  /** The candidate's report, with the baselines' reports in `baselines`. */
  candidate: EvaluationReport;
  champion: EvaluationReport | null;
  /** Per scope: the candidate against the champion and against the linear baseline. */
  comparisons: ScopeComparison[];
}

/**
 * Evaluates the candidate, the champion and the baselines on the same rows, and compares the
 * candidate with the champion (thresholds from `gate.overall` / `gate.per_slice`) and with the
 * linear baseline (the baseline check's threshold on its metric, overall).
 */
export function evaluateCandidate(input: EvaluateCandidateInput): CandidateEvaluation {
  const { gate, candidate, champion, baselines, ...rest } = input;
  const models: Numbers[] = [candidate];
  const pairs: ComparisonPair[] = [];
  if (champion !== null) {
    pairs.push({ against: 'champion', model: models.length, maxRegression: (kind, metric) => (kind === 'overall' ? gate.overall : gate.per_slice)[metric]?.max_regression });
    models.push(champion);
  }
  const baselineAt = models.length;
  models.push(...baselines.map((b) => b.predictions));
  const linear = baselines.findIndex((b) => b.kind === 'linear');
  if (linear >= 0) {
    const rule = baselineRule(gate, gate.primary_metric ?? defaultPrimaryMetric(input.task));
    pairs.push({ against: 'baseline', model: baselineAt + linear, maxRegression: (kind, metric) => (kind === 'overall' && metric === rule.metric ? rule.maxRegression : undefined) });
  }
  const { reports, scopes } = evaluateModels({ ...rest, models, bootstrap: gate.bootstrap }, (scope) => compareScope(scope, { pairs, alpha: gate.alpha }));
  const report = reports[0]!;
  if (baselines.length > 0) {
    report.baselines = baselines.map((b, i) => {
      const { overall, slices } = reports[baselineAt + i]!;
      return { kind: b.kind, model: b.model, name: b.name, overall, slices };
    });
  }
  return { candidate: report, champion: champion === null ? null : reports[1]!, comparisons: scopes };
}
