import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { dateTimePartNames, type MlopsConfigInput } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { dateTimeParts } from '../../src/data/datetime-features.js';
import { defaultLeakageThresholds } from '../../src/data/leakage.js';
import { leakageThresholdsOf } from '../../src/data/leakage-scan.js';

/** The config keys of issue 14 (formats, datetime features, key and time columns, leakage) and their cross-field rules. */

function base(changes: (config: MlopsConfigInput) => void = () => {}): MlopsConfigInput {
  const config: MlopsConfigInput = {
    data: { path: 'data/x.csv', target: 'churn', delimiter: ';', decimal: ',', ignore_columns: ['id'] },
    task: { type: 'binary', positive_label: 'Yes', negative_label: 'No' },
    features: [
      { name: 'amount', type: 'numeric', format: { group: '.', currency: { symbol: '€', position: 'after' } } },
      { name: 'share', type: 'numeric', format: { decimal: '.', percent: true } },
      { name: 'zip', type: 'categorical', vocabulary: ['01000'], top_k: 50, min_count: 5 },
      { name: 'signup', type: 'datetime', format: { layout: 'dmy', separator: '.' }, age: { column: 'seen' } },
      { name: 'seen', type: 'datetime', format: { layout: 'iso', separator: '-', time: true }, parts: ['hour'], age: { time: '2025-01-01' } },
    ],
    split: { key_columns: ['id'], time_column: 'signup' },
    validation: { leakage: 'error', leakage_thresholds: { auc: 0.99 } },
  };
  changes(config);
  return config;
}

const parse = (config: MlopsConfigInput) => parseConfigText(stringify(config), 'mlops.config.yaml');

describe('the new keys', () => {
  test('parse with their defaults filled', () => {
    const config = parse(base());
    expect(config.data.decimal).toBe(',');
    expect(config.features[0]).toMatchObject({ format: { group: '.', percent: false, parentheses: false, currency: { symbol: '€', position: 'after' } } });
    expect(config.features[3]).toMatchObject({ format: { layout: 'dmy', separator: '.', time: false }, parts: ['year', 'month', 'day_of_week', 'day_of_month'] });
    expect(config.split).toMatchObject({ key_columns: ['id'], time_column: 'signup' });
    expect(config.validation).toMatchObject({ leakage: 'error', leakage_thresholds: { auc: 0.99 } });
  });

  test('old configs keep working: decimal "." and leakage warnings by default, no key or time column', () => {
    const config = parse(
      base((c) => {
        delete c.data.decimal;
        c.features = c.features.slice(2);
        delete c.split;
        delete c.validation;
      }),
    );
    expect(config.data.decimal).toBe('.');
    expect(config.split.key_columns).toBeUndefined();
    expect(config.split.time_column).toBeUndefined();
    expect(config.validation.leakage).toBe('warning');
  });

  test('the config mirrors the data layer: the same calendar parts and leakage thresholds', () => {
    expect([...dateTimePartNames]).toEqual([...dateTimeParts]);
    expect(leakageThresholdsOf(parse(base()))).toEqual({ ...defaultLeakageThresholds, auc: 0.99 });
  });
});

describe('cross-field rules', () => {
  test.each<[string, (c: MlopsConfigInput) => void, string]>([
    ['a time column that is not a datetime feature', (c) => (c.split = { time_column: 'amount' }), "split.time_column: 'amount' is a numeric feature; it must be a datetime feature ('signup', 'seen')"],
    ['a time column that is not a feature', (c) => (c.split = { time_column: 'id' }), "split.time_column: 'id' is not a feature; it must be a datetime feature ('signup', 'seen')"],
    [
      'streaming always with a time split',
      (c) => Object.assign(c, { split: { time_column: 'signup' }, training: { streaming: 'always' } }),
      "training.streaming: 'always' cannot split by time (split.time_column 'signup' needs every row's time before any is assigned a split)",
    ],
    ['a key column listed twice', (c) => (c.split = { key_columns: ['id', 'id'] }), "split.key_columns: repeats 'id'"],
    ['ISO dates with slashes', (c) => ((c.features[4] as { format: object }).format = { layout: 'iso', separator: '/' }), "features[4].format.separator: ISO 8601 dates use '-', not '/'"],
    ['an age relative to a numeric column', (c) => ((c.features[3] as { age: object }).age = { column: 'amount' }), "features[3].age.column: 'amount' is not a datetime feature; datetime features are 'seen'"],
    ['an age relative to itself', (c) => ((c.features[3] as { age: object }).age = { column: 'signup' }), "features[3].age.column: 'signup' is the feature itself"],
    ['an age reference that is not a date', (c) => ((c.features[4] as { age: object }).age = { time: 'next year' }), "features[4].age.time: 'next year' is not an ISO 8601 date or datetime"],
    ['no parts and no age', (c) => Object.assign(c.features[4]!, { parts: [], age: undefined }), 'features[4]: a datetime feature needs at least one of parts or age'],
    ['a part twice', (c) => ((c.features[4] as { parts: string[] }).parts = ['hour', 'hour']), "features[4].parts: repeats 'hour'"],
    ['a thousands separator that is the decimal mark', (c) => ((c.features[0] as { format: object }).format = { group: ',' }), "features[0].format.group: ',' is also the decimal mark (data.decimal)"],
    ['a datetime slice', (c) => (c.slices = ['signup']), "slices[0]: 'signup' is datetime; slices must be categorical columns"],
  ])('%s', (_name, change, message) => {
    expect(() => parse(base(change))).toThrow(ConfigError);
    expect(() => parse(base(change))).toThrow(message);
  });

  test.each<[string, (c: MlopsConfigInput) => void, RegExp]>([
    ['an unknown calendar part', (c) => ((c.features[4] as { parts: string[] }).parts = ['week']), /features\[4\]\.parts\[0\]/],
    ['an unknown date layout', (c) => ((c.features[4] as { format: object }).format = { layout: 'ydm', separator: '-' }), /features\[4\]\.format\.layout/],
    ['a decimal mark that is neither . nor ,', (c) => ((c.data as { decimal: string }).decimal = ';'), /data\.decimal/],
    ['an unknown leakage mode', (c) => ((c.validation as { leakage: string }).leakage = 'strict'), /validation\.leakage/],
    ['top_k of 0', (c) => ((c.features[2] as { top_k: number }).top_k = 0), /features\[2\]\.top_k/],
  ])('the schema refuses %s, naming the key', (_name, change, key) => {
    expect(() => parse(base(change))).toThrow(key);
  });
});
