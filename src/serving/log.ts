import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { prettyDestination } from './log-pretty.js';

/**
 * The server's structured logs, on stderr so that stdout carries only the line that says where
 * the server listens. Two formats of the same entries:
 *
 * - `json` (pino: one JSON object per line, ISO times, level names), for log collectors: the
 *   format whenever stderr is not a terminal, or with LOG_FORMAT=json. Writes are asynchronous
 *   (buffered) so logging never blocks a request; the buffer is flushed at shutdown and, by pino,
 *   at exit.
 * - `pretty` (log-pretty.ts), readable lines for a person at a terminal: the default when stderr
 *   is a terminal, or with LOG_FORMAT=pretty.
 *
 * What is logged is chosen field by field: request bodies, headers and client-supplied strings
 * never reach the log.
 */

export type LogFormat = 'json' | 'pretty';

export interface ServingLog {
  log: PinoLogger;
  /** Writes what is buffered (call at shutdown). */
  flush(): Promise<void>;
}

/**
 * The log format: LOG_FORMAT (`json` or `pretty`) when set, else `pretty` on a terminal and
 * `json` otherwise. Another LOG_FORMAT is a ConfigError.
 */
export function logFormatFor(stderr: { isTTY?: boolean }, env: NodeJS.ProcessEnv): LogFormat {
  const requested = env.LOG_FORMAT?.trim().toLowerCase();
  if (requested === undefined || requested === '') return stderr.isTTY ? 'pretty' : 'json';
  if (requested === 'json' || requested === 'pretty') return requested;
  throw new ConfigError(`LOG_FORMAT must be json or pretty; got ${JSON.stringify(env.LOG_FORMAT)}.`);
}

export interface ServingLogOptions {
  format?: LogFormat;
  /** A file descriptor (default 2: stderr) or a stream (tests; the pretty format writes to a stream). */
  destination?: number | DestinationStream;
  /** ANSI colors in the pretty format. */
  color?: boolean;
}

/**
 * Log options for a server started from a command line: the format {@link logFormatFor} picks;
 * pretty lines go to `stderr` (colored unless NO_COLOR is set), JSON to file descriptor 2.
 */
export function commandLineLogOptions(stderr: { isTTY?: boolean; write(text: string): unknown }, env: NodeJS.ProcessEnv): ServingLogOptions {
  const format = logFormatFor(stderr, env);
  if (format === 'json') return { format };
  return { format, destination: { write: (text: string) => void stderr.write(text) }, color: Boolean(stderr.isTTY) && !env.NO_COLOR };
}

/** Creates the server's logger. */
export function createServingLog(level: string, options: ServingLogOptions = {}): ServingLog {
  const { format = 'json', destination = 2, color = false } = options;
  let stream: DestinationStream;
  if (format === 'pretty') stream = prettyDestination(typeof destination === 'number' ? (destination === 1 ? process.stdout : process.stderr) : destination, color);
  else stream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: false, minLength: 0 }) : destination;
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
