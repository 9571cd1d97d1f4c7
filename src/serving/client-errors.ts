import { STATUS_CODES } from 'node:http';
import { errorBody, RequestError } from './http-errors.js';

/**
 * Errors Node's HTTP layer reports on a connection (the server's `clientError` event): a request
 * that timed out (`headersTimeout`, `requestTimeout`), a head or chunked body the parser refused,
 * a connection reset. The server answers them itself, so that the client gets the usual JSON
 * error body and the logs and metrics record what it got (Node's own answer is a bare status
 * line that nothing records).
 */

/** The answer to a `clientError`, or null when there is no one to answer (the connection broke). */
export function clientErrorAnswer(code: string | undefined): RequestError | null {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RequestError(408, 'request_timeout', 'The request was not received in time: send the headers and the body without pausing.');
    case 'HPE_HEADER_OVERFLOW':
      return new RequestError(431, 'header_fields_too_large', 'The request headers are too large.');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new RequestError(413, 'body_too_large', 'The chunk extensions of the body are too large.');
    // The client closed its side in the middle of a request: it is gone (499), whatever is sent now.
    case 'HPE_INVALID_EOF_STATE':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ETIMEDOUT':
    case 'ERR_STREAM_DESTROYED':
    case undefined:
      return null;
    default:
      // HPE_* codes: the head or a chunk of the body is not valid HTTP/1.1.
      return code.startsWith('HPE_') ? new RequestError(400, 'bad_request', 'The request is not valid HTTP/1.1.') : null;
  }
}

/** A complete HTTP/1.1 response with the JSON error body, for a connection that has no response object. */
export function rawErrorResponse(error: RequestError): string {
  const body = JSON.stringify(errorBody(error));
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
