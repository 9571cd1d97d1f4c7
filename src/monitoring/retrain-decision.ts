import { z } from 'zod';
import type { RetrainOnConfig } from '../config/serving-schema.js';
import { maxReasonLength } from '../registry/training-trigger.js';
import type { MonitoringSnapshot } from './snapshot-schema.js';

/**
 * Whether the served model should be retrained now, from what `/monitoring` reports and the
 * rules of `monitoring.retrain_on`: a pure function of the snapshot, the time of the last retrain
 * and the clock, so the monitor workflow and its tests decide the same way. The reason it gives
 * is the sentence the retrain records (`mlops pipeline --reason`), e.g.
 * "drift: tenure PSI 0.3100 > 0.1".
 */

/** `retrain` in the output of `mlops monitor --url … --retrain-decision --json`. */
export const retrainDecisionSchema = z.object({
  /** Whether to retrain now. */
  due: z.boolean(),
  /** Why (the signals that fired, as one line of at most 500 characters); null when none fired. */
  reason: z.string().nullable(),
  /** Each signal that fired, in the order drift, quality, labels. */
  signals: z.array(z.string()),
  /**
   * Why a retrain is not due although signals fired: `cooldown` (the last retrain is too recent);
   * or `off` when `monitoring.retrain_on` is not set (no signal is judged).
   */
  blocked_by: z.enum(['cooldown', 'off']).optional(),
  /** The last retrain the cool-down counts from (ISO 8601); null when unknown. */
  last_retrain_at: z.string().nullable(),
  /** When the cool-down ends (ISO 8601), while it blocks a retrain. */
  cooldown_until: z.string().optional(),
});
export type RetrainDecision = z.infer<typeof retrainDecisionSchema>;

export interface RetrainDecisionInput {
  snapshot: MonitoringSnapshot;
  /** `monitoring.retrain_on`; null: retraining is not triggered by monitoring. */
  rules: RetrainOnConfig | null;
  /** When the model was last retrained; null when unknown (no cool-down then). */
  lastRetrainAt: Date | null;
  now: Date;
}

/** Decides whether a retrain is due, and says why. */
export function decideRetrain(input: RetrainDecisionInput): RetrainDecision {
  const { snapshot, rules, lastRetrainAt, now } = input;
  const last = lastRetrainAt === null ? null : lastRetrainAt.toISOString();
  if (rules === null) return { due: false, reason: null, signals: [], blocked_by: 'off', last_retrain_at: last };
  const signals = retrainSignals(snapshot, rules);
  const reason = signals.length === 0 ? null : oneLine(signals.join('; '));
  if (signals.length === 0) return { due: false, reason, signals, last_retrain_at: last };
  if (lastRetrainAt !== null) {
    const until = lastRetrainAt.getTime() + rules.cooldown_hours * 3_600_000;
    // A last retrain "in the future" (clock skew) counts as just now: still cooling down.
    if (now.getTime() < until) return { due: false, reason, signals, blocked_by: 'cooldown', last_retrain_at: last, cooldown_until: new Date(until).toISOString() };
  }
  return { due: true, reason, signals, last_retrain_at: last };
}

/** The signals of `rules` that fire on the snapshot. */
export function retrainSignals(snapshot: MonitoringSnapshot, rules: RetrainOnConfig): string[] {
  const signals: string[] = [];
  // Drift alerts read "tenure: PSI 0.3100 > 0.1, Jensen–Shannon 0.2 > 0.1".
  if (rules.drift && snapshot.alerts.length > 0) signals.push(`drift: ${snapshot.alerts.map((alert) => alert.replace(/^([^:]+): /, '$1 ')).join(', ')}`);
  const quality = snapshot.quality;
  // Quality alerts already read "quality: auc 0.71 < 0.78 over 2000 labels"; they exist only once enough labels are in.
  if (rules.quality && quality && quality.alerts.length > 0) signals.push(...quality.alerts);
  if (rules.min_new_labels !== null && quality && quality.labels_total >= rules.min_new_labels) {
    signals.push(`labels: ${quality.labels_total} new labels for ${quality.model_version} (min_new_labels ${rules.min_new_labels})`);
  }
  return signals;
}

/** The reason as the lineage accepts it: one line, at most {@link maxReasonLength} characters. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= maxReasonLength ? line : `${line.slice(0, maxReasonLength - 1)}…`;
}
