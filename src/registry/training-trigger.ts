import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * Why a version was trained: the reason a run was started with (`mlops pipeline --reason`, the
 * validate action's `reason` input, the retrain workflow's `reason` input), recorded in the
 * lineage and shown by the card, the release notes and the dashboard. The text comes from
 * whoever dispatched the run, so it is untrusted: one line, bounded, and escaped wherever it is
 * rendered (it is never passed to a shell).
 */

/** The longest reason accepted, in characters. */
export const maxReasonLength = 500;

/** `trigger` in the lineage. */
export const trainingTriggerSchema = z.object({
  /** One line of text, e.g. "drift: tenure PSI 0.31 > 0.1", "schedule", "manual". */
  reason: z.string().min(1).max(maxReasonLength),
  /** The GitHub event that started the run (GITHUB_EVENT_NAME: schedule, push, workflow_dispatch), when there was one. */
  event: z.string().min(1).max(100).optional(),
});
export type TrainingTrigger = z.infer<typeof trainingTriggerSchema>;

/** The reason a run gets without one given, from the GitHub event that started it. */
const eventReasons: Record<string, string> = {
  schedule: 'schedule',
  push: 'data push',
  workflow_dispatch: 'manual',
};

/**
 * The trigger of a new run: the given reason (whitespace runs, line breaks included, collapsed
 * to one space), or the reason the GitHub event implies; null when neither says anything.
 * `option` names where the reason came from (`--reason`, `input 'reason'`) in the error a
 * reason that is too long or has control characters gets.
 */
export function parseTrainingTrigger(reason: string | undefined, env: Readonly<Record<string, string | undefined>>, option: string): TrainingTrigger | null {
  const eventName = env.GITHUB_ACTIONS === 'true' ? env.GITHUB_EVENT_NAME?.trim() : undefined;
  const event = eventName !== undefined && /^[a-z_]{1,100}$/.test(eventName) ? eventName : undefined;
  const text = (reason ?? '').replace(/\s+/g, ' ').trim();
  if (text === '') {
    const implied = event === undefined ? undefined : eventReasons[event];
    return implied === undefined ? null : { reason: implied, event };
  }
  // Control characters other than whitespace (already collapsed) have no business in a reason.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) throw new ConfigError(`Invalid ${option}: control characters are not allowed in a reason.`);
  if (text.length > maxReasonLength) {
    throw new ConfigError(`Invalid ${option}: ${text.length} characters; a reason is at most ${maxReasonLength} characters (one line saying why the version is trained).`);
  }
  return event === undefined ? { reason: text } : { reason: text, event };
}
