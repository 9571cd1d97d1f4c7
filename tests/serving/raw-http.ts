import { connect, type Socket } from 'node:net';

/**
 * HTTP/1.1 over a bare TCP socket, for tests that need what fetch hides: announcing a body that
 * never comes, trickling chunks, hanging up half-way, seeing 100 Continue, `Connection: close`
 * and whether the server closed the connection.
 */

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  /** Interim (1xx) status lines seen before the final response. */
  interim: number[];
}

export interface RawConnection {
  socket: Socket;
  /** Writes bytes; resolves once the socket accepted them (false: the connection is gone). */
  write(data: string | Buffer): Promise<boolean>;
  /**
   * The first final response; rejects after `timeoutMs` (default 8 s) with what arrived so far.
   * `bodyless`: the answer to a HEAD request (its Content-Length describes a body not sent).
   */
  response(timeoutMs?: number, bodyless?: boolean): Promise<RawResponse>;
  /** Resolves when the server closed the connection; rejects after `timeoutMs` (default 8 s). */
  closed(timeoutMs?: number): Promise<void>;
  /** Resolves once the bytes received so far contain `text`; rejects after `timeoutMs` (default 8 s). */
  received(text: string, timeoutMs?: number): Promise<void>;
  /** Whether the connection is closed. */
  isClosed(): boolean;
  /** Body bytes written by {@link RawConnection.write} so far. */
  bytesWritten(): number;
}

/** Opens a connection to the server at `url` (http://host:port). */
export async function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = Buffer.alloc(0);
  let closed = false;
  let written = 0;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    notify();
  });
  // A reset after the response is the server closing on a client that is still sending.
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    notify();
  });

  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${what} within ${timeoutMs} ms; received so far:\n${received.toString('latin1').slice(0, 2000)}`));
      }, timeoutMs);
      const waiter = () => void attempt();
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
      attempt();
    });

  return {
    socket,
    write: (data) =>
      new Promise<boolean>((resolve) => {
        if (closed || socket.destroyed) return resolve(false);
        const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
        socket.write(data, (error) => {
          if (!error) written += length;
          resolve(!error);
        });
      }),
    response: (timeoutMs = 8000, bodyless = false) => waitFor(() => parseResponse(received, bodyless), timeoutMs, 'complete response'),
    closed: (timeoutMs = 8000) => waitFor(() => (closed ? true : undefined), timeoutMs, 'close by the server').then(() => undefined),
    received: (text, timeoutMs = 8000) => waitFor(() => (received.includes(text, 0, 'latin1') ? true : undefined), timeoutMs, JSON.stringify(text)).then(() => undefined),
    isClosed: () => closed,
    bytesWritten: () => written,
  };
}

/** Parses the first final response in `data`, or undefined while it is incomplete. */
function parseResponse(data: Buffer, bodyless: boolean): RawResponse | undefined {
  const interim: number[] = [];
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset, 'latin1');
    if (end === -1) return undefined;
    const head = data.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1]);
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    offset = end + 4;
    if (status >= 100 && status < 200) {
      interim.push(status);
      continue;
    }
    const length = bodyless ? 0 : Number(headers['content-length'] ?? 0);
    if (data.length < offset + length) return undefined;
    const text = data.subarray(offset, offset + length).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, headers, text, json, interim };
  }
}

/** The request head of a POST with the given headers (Host and the blank line included). */
export function requestHead(method: string, path: string, url: string, headers: Record<string, string | number>): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${new URL(url).host}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Sends body bytes (`chunk`, again and again, chunked-encoded when `chunked`) until the
 * connection closes or `maxBytes` were written, waiting `pauseMs` between writes (0: as fast as
 * the socket takes them). Resolves with the body bytes written.
 */
export async function pump(connection: RawConnection, options: { chunk: Buffer; chunked?: boolean; pauseMs?: number; maxBytes: number }): Promise<number> {
  const { chunk, chunked = false, pauseMs = 0, maxBytes } = options;
  const framed = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
  let sent = 0;
  while (sent < maxBytes && !connection.isClosed()) {
    if (!(await connection.write(framed))) break;
    sent += chunk.length;
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return sent;
}
