/**
 * Errors the server answers with, as `{"error": {"code", "message", "field"?, "instance"?}}`.
 * Every problem a client can cause is a RequestError with a 4xx status (499, nginx's "client
 * closed request", is recorded but never sent); anything else is a bug, answered with 500 and
 * logged with its cause.
 */

/** Stable machine-readable kinds of request errors (also the `kind` label of the errors metric). */
export type RequestErrorCode =
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'unsupported_encoding'
  | 'invalid_encoding'
  | 'body_too_large'
  | 'request_aborted'
  | 'request_timeout'
  | 'bad_request'
  | 'header_fields_too_large'
  | 'host_not_allowed'
  | 'too_many_requests'
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
  | 'empty_feedback'
  | 'too_many_labels'
  | 'feedback_disabled'
  | 'feedback_unavailable'
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

/**
 * Maps an error of Express or one of its helpers that carries a 4xx `status` (the http-errors
 * convention, e.g. a malformed path parameter) to a RequestError, or returns null for anything
 * else. The message is replaced: it could quote the request.
 */
export function fromHttpError(error: unknown): RequestError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code >= 500) return null;
  return new RequestError(code, 'bad_request', `The request could not be handled (HTTP ${code}).`);
}
