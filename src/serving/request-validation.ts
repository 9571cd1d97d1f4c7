import { z } from 'zod';
import { parseNumber } from '../data/row-schema.js';
import { dateTimeReader, describeDateTimeInput, type DateTimeReader } from '../model/datetime-transform.js';
import type { FeatureRecord } from '../model/preprocessing.js';
import type { ServedFeature } from './api-schema.js';
import { RequestError } from './http-errors.js';

/**
 * The `/predict` request contract, built from the served feature list (the same feature specs as
 * training, see served-model.ts). One set of rules, in two forms:
 *
 * - {@link predictRequestSchema}: the zod schema, published as JSON Schema at
 *   `/api/request-schema.json`;
 * - {@link compileRequestParser}: a hand-written parser with the same rules that runs on every
 *   request. It reports the first problem with its field and instance, and is several times
 *   faster than the generic schema on 1000-instance batches (tests check both accept and reject
 *   the same bodies).
 *
 * The rules:
 * - the body is `{"instances": [instance, ...]}` or one bare instance (an object without an
 *   `instances` key); no other top-level key;
 * - 1 to `maxInstances` instances (more: 413); each is an object with exactly the served features;
 * - numeric features take JSON numbers within float32 range (the model computes in float32;
 *   1e999 parses to Infinity and is refused); a string such as "NaN" or "12" is a type error;
 * - categorical features take strings of at most `maxStringLength` characters; an unknown value
 *   is served through the out-of-vocabulary slot (and counted by monitoring). A JSON number is
 *   accepted only when the vocabulary holds numeric strings (codes such as "1", "2"): it becomes
 *   its canonical string (`1` → "1", `1.50` → "1.5"); otherwise it is a type error;
 * - datetime features take a string in the column's date format (`date_format`) or ISO 8601;
 *   anything else is a 400 that names the expected format;
 * - null only for features whose training data had missing values (`nullable`), else 400; an
 *   absent feature is always 400;
 * - objects and arrays are never feature values; keys `__proto__`, `constructor` and `prototype`
 *   are refused anywhere, so a body can never reach an object's prototype.
 */

/** Limits on one request. */
export interface RequestLimits {
  maxInstances: number;
  maxStringLength: number;
}

/** Largest magnitude a float32 holds: larger numbers would reach the model as Infinity. */
export const float32Max = 3.4028234663852886e38;

/** Keys that could reach an object's prototype if the body were ever merged into an object. */
export const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether a vocabulary holds numbers written canonically ("1", "2.5"): then JSON numbers are accepted as those strings. */
export function acceptsNumbers(vocabulary: readonly string[] | undefined): boolean {
  return (vocabulary ?? []).some((value) => {
    const parsed = parseNumber(value);
    return typeof parsed === 'number' && String(parsed) === value;
  });
}

/** The zod schema of one instance. */
export function instanceSchema(features: readonly ServedFeature[], limits: RequestLimits): z.ZodType<Record<string, number | string | null>> {
  const shape: Record<string, z.ZodType<number | string | null>> = {};
  for (const feature of features) {
    let schema: z.ZodType<number | string>;
    // JSON Schema's maxLength counts characters (code points), as the parser does; zod's max counts UTF-16 units.
    const text = z
      .string()
      .refine((value) => characterCount(value) <= limits.maxStringLength, { message: `at most ${limits.maxStringLength} characters` })
      .meta({ maxLength: limits.maxStringLength });
    if (feature.type === 'numeric') {
      schema = z.number().min(-float32Max).max(float32Max);
    } else if (feature.type === 'datetime') {
      const read = dateReaderOf(feature);
      schema = text.refine((value) => !Number.isNaN(read(value)), { message: dateMessageOf(feature) });
    } else {
      schema = acceptsNumbers(feature.vocabulary) ? z.union([text, z.number().min(-float32Max).max(float32Max).transform(String)]) : text;
    }
    shape[feature.name] = feature.nullable ? schema.nullable() : schema;
  }
  return z.strictObject(shape).check((ctx) => {
    for (const key of Object.keys(ctx.value)) {
      if (forbiddenKeys.has(key)) ctx.issues.push({ code: 'custom', message: `forbidden key ${key}`, input: ctx.value, path: [key] });
    }
  }) as unknown as z.ZodType<Record<string, number | string | null>>;
}

/** The zod schema of a `/predict` body: the envelope or one bare instance. */
export function predictRequestSchema(features: readonly ServedFeature[], limits: RequestLimits): z.ZodType<{ instances: Record<string, number | string | null>[] } | Record<string, number | string | null>> {
  const instance = instanceSchema(features, limits);
  const envelope = z.strictObject({ instances: z.array(instance).min(1).max(limits.maxInstances) });
  return features.some((feature) => feature.name === 'instances') ? instance : z.union([envelope, instance]);
}

