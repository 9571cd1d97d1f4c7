/**
 * Errors the server answers with, as `{"error": {"code", "message", "field"?, "instance"?}}`.
 * Every problem a client can cause is a RequestError with a 4xx status; anything else is a bug,
 * answered with 500 and logged with its cause.
 */

/** Stable machine-readable kinds of request errors (also the `kind` label of the errors metric). */
export type RequestErrorCode =
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'unsupported_encoding'
  | 'body_too_large'
  | 'request_aborted'
  | 'invalid_body'
  | 'unknown_field'
  | 'empty_instances'
  | 'too_many_instances'
  | 'invalid_instance'
  | 'forbidden_key'
  | 'unknown_feature'
  | 'missing_feature'
  | 'wrong_type'
  | 'nested_value'
  | 'non_finite_number'
  | 'null_not_allowed'
  | 'string_too_long'
  | 'invalid_date'
  | 'unscorable_instance'
  | 'not_found'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'admin_disabled'
  | 'model_refused'
  | 'not_ready'
  | 'internal';

/** A problem with the request, located by field and instance when it has a location. */
export class RequestError extends Error {
  readonly status: number;
  readonly code: RequestErrorCode;
  /** The feature or body key at fault. */
  readonly field: string | undefined;
  /** 0-based index of the instance at fault. */
  readonly instance: number | undefined;

  constructor(status: number, code: RequestErrorCode, message: string, where: { field?: string; instance?: number } = {}) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.code = code;
    this.field = where.field;
    this.instance = where.instance;
  }
}

/** The JSON body of an error response. */
export interface ErrorBody {
  error: { code: RequestErrorCode; message: string; field?: string; instance?: number };
}

/** The response body for a RequestError. */
export function errorBody(error: RequestError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.field !== undefined) body.error.field = error.field;
  if (error.instance !== undefined) body.error.instance = error.instance;
  return body;
}

/** Errors thrown by express's body parser (body-parser/raw-body) carry a `type` and a status. */
interface BodyParserError {
  type?: unknown;
  status?: unknown;
  limit?: unknown;
}

/**
 * Maps a body-parser failure to a RequestError, or returns null for anything else. Its messages
 * are replaced: they can quote part of the body, and bodies are never echoed or logged.
 */
export function fromBodyParserError(error: unknown): RequestError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { type, status, limit } = error as BodyParserError;
  if (typeof type !== 'string' || typeof status !== 'number') return null;
  switch (type) {
    case 'entity.parse.failed':
      return new RequestError(400, 'invalid_json', 'The body is not valid JSON, or not a JSON object or array.');
    case 'entity.too.large':
      return new RequestError(413, 'body_too_large', `The body is larger than the limit of ${typeof limit === 'number' ? limit : '?'} bytes.`);
    case 'encoding.unsupported':
      return new RequestError(415, 'unsupported_encoding', 'Unsupported Content-Encoding: use gzip, deflate, br or none.');
    case 'charset.unsupported':
      return new RequestError(415, 'unsupported_media_type', 'Unsupported charset: send application/json in UTF-8.');
    case 'request.aborted':
      return new RequestError(400, 'request_aborted', 'The request was aborted before its body was complete.');
    case 'request.size.invalid':
      return new RequestError(400, 'invalid_body', 'The body is shorter or longer than its Content-Length.');
    default:
      return status >= 400 && status < 500 ? new RequestError(status, 'invalid_body', `The body could not be read (${type}).`) : null;
  }
}
