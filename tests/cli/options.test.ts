import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/core/errors.js';
import { commonOptions, flag, oneOf, optionKind, parseArgsOptions, parseOptionValues, positiveInteger, text, texts } from '../../src/cli/options.js';

const schema = z.strictObject({
  ...commonOptions,
  port: text('p'),
  log: texts(),
  json: flag(),
  limit: positiveInteger(),
  task: oneOf(['binary', 'multiclass', 'regression']),
});

describe('options declared as zod schemas', () => {
  test.each([
    [flag(), 'boolean'],
    [text(), 'string'],
    [texts(), 'strings'],
    [positiveInteger(), 'string'],
    [oneOf(['a', 'b']), 'string'],
  ])('%# is read by parseArgs as %s', (option, kind) => {
    expect(optionKind(option)).toBe(kind);
  });

  test('give parseArgs its option table, short names included', () => {
    expect(parseArgsOptions(schema)).toEqual({
      config: { type: 'string', short: 'c' },
      quiet: { type: 'boolean', short: 'q' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string', short: 'p' },
      log: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      limit: { type: 'string' },
      task: { type: 'string' },
    });
  });

  test('give commands typed values with defaults filled', () => {
    const values = parseOptionValues(schema, { limit: '5', log: ['a.jsonl', 'b.jsonl'], task: 'binary' });
    expect(values).toEqual({ quiet: false, debug: false, help: false, json: false, log: ['a.jsonl', 'b.jsonl'], limit: 5, task: 'binary' });
    const limit: number | undefined = values.limit;
    expect(limit).toBe(5);
  });

  test.each([
    [{ limit: 'ten' }, "Invalid --limit 'ten': expected a positive whole number."],
    [{ limit: '0' }, "Invalid --limit '0': expected a positive whole number."],
    [{ task: 'ranking' }, "Invalid --task 'ranking': expected one of binary, multiclass, regression."],
  ])('refuse %j with a usage error naming the option and the value', (values, message) => {
    expect(() => parseOptionValues(schema, values)).toThrow(ConfigError);
    expect(() => parseOptionValues(schema, values)).toThrow(message);
    try {
      parseOptionValues(schema, values);
    } catch (error) {
      expect((error as ConfigError).exitCode).toBe(2);
    }
  });
});