/** Parses a `/predict` body into feature records, or throws the RequestError of its first problem. */
export type RequestParser = (body: unknown) => FeatureRecord[];

interface CompiledFeature {
  name: string;
  numeric: boolean;
  nullable: boolean;
  numbersAccepted: boolean;
  /** Datetime features: reads the string (NaN when it is not a date). */
  date: DateTimeReader | null;
  /** Datetime features: the accepted form, for messages. */
  dateMessage: string | null;
}

/** The reader of a served datetime feature (its format, or ISO 8601 when the contract does not say). */
function dateReaderOf(feature: ServedFeature): DateTimeReader {
  return dateTimeReader(feature.date_format ?? { layout: 'iso', separator: '-', time: true });
}

function dateMessageOf(feature: ServedFeature): string {
  return `expected ${describeDateTimeInput(feature.date_format ?? { layout: 'iso', separator: '-', time: true })}`;
}

function compileFeature(feature: ServedFeature): CompiledFeature {
  const datetime = feature.type === 'datetime';
  return {
    name: feature.name,
    numeric: feature.type === 'numeric',
    nullable: feature.nullable,
    numbersAccepted: feature.type === 'categorical' && acceptsNumbers(feature.vocabulary),
    date: datetime ? dateReaderOf(feature) : null,
    dateMessage: datetime ? dateMessageOf(feature) : null,
  };
}

/**
 * Compiles the request parser for a feature list. The records it returns are the parsed body's
 * own objects (already checked to hold exactly the features, with categorical numbers converted),
 * so no copy is made per instance.
 */
export function compileRequestParser(features: readonly ServedFeature[], limits: RequestLimits): RequestParser {
  const compiled = features.map(compileFeature);
  const names = new Set(features.map((feature) => feature.name));
  const bareOnly = names.has('instances');
  const count = compiled.length;

  const parseInstance = (value: unknown, index: number): FeatureRecord => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new RequestError(400, 'invalid_instance', `Instance ${index} must be an object of feature values, not ${describeJson(value)}.`, { instance: index });
    }
    const record = value as Record<string, unknown>;
    let found = 0;
    for (let f = 0; f < count; f++) {
      const feature = compiled[f]!;
      const cell = record[feature.name];
      // JSON values are never undefined or functions: those are absent keys or inherited members.
      if (cell === undefined || typeof cell === 'function') continue;
      found++;
      if (typeof cell === 'number') {
        if (!(cell - cell === 0) || cell > float32Max || cell < -float32Max) {
          throw new RequestError(400, 'non_finite_number', `${where(index, feature.name)}: ${cell} is not a finite number within float32 range.`, { field: feature.name, instance: index });
        }
        if (!feature.numeric) {
          if (!feature.numbersAccepted) throw typeError(feature, cell, index);
          record[feature.name] = String(cell);
        }
      } else if (typeof cell === 'string') {
        if (feature.numeric) throw typeError(feature, cell, index);
        // A string has at least half as many characters as UTF-16 units: count only when it may be too long.
        if (cell.length > limits.maxStringLength) {
          const characters = characterCount(cell);
          if (characters > limits.maxStringLength) {
            throw new RequestError(400, 'string_too_long', `${where(index, feature.name)}: the value has ${characters} characters; at most ${limits.maxStringLength} are accepted.`, { field: feature.name, instance: index });
          }
        }
        if (feature.date !== null && Number.isNaN(feature.date(cell))) {
          throw new RequestError(400, 'invalid_date', `${where(index, feature.name)}: ${describeJson(cell)} is not a date: ${feature.dateMessage!}.`, { field: feature.name, instance: index });
        }
      } else if (cell === null) {
        if (!feature.nullable) {
          throw new RequestError(400, 'null_not_allowed', `${where(index, feature.name)}: null is not accepted (the model was trained without missing values for this feature).`, { field: feature.name, instance: index });
        }
      } else {
        throw typeError(feature, cell, index);
      }
    }
    let keys = 0;
    // Parsed JSON has only own keys; an inherited enumerable key (a polluted prototype) only makes
    // the counts differ, and checkKeys then refuses the instance. Counting stops past the features.
    for (const _key in record) if (++keys > count) break;
    if (found !== count || keys !== count) checkKeys(record, index);
    return record as FeatureRecord;
  };

  /** Names the first forbidden, unknown or missing key of an instance whose keys do not match the features. */
  const checkKeys = (record: Record<string, unknown>, index: number): never => {
    // Forbidden keys first: a body trying `__proto__` is told so, whatever else is wrong with it.
    for (const key in record) if (forbiddenKeys.has(key)) throw forbiddenKey(key, index);
    for (const key in record) if (!names.has(key)) throw unknownFeature(features, key, index);
    for (const feature of compiled) {
      if (!Object.hasOwn(record, feature.name)) {
        throw new RequestError(400, 'missing_feature', `${where(index, feature.name)}: missing; every feature is required${feature.nullable ? ' (send null for a missing value)' : ''}.`, { field: feature.name, instance: index });
      }
    }
    // Unreachable for JSON input: the counts differ only through one of the cases above.
    throw new RequestError(400, 'invalid_instance', `Instance ${index} does not match the features ${listNames(features)}.`, { instance: index });
  };

  return (body: unknown): FeatureRecord[] => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new RequestError(400, 'invalid_body', `The body must be a JSON object, {"instances": [...]} or one instance, not ${describeJson(body)}.`);
    }
    const object = body as Record<string, unknown>;
    if (bareOnly || !Object.hasOwn(object, 'instances')) {
      let empty = true;
      for (const key in object) {
        empty = false;
        if (forbiddenKeys.has(key)) throw forbiddenKey(key, 0);
      }
      if (empty) throw emptyBody();
      return [parseInstance(object, 0)];
    }
    for (const key in object) {
      if (forbiddenKeys.has(key)) throw forbiddenKey(key, undefined);
      if (key !== 'instances') throw unknownField(key);
    }
    const instances = object.instances;
    if (!Array.isArray(instances)) {
      throw new RequestError(400, 'invalid_body', `"instances" must be an array of objects, not ${describeJson(instances)}.`, { field: 'instances' });
    }
    if (instances.length === 0) throw new RequestError(400, 'empty_instances', '"instances" is empty: send at least one instance.', { field: 'instances' });
    if (instances.length > limits.maxInstances) throw tooManyInstances(limits.maxInstances, instances.length);
    const records = new Array<FeatureRecord>(instances.length);
    for (let i = 0; i < instances.length; i++) records[i] = parseInstance(instances[i], i);
    return records;
  };

}

