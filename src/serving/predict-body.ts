import type { FeatureRecord } from '../model/preprocessing.js';
import type { ServedFeature } from './api-schema.js';
import { RequestError } from './http-errors.js';
import { compileBodyScanner } from './request-scan.js';
import { compileRequestParser, emptyBody, invalidJson, type RequestLimits } from './request-validation.js';

/**
 * The `/predict` body, from bytes to feature records: UTF-8 only (RFC 8259; a UTF-16 or UTF-32
 * body is 415, bytes that are not UTF-8 are 400), the raw-byte scan that refuses unknown and
 * forbidden keys, nesting and extra instances before any object is built (request-scan.ts), then
 * JSON.parse and the request parser (request-validation.ts).
 */

/** Parses a body's bytes into feature records, or throws the RequestError of its first problem. */
export type PredictBodyParser = (bytes: Uint8Array) => FeatureRecord[];

/** Compiles the body parser of a model's features. */
export function compilePredictBodyParser(features: readonly ServedFeature[], limits: RequestLimits): PredictBodyParser {
  const scan = compileBodyScanner(features, limits);
  const parse = compileRequestParser(features, limits);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return (bytes) => {
    if (bytes.length === 0) throw emptyBody();
    if (looksUtf16or32(bytes)) {
      throw new RequestError(415, 'unsupported_media_type', 'The body looks like UTF-16 or UTF-32: send application/json in UTF-8.');
    }
    scan(bytes);
    return parse(parseUtf8Json(bytes, utf8));
  };
}

/**
 * A body's JSON value, decoded as strict UTF-8 (the /predict and /feedback contract); invalid
 * UTF-8 or JSON is the client's mistake (400 invalid_json). `invalidJsonMessage` replaces the
 * default wording for a JSON syntax error.
 */
export function parseUtf8Json(bytes: Uint8Array, utf8 = new TextDecoder('utf-8', { fatal: true }), invalidJsonMessage?: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw invalidJson('The body is not valid UTF-8: send application/json in UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalidJson(invalidJsonMessage);
  }
}

/**
 * Whether a body starts like UTF-16 or UTF-32 JSON: a byte order mark of either, or a zero byte
 * among the first two (JSON starts with an ASCII character, RFC 4627 §3).
 */
export function looksUtf16or32(bytes: Uint8Array): boolean {
  const [a, b] = bytes;
  return (a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff) || a === 0 || (bytes.length > 1 && b === 0);
}
