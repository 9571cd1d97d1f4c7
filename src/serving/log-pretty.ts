import type { DestinationStream } from 'pino';

/**
 * Readable server logs for a terminal: pino's JSON lines rewritten as
 *
 *   10:24:37.123 INFO  POST /predict 200 1.23 ms  model_version=1.0.0 instances=1 req_id=4f…
 *   10:24:38.001 WARN  closing connections still open at the shutdown timeout  timeout_ms=10000
 *
 * Time (local), level, the message (for a request: method, route, status, latency), then the
 * other fields as key=value. The fields are the JSON log's, so nothing is logged on a terminal
 * that the JSON log would not carry. Why not pino-pretty: these few lines do what the server
 * needs, without a dependency and its worker-thread transport.
 */

const levelNames: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const levelColors: Record<string, string> = { TRACE: '90', DEBUG: '90', INFO: '32', WARN: '33', ERROR: '31', FATAL: '35' };
/** Fields shown in the head of a line, or never (pid: one process per terminal). */
const headFields = new Set(['time', 'level', 'msg', 'pid', 'hostname']);
const requestFields = new Set(['method', 'route', 'status', 'latency_ms']);

/** One log entry as a readable line (no newline). `color`: ANSI colors for the level and failed statuses. */
export function formatLogEntry(entry: Record<string, unknown>, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const level = typeof entry.level === 'string' ? entry.level.toUpperCase() : (levelNames[entry.level as number] ?? String(entry.level));
  const time = formatTime(entry.time);
  const isRequest = typeof entry.method === 'string' && typeof entry.route === 'string' && typeof entry.status === 'number';
  let head = typeof entry.msg === 'string' ? entry.msg : '';
  if (isRequest) {
    const status = entry.status as number;
    const latency = typeof entry.latency_ms === 'number' ? ` ${entry.latency_ms.toFixed(2)} ms` : '';
    head = `${entry.method as string} ${entry.route as string} ${status >= 400 ? paint(status >= 500 ? '31' : '33', String(status)) : status}${latency}${head === 'request' ? '' : ` (${head})`}`;
  }
  const rest = Object.entries(entry)
    .filter(([key]) => !headFields.has(key) && !(isRequest && requestFields.has(key)))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return `${paint('90', time)} ${paint(levelColors[level] ?? '0', level.padEnd(5))} ${head}${rest.length > 0 ? `  ${rest.join(' ')}` : ''}`;
}

/** A pino destination that writes readable lines to `out` (a line that is not JSON passes through unchanged). */
export function prettyDestination(out: { write(text: string): unknown }, color: boolean): DestinationStream {
  return {
    write(line: string) {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      out.write(typeof entry === 'object' && entry !== null ? `${formatLogEntry(entry as Record<string, unknown>, color)}\n` : line);
    },
  };
}

function formatTime(time: unknown): string {
  const date = typeof time === 'string' || typeof time === 'number' ? new Date(time) : null;
  if (!date || Number.isNaN(date.getTime())) return '--:--:--.---';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}
