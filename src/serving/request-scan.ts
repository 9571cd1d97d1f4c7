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
  const plan: ScanPlan = {
    features,
    byName: new Map(features.map((feature, index) => [feature.name, index])),
    names: features.map((feature) => new Uint8Array(Buffer.from(feature.name, 'utf8'))),
    bareOnly: features.some((feature) => feature.name === 'instances'),
    maxInstances: limits.maxInstances,
  };
  return (bytes) => new BodyScan(plan, bytes).body();
}

interface ScanPlan {
  features: readonly ServedFeature[];
  byName: ReadonlyMap<string, number>;
  /** Feature names as UTF-8 bytes, compared with keys without decoding them. */
  names: readonly Uint8Array[];
  bareOnly: boolean;
  maxInstances: number;
}

/** One scan: the bytes and a position. Methods return the position after what they read. */
class BodyScan {
  private readonly bytes: Uint8Array;
  private readonly length: number;
  /** Where the last key read ends (past its closing quote). */
  private keyEnd = 0;
  /** The feature expected next: clients send instances with their keys in one order. */
  private predicted = 0;

  constructor(
    private readonly plan: ScanPlan,
    input: Uint8Array,
  ) {
    // A plain Uint8Array view: element reads on it are cheaper than on a Buffer.
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.length);
    this.length = input.length;
  }

  /** Scans the whole body: the top-level object, a bare instance or the envelope. */
  body(): void {
    const { bytes, plan } = this;
    // A UTF-8 byte order mark is allowed (and dropped by the decoder).
    let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    i = this.space(i);
    if (i === this.length) return;
    if (bytes[i] === openBracket) throw new RequestError(400, 'invalid_body', 'The body must be a JSON object, {"instances": [...]} or one instance, not an array.');
    if (bytes[i] !== openBrace) throw invalidJson();
    i = this.space(i + 1);
    if (bytes[i] === closeBrace) return;
    let sawInstances = false;
    let firstFeature: string | null = null;
    for (;;) {
      const key = this.key(i);
      const name = typeof key === 'number' ? plan.features[key]!.name : key;
      i = this.space(this.expect(this.space(this.keyEnd), colon));
      if (forbiddenKeys.has(name)) throw forbiddenKey(name, sawInstances ? undefined : 0);
      if (!plan.bareOnly && name === 'instances') {
        if (firstFeature !== null) throw unknownField(firstFeature);
        sawInstances = true;
        i = this.instances(i);
      } else if (sawInstances) {
        throw unknownField(name);
      } else if (typeof key === 'string') {
        // Neither a feature nor `instances`: which form was meant is unknown, so the message names both.
        throw firstFeature === null ? unknownField(name) : unknownFeature(plan.features, name, 0);
      } else {
        firstFeature ??= name;
        i = this.value(i, key, 0);
      }
      i = this.space(i);
      if (bytes[i] === comma) i = this.space(i + 1);
      else {
        this.expect(i, closeBrace);
        return;
      }
    }
  }

  /** The `instances` array starting at `at`. */
  private instances(at: number): number {
    const bytes = this.bytes;
    if (bytes[at] !== openBracket) {
      throw new RequestError(400, 'invalid_body', `"instances" must be an array of objects, not ${describeToken(bytes[at])}.`, { field: 'instances' });
    }
    at = this.space(at + 1);
    if (bytes[at] === closeBracket) return at + 1;
    for (let instance = 0; ; instance++) {
      if (instance >= this.plan.maxInstances) throw tooManyInstances(this.plan.maxInstances, null);
      if (bytes[at] !== openBrace) {
        throw new RequestError(400, 'invalid_instance', `Instance ${instance} must be an object of feature values, not ${describeToken(bytes[at])}.`, { instance });
      }
      this.predicted = 0;
      at = this.space(this.instance(at + 1, instance));
      if (bytes[at] === comma) at = this.space(at + 1);
      else return this.expect(at, closeBracket);
    }
  }

  /** The members of an instance object whose `{` was just passed. */
  private instance(at: number, instance: number): number {
    const bytes = this.bytes;
    at = this.space(at);
    if (bytes[at] === closeBrace) return at + 1;
    for (;;) {
      const key = this.key(at);
      if (typeof key === 'string') throw forbiddenKeys.has(key) ? forbiddenKey(key, instance) : unknownFeature(this.plan.features, key, instance);
      // Compact JSON (no spaces) takes the short paths: this loop runs for every value of a batch.
      at = this.keyEnd;
      at = bytes[at] === colon ? at + 1 : this.expect(this.space(at), colon);
      if (bytes[at]! <= 0x20) at = this.space(at);
      at = this.value(at, key, instance);
      if (bytes[at]! <= 0x20) at = this.space(at);
      if (bytes[at] === comma) {
        at++;
        if (bytes[at]! <= 0x20) at = this.space(at);
      } else return this.expect(at, closeBrace);
    }
  }

  /** The feature index of the key string at `at`, else the decoded key; sets keyEnd. */
  private key(at: number): number | string {
    const bytes = this.bytes;
    if (bytes[at] !== quote) throw invalidJson();
    const start = at + 1;
    const predicted = this.predicted;
    const expected = this.plan.names[predicted];
    if (expected) {
      // The usual case, compared in one pass without decoding: the key is the feature expected next.
      const size = expected.length;
      let k = 0;
      while (k < size && bytes[start + k] === expected[k]) k++;
      if (k === size && bytes[start + size] === quote) {
        this.keyEnd = start + size + 1;
        this.predicted = predicted + 1 < this.plan.names.length ? predicted + 1 : 0;
        return predicted;
      }
    }
    this.keyEnd = this.string(at);
    const key = decodeKey(bytes, at, this.keyEnd);
    const index = this.plan.byName.get(key);
    if (index === undefined) return key;
    this.predicted = index + 1 < this.plan.names.length ? index + 1 : 0;
    return index;
  }

  /** Skips one feature value; objects and arrays are refused. */
  private value(at: number, feature: number, instance: number): number {
    const bytes = this.bytes;
    const b = bytes[at];
    if (b === quote) return this.string(at);
    if (b === openBrace || b === openBracket) throw nestedValue(this.plan.features[feature]!, b === openBracket ? [] : {}, instance);
    // A number, true, false or null: up to a comma, a bracket or whitespace (all at most 0x2c but
    // '+', which exponents use). Anything else stops the scan where JSON.parse will fail too.
    let end = at;
    while (end < this.length) {
      const c = bytes[end]!;
      if ((c <= comma && c !== 0x2b) || c === closeBrace || c === closeBracket) break;
      end++;
    }
    if (end === at) throw invalidJson();
    return end;
  }

  /** The end of the string starting at `at` (a quote), past its closing quote. */
  private string(at: number): number {
    const bytes = this.bytes;
    for (let end = at + 1; end < this.length; end++) {
      const b = bytes[end];
      if (b === quote) return end + 1;
      if (b === backslash) end++;
    }
    throw invalidJson();
  }

  private space(at: number): number {
    const bytes = this.bytes;
    while (at < this.length) {
      const b = bytes[at]!;
      if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
      at++;
    }
    return at;
  }

  private expect(at: number, byte: number): number {
    if (this.bytes[at] !== byte) throw invalidJson();
    return at + 1;
  }
}

/** The text of the key string from `start` (its opening quote) to `end` (past its closing quote). */
function decodeKey(bytes: Uint8Array, start: number, end: number): string {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + start + 1, end - start - 2);
  if (!raw.includes(backslash)) return raw.toString('utf8');
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8')) as string;
  } catch {
    throw invalidJson();
  }
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
