import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Logger } from '../core/logger.js';

/**
 * The server's structured logs: one JSON object per line (pino), ISO times and level names, on
 * stderr so that stdout carries only the line that says where the server listens. Writes are
 * asynchronous (buffered) so logging never blocks a request; the buffer is flushed at shutdown
 * and, by pino, at exit. What is logged is chosen field by field: request bodies, headers and
 * client-supplied strings never reach the log.
 */

export interface ServingLog {
  log: PinoLogger;
  /** Writes what is buffered (call at shutdown). */
  flush(): Promise<void>;
}

/** Creates the server's logger writing to a file descriptor (2: stderr) or a stream (tests). */
export function createServingLog(level: string, destination: number | DestinationStream = 2): ServingLog {
  const stream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: false, minLength: 0 }) : destination;
  const log = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  return {
    log,
    flush: () =>
      new Promise<void>((resolve) => {
        log.flush(() => resolve());
      }),
  };
}

/** The core Logger interface over pino, for core code the server calls (model loading, backends). */
export function coreLoggerFor(log: PinoLogger): Logger {
  const located = (where?: { file?: string; line?: number; column?: string }) => (where ? { where } : {});
  return {
    info: (message) => log.info(message),
    warn: (message, where) => log.warn(located(where), message),
    error: (message, where) => log.error(located(where), message),
    progress: (message) => log.debug(message),
    debug: (message) => log.debug(message),
  };
}
