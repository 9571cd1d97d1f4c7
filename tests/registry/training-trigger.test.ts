import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { lineageSchema } from '../../src/registry/lineage-schema.js';
import { maxReasonLength, parseTrainingTrigger } from '../../src/registry/training-trigger.js';
import { buildRunInputs } from './fixtures/model-inputs.js';

describe('parseTrainingTrigger', () => {
  const github = (event: string) => ({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: event });

  test.each([
    ['a reason, locally', 'drift: tenure PSI 0.31 > 0.1', {}, { reason: 'drift: tenure PSI 0.31 > 0.1' }],
    ['a reason on GitHub keeps the event', 'quality: auc 0.71 < 0.78', github('workflow_dispatch'), { reason: 'quality: auc 0.71 < 0.78', event: 'workflow_dispatch' }],
    ['line breaks and runs of spaces become one space', '  drift:\n  tenure \r\n PSI\t0.31  ', {}, { reason: 'drift: tenure PSI 0.31' }],
    ['no reason on a schedule', undefined, github('schedule'), { reason: 'schedule', event: 'schedule' }],
    ['no reason on a push', '', github('push'), { reason: 'data push', event: 'push' }],
    ['no reason, dispatched by hand', '  ', github('workflow_dispatch'), { reason: 'manual', event: 'workflow_dispatch' }],
    ['no reason, another event: the event alone says nothing', undefined, github('release'), null],
    ['no reason, locally', undefined, {}, null],
    ['GITHUB_EVENT_NAME outside Actions is ignored', 'x', { GITHUB_EVENT_NAME: 'schedule' }, { reason: 'x' }],
  ])('%s', (_name, reason, env, expected) => {
    expect(parseTrainingTrigger(reason, env, '--reason')).toEqual(expected);
  });

  test(`a reason of ${maxReasonLength} characters is accepted; one more is a ConfigError naming the option`, () => {
    expect(parseTrainingTrigger('x'.repeat(maxReasonLength), {}, '--reason')?.reason).toHaveLength(maxReasonLength);
    const tooLong = () => parseTrainingTrigger('x'.repeat(maxReasonLength + 1), {}, "input 'reason'");
    expect(tooLong).toThrow(ConfigError);
    expect(tooLong).toThrow(`Invalid input 'reason': ${maxReasonLength + 1} characters; a reason is at most ${maxReasonLength} characters`);
  });

  test('control characters are refused', () => {
    expect(() => parseTrainingTrigger('drift\u0007 bell', {}, '--reason')).toThrow('Invalid --reason: control characters are not allowed');
  });

  test('a lineage without a trigger (registered before reasons were recorded) still loads; one with a trigger keeps it', () => {
    const { lineage } = buildRunInputs();
    expect(lineageSchema.parse(lineage).trigger).toBeUndefined();
    expect(lineageSchema.parse({ ...lineage, trigger: { reason: 'manual' } }).trigger).toEqual({ reason: 'manual' });
    expect(lineageSchema.safeParse({ ...lineage, trigger: { reason: 'x'.repeat(maxReasonLength + 1) } }).success).toBe(false);
  });
});
