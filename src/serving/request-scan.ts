import type { ServedFeature } from './api-schema.js';
import { RequestError } from './http-errors.js';
import { forbiddenKey, forbiddenKeys, invalidJson, nestedValue, tooManyInstances, unknownFeature, unknownField, type RequestLimits } from './request-validation.js';

/**
 * A pass over the raw bytes of a `/predict` body, before JSON.parse builds any object, that
 * stops at the first key or shape the request contract refuses. A request has a fixed shape —
 * an object, an optional `instances` array, instance objects of scalar values — so the scan
 * needs no stack: anything nested deeper, any key that is not a feature, any forbidden key
 * (`__proto__`, also written with escapes), the instance past the limit, ends it at once.
 *
 * Why: JSON.parse of a 1 MB body with 70,000 keys takes tens of milliseconds and builds an object
 * only to be refused; the scan refuses it after its first unknown key. What the scan lets
 * through is parsed and checked in full by the request parser (request-validation.ts); the scan
 * only ever refuses bodies that the parser would refuse too, so the contract stays one set of
 * rules. It does not check number syntax, string contents or anything after the top-level
 * object: JSON.parse does.
 */

const quote = 0x22;
const backslash = 0x5c;
const colon = 0x3a;
const comma = 0x2c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/** Scans a body; throws the RequestError of the first problem it finds, else returns. */
export type BodyScanner = (bytes: Uint8Array) => void;

/** Compiles the scanner for a model's features (same contract as compileRequestParser). */
export function compileBodyScanner(features: readonly ServedFeature[], limits: RequestLimits): BodyScanner {
  const byName = new Map(features.map((feature, index) => [feature.name, index]));
  const names = features.map((feature) => Buffer.from(feature.name, 'utf8'));
  const bareOnly = byName.has('instances');
  const count = features.length;

  return (bytes: Uint8Array): void => {
    const length = bytes.length;
    let i = 0;
    // The feature expected next: clients send instances with their keys in one order.
    let predicted = 0;

    const space = (at: number): number => {
      while (at < length) {
        const b = bytes[at]!;
        if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
        at++;
      }
      return at;
    };
    const expect = (at: number, byte: number): number => {
      if (bytes[at] !== byte) throw invalidJson();
      return at + 1;
    };
    /** The end of the string starting at `at` (a quote), past its closing quote. */
    const skipString = (at: number): number => {
      let from = at + 1;
      for (;;) {
        const end = bytes.indexOf(quote, from);
        if (end === -1) throw invalidJson();
        let backslashes = 0;
        while (bytes[end - 1 - backslashes] === backslash) backslashes++;
        if (backslashes % 2 === 0) return end + 1;
        from = end + 1;
      }
    };
    /** The feature index of the key string at `at`, or the decoded key when it is not a feature; and where it ends. */
    let keyEnd = 0;
    const readKey = (at: number): number | string => {
      if (bytes[at] !== quote) throw invalidJson();
      keyEnd = skipString(at);
      const start = at + 1;
      const end = keyEnd - 1;
      const expected = names[predicted];
      if (expected && expected.length === end - start) {
        let same = true;
        for (let k = 0; k < expected.length; k++) {
          if (bytes[start + k] !== expected[k]) {
            same = false;
            break;
          }
        }
        if (same) return predicted;
      }
      const raw = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
      let key: string;
      if (raw.includes(backslash)) {
        try {
          key = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + at, keyEnd - at).toString('utf8')) as string;
        } catch {
          throw invalidJson();
        }
      } else {
        key = raw.toString('utf8');
      }
      return byName.get(key) ?? key;
    };
    /** Skips one feature value; objects and arrays are refused. */
    const skipValue = (at: number, feature: number, instance: number): number => {
      const b = bytes[at];
      if (b === quote) return skipString(at);
      if (b === openBrace || b === openBracket) throw nestedValue(features[feature]!, b === openBracket ? [] : {}, instance);
      let end = at;
      while (end < length) {
        const c = bytes[end]!;
        if (c === comma || c === closeBrace || c === closeBracket || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
        end++;
      }
      if (end === at) throw invalidJson();
      return end;
    };
    /** Scans the members of an instance object whose `{` was just passed; returns the position after its `}`. */
    const scanInstance = (at: number, instance: number): number => {
      at = space(at);
      if (bytes[at] === closeBrace) return at + 1;
      for (;;) {
        const key = readKey(at);
        if (typeof key === 'string') throw forbiddenKeys.has(key) ? forbiddenKey(key, instance) : unknownFeature(features, key, instance);
        predicted = key + 1 < count ? key + 1 : 0;
        at = space(expect(space(keyEnd), colon));
        at = space(skipValue(at, key, instance));
        if (bytes[at] === comma) at = space(at + 1);
        else return expect(at, closeBrace);
      }
    };
    /** Scans the `instances` array starting at `at`; returns the position after its `]`. */
    const scanInstances = (at: number): number => {
      if (bytes[at] !== openBracket) {
        throw new RequestError(400, 'invalid_body', `"instances" must be an array of objects, not ${describeToken(bytes[at])}.`, { field: 'instances' });
      }
      at = space(at + 1);
      if (bytes[at] === closeBracket) return at + 1;
      for (let instance = 0; ; instance++) {
        if (instance >= limits.maxInstances) throw tooManyInstances(limits.maxInstances, null);
        if (bytes[at] !== openBrace) {
          throw new RequestError(400, 'invalid_instance', `Instance ${instance} must be an object of feature values, not ${describeToken(bytes[at])}.`, { instance });
        }
        predicted = 0;
        at = space(scanInstance(at + 1, instance));
        if (bytes[at] === comma) at = space(at + 1);
        else return expect(at, closeBracket);
      }
    };

    // A UTF-8 byte order mark is allowed (and dropped by the decoder).
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
    i = space(i);
    if (i === length) return;
    if (bytes[i] === openBracket) throw new RequestError(400, 'invalid_body', 'The body must be a JSON object, {"instances": [...]} or one instance, not an array.');
    if (bytes[i] !== openBrace) throw invalidJson();
    i = space(i + 1);
    if (bytes[i] === closeBrace) return;
    let sawInstances = false;
    let firstFeature: string | null = null;
    for (;;) {
      const key = readKey(i);
      const name = typeof key === 'number' ? features[key]!.name : key;
      i = space(expect(space(keyEnd), colon));
      if (forbiddenKeys.has(name)) throw forbiddenKey(name, sawInstances ? undefined : 0);
      if (!bareOnly && name === 'instances') {
        if (firstFeature !== null) throw unknownField(firstFeature);
        sawInstances = true;
        i = scanInstances(i);
      } else if (sawInstances) {
        throw unknownField(name);
      } else if (typeof key === 'string') {
        // Neither a feature nor `instances`: which form was meant is unknown, so the message names both.
        throw firstFeature === null ? unknownField(name) : unknownFeature(features, name, 0);
      } else {
        firstFeature ??= name;
        predicted = key + 1 < count ? key + 1 : 0;
        i = skipValue(i, key, 0);
      }
      i = space(i);
      if (bytes[i] === comma) i = space(i + 1);
      else {
        expect(i, closeBrace);
        return;
      }
    }
  };
}

/** What a JSON value starting with this byte is, for messages (the value itself is not parsed). */
function describeToken(byte: number | undefined): string {
  switch (byte) {
    case openBracket:
      return 'an array';
    case quote:
      return 'a string';
    case 0x6e:
      return 'null';
    case 0x74:
    case 0x66:
      return 'a boolean';
    case undefined:
      return 'nothing (the body ends)';
    default:
      return 'a number';
  }
}
