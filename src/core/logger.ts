/**
 * The small logging interface core code receives. Adapters map it to the CLI's stderr output,
 * to `@actions/core` (annotations) or to pino; core code never writes to the console itself.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string, where?: SourceLocation): void;
  error(message: string, where?: SourceLocation): void;
  /** Progress of a long step (rows read, epoch and loss); adapters may throttle or drop it. */
  progress(message: string): void;
  debug(message: string): void;
}

/** Where a problem is, for annotations (`::error file=…,line=…`). */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: string;
}

/** A logger that drops everything: for tests and library calls that want silence. */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
  progress: () => {},
  debug: () => {},
};

/** A logger that records every call, for tests that check what was reported. */
export function createRecordingLogger(): Logger & { lines: { level: string; message: string; where?: SourceLocation }[] } {
  const lines: { level: string; message: string; where?: SourceLocation }[] = [];
  const record = (level: string) => (message: string, where?: SourceLocation) => {
    lines.push(where ? { level, message, where } : { level, message });
  };
  return {
    lines,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    progress: record('progress'),
    debug: record('debug'),
  };
}