function typeError(feature: CompiledFeature, cell: unknown, index: number): RequestError {
  const nested = typeof cell === 'object' && cell !== null;
  const expected = feature.numeric ? 'a number' : feature.numbersAccepted ? 'a string or a number' : feature.date !== null ? `a date string (${feature.dateMessage!})` : 'a string';
  return new RequestError(
    400,
    nested ? 'nested_value' : 'wrong_type',
    `${where(index, feature.name)}: expected ${expected}${feature.nullable ? ' or null' : ''}, got ${describeJson(cell)}.`,
    { field: feature.name, instance: index },
  );
}

// The errors below are shared with the body scanner (request-scan.ts), so both word a problem alike.

/** An object or array where a feature value belongs. */
export function nestedValue(feature: ServedFeature, cell: object, index: number): RequestError {
  return typeError(compileFeature(feature), cell, index);
}

/** A `__proto__`-style key, anywhere in the body. */
export function forbiddenKey(key: string, index: number | undefined): RequestError {
  return new RequestError(400, 'forbidden_key', `The key ${JSON.stringify(clip(key))} is not accepted anywhere in a request.`, index === undefined ? { field: key } : { field: key, instance: index });
}

/** A key of an instance that is not a feature. */
export function unknownFeature(features: readonly ServedFeature[], key: string, index: number): RequestError {
  return new RequestError(400, 'unknown_feature', `${where(index, key)}: not a feature of this model; features are ${listNames(features)}.`, { field: clip(key), instance: index });
}

/** A top-level key beside `instances`, or before any feature of a bare instance. */
export function unknownField(key: string): RequestError {
  return new RequestError(400, 'unknown_field', `Unknown top-level key ${JSON.stringify(clip(key))}: the body is {"instances": [...]} or one instance (GET /model lists the features).`, { field: clip(key) });
}

/** More instances than the limit; `count` when it is known (the scan stops at the first one too many). */
export function tooManyInstances(maxInstances: number, count: number | null): RequestError {
  const sent = count === null ? `More than ${maxInstances}` : String(count);
  return new RequestError(413, 'too_many_instances', `${sent} instances in one request; at most ${maxInstances} are accepted.`, { field: 'instances' });
}

/** A body that is not JSON (or not an object or array at its top, which body parsers call strict). */
export function invalidJson(detail = 'The body is not valid JSON, or not a JSON object or array.'): RequestError {
  return new RequestError(400, 'invalid_json', detail);
}

/** An empty body or object. */
export function emptyBody(): RequestError {
  return new RequestError(400, 'invalid_body', 'The body is empty: send {"instances": [...]} or one instance.');
}

/** Characters (Unicode code points) of a string: an emoji is one character, two UTF-16 units. */
export function characterCount(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

function where(index: number, field: string): string {
  return `instances[${index}].${clip(field)}`;
}

/** Keys come from the client: bound what is echoed back. */
function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function listNames(features: readonly ServedFeature[]): string {
  const names = features.map((feature) => feature.name);
  return names.length > 30 ? `${names.slice(0, 30).join(', ')}, … (${names.length} in all)` : names.join(', ');
}

/** A short description of a JSON value for messages, never quoting more than a few characters. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
