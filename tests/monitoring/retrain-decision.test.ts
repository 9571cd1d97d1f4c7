import { describe, expect, test } from 'vitest';
import { monitoringSchema, type RetrainOnConfig } from '../../src/config/serving-schema.js';
import { decideRetrain, retrainDecisionSchema } from '../../src/monitoring/retrain-decision.js';
import type { QualitySnapshot } from '../../src/monitoring/quality-schema.js';
import type { MonitoringSnapshot } from '../../src/monitoring/snapshot-schema.js';
import { maxReasonLength } from '../../src/registry/training-trigger.js';

const hour = 3_600_000;
const now = new Date('2026-03-01T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * hour);

function quality(overrides: Partial<QualitySnapshot> = {}): QualitySnapshot {
  return {
    model_version: '1.0.0',
    primary_metric: 'auc',
    window_size: 2000,
    min_labels: 200,
    labelled: 0,
    labels_total: 0,
    since: null,
    metrics: {},
    offline: { auc: 0.84 },
    slices: {},
    checks: [],
    alerts: [],
    history: [],
    ...overrides,
  };
}

function snapshot(options: { driftAlerts?: string[]; quality?: QualitySnapshot | null } = {}): MonitoringSnapshot {
  return {
    model_version: '1.0.0',
    window: { started_at: '2026-03-01T00:00:00Z', requests: 10, instances: 1000 },
    thresholds: { psi: 0.1, js: 0.1, linf: 0.1, min_samples: 100 },
    features: [],
    predictions: { count: 1000, distribution: { Yes: 0.3 } },
    alerts: options.driftAlerts ?? [],
    quality: options.quality === undefined ? quality() : options.quality,
  };
}

/** monitoring.retrain_on as the config schema fills it in. */
function rules(value: Record<string, unknown>): RetrainOnConfig {
  return monitoringSchema.parse({ retrain_on: value }).retrain_on!;
}

const drifted = snapshot({ driftAlerts: ['tenure: PSI 0.3100 > 0.1, Jensen–Shannon 0.1500 > 0.1', 'contract: L-infinity 0.2000 > 0.1'] });
const qualityAlert = 'quality: auc 0.7100 < 0.78 over 2000 labels';
const degraded = snapshot({ quality: quality({ labelled: 2000, labels_total: 2000, metrics: { auc: 0.71 }, alerts: [qualityAlert] }) });

describe('decideRetrain', () => {
  test('the config defaults: off unless set; set, nothing fires until drift, quality or min_new_labels is on, cool-down 24 h', () => {
    expect(monitoringSchema.parse({}).retrain_on).toBeNull();
    expect(rules({})).toEqual({ drift: false, quality: false, min_new_labels: null, cooldown_hours: 24 });
    expect(decideRetrain({ snapshot: drifted, rules: null, lastRetrainAt: null, now })).toEqual({ due: false, reason: null, signals: [], blocked_by: 'off', last_retrain_at: null });
    expect(decideRetrain({ snapshot: drifted, rules: rules({}), lastRetrainAt: null, now })).toEqual({ due: false, reason: null, signals: [], last_retrain_at: null });
  });

  test('drift only: the drift alerts are the reason; quality alerts are not judged', () => {
    const both = { ...drifted, quality: degraded.quality };
    const decision = decideRetrain({ snapshot: both, rules: rules({ drift: true }), lastRetrainAt: hoursAgo(48), now });
    expect(decision).toEqual({
      due: true,
      reason: 'drift: tenure PSI 0.3100 > 0.1, Jensen–Shannon 0.1500 > 0.1, contract L-infinity 0.2000 > 0.1',
      signals: ['drift: tenure PSI 0.3100 > 0.1, Jensen–Shannon 0.1500 > 0.1, contract L-infinity 0.2000 > 0.1'],
      last_retrain_at: hoursAgo(48).toISOString(),
    });
    expect(retrainDecisionSchema.parse(decision)).toEqual(decision);
    expect(decideRetrain({ snapshot: degraded, rules: rules({ drift: true }), lastRetrainAt: null, now }).due).toBe(false);
  });

  test('quality only: a failing live rule is the reason; drift is not judged', () => {
    expect(decideRetrain({ snapshot: degraded, rules: rules({ quality: true }), lastRetrainAt: null, now })).toEqual({ due: true, reason: qualityAlert, signals: [qualityAlert], last_retrain_at: null });
    expect(decideRetrain({ snapshot: drifted, rules: rules({ quality: true }), lastRetrainAt: null, now }).due).toBe(false);
  });

  test('no labels: neither quality nor min_new_labels fires, with feedback on or off', () => {
    const on = rules({ quality: true, min_new_labels: 1 });
    for (const noLabels of [snapshot({ quality: quality() }), snapshot({ quality: null }), { ...snapshot(), quality: undefined }]) {
      expect(decideRetrain({ snapshot: noLabels, rules: on, lastRetrainAt: null, now })).toEqual({ due: false, reason: null, signals: [], last_retrain_at: null });
    }
  });

  test('min_new_labels: due from that many labels for the served version on, not one before', () => {
    const labelled = (total: number) => snapshot({ quality: quality({ labelled: Math.min(total, 2000), labels_total: total }) });
    const on = rules({ min_new_labels: 1000, cooldown_hours: 0 });
    expect(decideRetrain({ snapshot: labelled(999), rules: on, lastRetrainAt: null, now }).due).toBe(false);
    expect(decideRetrain({ snapshot: labelled(1000), rules: on, lastRetrainAt: null, now })).toMatchObject({ due: true, reason: 'labels: 1000 new labels for 1.0.0 (min_new_labels 1000)' });
  });

  test('every signal that fires is in the reason, in the order drift, quality, labels', () => {
    const all = { ...drifted, quality: degraded.quality };
    const decision = decideRetrain({ snapshot: all, rules: rules({ drift: true, quality: true, min_new_labels: 500 }), lastRetrainAt: null, now });
    expect(decision.signals.map((signal) => signal.split(':')[0])).toEqual(['drift', 'quality', 'labels']);
    expect(decision.reason).toBe(decision.signals.join('; '));
  });

  test.each([
    ['just retrained', 0, false],
    ['one minute before the cool-down ends', 24 - 1 / 60, false],
    ['exactly when it ends', 24, true],
    ['after it', 30, true],
    ['a last retrain in the future (clock skew) counts as now', -1, false],
  ])('cool-down of 24 h, %s', (_name, hours, due) => {
    const last = hoursAgo(hours);
    const decision = decideRetrain({ snapshot: drifted, rules: rules({ drift: true, cooldown_hours: 24 }), lastRetrainAt: last, now });
    expect(decision.due).toBe(due);
    expect(decision.reason).toMatch(/^drift: tenure PSI/);
    if (due) expect(decision.blocked_by).toBeUndefined();
    else expect(decision).toMatchObject({ blocked_by: 'cooldown', last_retrain_at: last.toISOString(), cooldown_until: new Date(last.getTime() + 24 * hour).toISOString() });
  });

  test('cool-down 0 and an unknown last retrain never block', () => {
    expect(decideRetrain({ snapshot: drifted, rules: rules({ drift: true, cooldown_hours: 0 }), lastRetrainAt: now, now }).due).toBe(true);
    expect(decideRetrain({ snapshot: drifted, rules: rules({ drift: true }), lastRetrainAt: null, now }).due).toBe(true);
  });

  test(`a reason longer than ${maxReasonLength} characters (many drifted features) is cut to one the lineage accepts`, () => {
    const many = snapshot({ driftAlerts: Array.from({ length: 40 }, (_, i) => `feature_${i}: PSI 0.5000 > 0.1`) });
    const { reason } = decideRetrain({ snapshot: many, rules: rules({ drift: true }), lastRetrainAt: null, now });
    expect(reason).toHaveLength(maxReasonLength);
    expect(reason!.endsWith('…')).toBe(true);
  });

  test('the config refuses a negative cool-down and a min_new_labels of 0, naming the key', () => {
    expect(() => monitoringSchema.parse({ retrain_on: { cooldown_hours: -1 } })).toThrow(/cooldown_hours/);
    expect(() => monitoringSchema.parse({ retrain_on: { min_new_labels: 0 } })).toThrow(/min_new_labels/);
    expect(() => monitoringSchema.parse({ retrain_on: { drfit: true } })).toThrow(/drfit/);
  });
});
