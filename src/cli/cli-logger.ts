import type { Logger, SourceLocation } from '../core/logger.js';

/** Where the CLI writes: results to stdout, logs and progress to stderr. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

function formatLocation(where?: SourceLocation): string {
  if (!where) return '';
  const parts = [where.file, where.line !== undefined ? `line ${where.line}` : undefined, where.column !== undefined ? `column '${where.column}'` : undefined];
  const text = parts.filter(Boolean).join(', ');
  return text ? `${text}: ` : '';
}

/**
 * The CLI's logger: plain lines on stderr. Progress overwrites one line on a terminal and is
 * printed as ordinary lines otherwise (CI logs keep every epoch).
 */
export function createCliLogger(io: CliIo, options: { quiet?: boolean; debug?: boolean } = {}): Logger {
  const tty = Boolean(io.stderr.isTTY);
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) {
      io.stderr.write('\r\u001b[2K');
      progressShown = false;
    }
  };
  const line = (text: string) => {
    clearProgress();
    io.stderr.write(`${text}\n`);
  };
  return {
    info: (message) => {
      if (!options.quiet) line(message);
    },
    warn: (message, where) => line(`warning: ${formatLocation(where)}${message}`),
    error: (message, where) => line(`error: ${formatLocation(where)}${message}`),
    progress: (message) => {
      if (options.quiet) return;
      if (tty) {
        io.stderr.write(`\r\u001b[2K${message}`);
        progressShown = true;
      } else {
        io.stderr.write(`${message}\n`);
      }
    },
    debug: (message) => {
      if (options.debug) line(`debug: ${message}`);
    },
  };
}
