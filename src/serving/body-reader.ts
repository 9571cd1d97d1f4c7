import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { RequestError } from './http-errors.js';

/**
 * Reads request bodies with their limits enforced before and while reading, never after:
 *
 * - a `Content-Length` over the limit is refused at once (413), before a byte of body is read,
 *   and without `100 Continue` for a client that asked for it;
 * - a chunked or trickled body is cut the moment it passes the limit (413), counted after
 *   decompression too, so a decompression bomb stops at the limit;
 * - gzip, deflate and br bodies that are not valid (corrupt, truncated, empty) are the client's
 *   mistake (400), never an internal error;
 * - a client that hangs up is recorded as 499, not answered.
 *
 * A response sent while the request body is still coming (a refusal) closes the connection
 * instead of draining the rest of the body; see {@link closeAfterResponse}.
 */

/** Requests whose client waits for `100 Continue` (the server's `checkContinue` event); the reader sends it. */
const awaitingContinue = new WeakSet<IncomingMessage>();

/** Marks a request whose client sent `Expect: 100-continue`: 100 Continue is sent only when its body is read. */
export function markAwaitingContinue(req: IncomingMessage): void {
  awaitingContinue.add(req);
}

/** The status of a request whose client left before its body was complete (nginx's 499). */
export const clientClosedStatus = 499;

/** Decoders of the content codings body-parser accepts. */
const decoders: Record<string, (() => Transform) | null> = {
  '': null,
  identity: null,
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** 415 unless a `charset` parameter, when present, names UTF-8 (the only encoding of JSON we accept, RFC 8259). */
export function requireUtf8Charset(contentType: string | undefined): void {
  if (contentType === undefined) return;
  for (const parameter of contentType.split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const charset = parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new RequestError(415, 'unsupported_media_type', `Unsupported charset ${JSON.stringify(charset.slice(0, 40))}: send application/json in UTF-8.`);
    }
  }
}

/**
 * Reads the whole body (decompressed) into one buffer, or rejects with the RequestError the
 * client gets. `maxBytes` bounds both the bytes received and the bytes after decompression.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Buffer> {
  const coding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  const createDecoder = Object.hasOwn(decoders, coding) ? decoders[coding] : undefined;
  if (createDecoder === undefined) {
    return Promise.reject(new RequestError(415, 'unsupported_encoding', 'Unsupported Content-Encoding: use gzip, deflate, br or none.'));
  }
  const declared = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
  if (declared !== null && declared > maxBytes) {
    return Promise.reject(tooLarge(maxBytes, `announces ${declared} bytes (Content-Length)`));
  }
  if (awaitingContinue.delete(req)) res.writeContinue();

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let decoded = 0;
    let settled = false;
    const decoder = createDecoder?.() ?? null;

    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      if (decoder) {
        decoder.off('data', onDecoded);
        decoder.destroy();
      }
      if (error) {
        // What is still coming is discarded; a refusal's response closes the connection.
        req.resume();
        reject(error);
      } else {
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, decoded));
      }
    };
    const onDecoded = (chunk: Buffer) => {
      decoded += chunk.length;
      if (decoded > maxBytes) settle(tooLarge(maxBytes, decoder ? 'is larger once decompressed' : 'is larger'));
      else chunks.push(chunk);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) settle(tooLarge(maxBytes, 'is larger'));
      else if (decoder) decoder.write(chunk);
      else onDecoded(chunk);
    };
    const onEnd = () => {
      if (decoder) decoder.end();
      else settle(null);
    };
    const onClose = () => {
      if (!req.complete) settle(new RequestError(clientClosedStatus, 'request_aborted', 'The client closed the connection before its body was complete.'));
    };

    if (decoder) {
      decoder.on('data', onDecoded);
      decoder.on('end', () => settle(null));
      decoder.on('error', () => settle(new RequestError(400, 'invalid_encoding', `The body is not valid ${coding} data, as its Content-Encoding says: it is corrupt, truncated or empty.`)));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
  });
}

function tooLarge(maxBytes: number, what: string): RequestError {
  return new RequestError(413, 'body_too_large', `The body ${what}; the limit is ${maxBytes} bytes.`);
}

/** After a refusal, how long and how much of an unread body the server still accepts before it closes. */
const linger = { maxBytes: 256 * 1024, maxMs: 1000 };
const lingering = new WeakSet<Socket>();

/**
 * Makes the response close its connection (`Connection: close`) because the request's body was
 * not read to its end: draining it could mean reading gigabytes. Closing a socket while the
 * client is still sending makes the kernel reset the connection, and the client may lose the
 * answer; so the server first stops sending (FIN) and closes only when the client is done, at most
 * a second or 256 KiB of body later, as Go's net/http and nginx's lingering_close do.
 */
export function closeAfterResponse(res: ServerResponse): void {
  res.setHeader('connection', 'close');
  const socket = res.socket;
  if (!socket || lingering.has(socket)) return;
  lingering.add(socket);
  // Node's HTTP server ends a `Connection: close` response's socket with destroySoon(): the
  // only hook between the response and the close.
  socket.destroySoon = () => lingeringClose(socket, undefined, res.req);
}

/**
 * Ends a connection after what was written (`finalBytes`, when given), then closes it once the
 * client closes its side, a second passed, or 256 KiB more of the request's body (`req`) arrived.
 */
export function lingeringClose(socket: Socket, finalBytes?: string, req?: IncomingMessage): void {
  if (socket.destroyed) return;
  if (finalBytes === undefined) socket.end();
  else socket.end(finalBytes);
  let read = 0;
  const close = () => {
    clearTimeout(timer);
    req?.off('data', onData);
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    if (read > linger.maxBytes) close();
  };
  const timer = setTimeout(close, linger.maxMs);
  timer.unref();
  // Body bytes reach the request (the HTTP parser reads the socket itself).
  req?.on('data', onData);
  socket.once('end', close);
  socket.once('close', () => clearTimeout(timer));
}
