import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { formatLogEntry } from '../../src/serving/log-pretty.js';
import { commandLineLogOptions, createServingLog, logFormatFor } from '../../src/serving/log.js';

describe('logFormatFor', () => {
  test.each([
    { tty: true, env: {}, format: 'pretty' },
    { tty: false, env: {}, format: 'json' },
    { tty: undefined, env: {}, format: 'json' },
    { tty: true, env: { LOG_FORMAT: 'json' }, format: 'json' },
    { tty: false, env: { LOG_FORMAT: 'pretty' }, format: 'pretty' },
    { tty: true, env: { LOG_FORMAT: ' JSON ' }, format: 'json' },
    { tty: true, env: { LOG_FORMAT: '' }, format: 'pretty' },
  ])('terminal $tty, $env → $format', ({ tty, env, format }) => {
    expect(logFormatFor({ isTTY: tty }, env)).toBe(format);
  });

  test('another LOG_FORMAT is a usage error naming the values', () => {
    expect(() => logFormatFor({ isTTY: true }, { LOG_FORMAT: 'xml' })).toThrow(ConfigError);
    expect(() => logFormatFor({ isTTY: true }, { LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT must be json or pretty; got "xml".');
  });
});

/** Runs entries through the real pino logger in the pretty format and returns the lines written. */
function prettyLines(write: (log: ReturnType<typeof createServingLog>['log']) => void, color = false): string[] {
  let text = '';
  const { log } = createServingLog('debug', { format: 'pretty', destination: { write: (chunk: string) => void (text += chunk) }, color });
  write(log);
  return text.split('\n').filter((line) => line.length > 0);
}

const time = String.raw`\d\d:\d\d:\d\d\.\d{3}`;

describe('readable lines on a terminal', () => {
  test('a request: method, route, status and latency first, then the other fields', () => {
    const [line] = prettyLines((log) => log.info({ req_id: 'abc-1', method: 'POST', route: '/predict', status: 200, latency_ms: 1.234, model_version: '1.0.0', instances: 3 }, 'request'));
    expect(line).toMatch(new RegExp(`^${time} INFO  POST /predict 200 1\\.23 ms  req_id=abc-1 model_version=1\\.0\\.0 instances=3$`));
  });

  test('a refused or abandoned request names it', () => {
    const [refused, aborted] = prettyLines((log) => {
      log.info({ req_id: 'r', method: 'POST', route: '/predict', status: 400, latency_ms: 0.5, error: 'unknown_feature' }, 'request');
      log.info({ req_id: 'g', method: 'POST', route: '/predict', status: 499, latency_ms: 12 }, 'request aborted by the client');
    });
    expect(refused).toMatch(/ INFO {2}POST \/predict 400 0\.50 ms {2}req_id=r error=unknown_feature$/);
    expect(aborted).toMatch(/ POST \/predict 499 12\.00 ms \(request aborted by the client\) {2}req_id=g$/);
  });

  test('other entries: the message, then key=value (quoted when needed, objects as JSON); no pid', () => {
    const [listening, warning] = prettyLines((log) => {
      log.info({ url: 'http://127.0.0.1:8080', version: '1.0.0', settings: 'config /tmp/my project/mlops.config.yaml', allowed_hosts: ['a.example'] }, 'listening on http://127.0.0.1:8080');
      log.warn({ timeout_ms: 10_000 }, 'closing connections still open at the shutdown timeout');
    });
    expect(listening).toMatch(new RegExp(`^${time} INFO  listening on http://127\\.0\\.0\\.1:8080  url=http://127\\.0\\.0\\.1:8080 version=1\\.0\\.0 settings="config /tmp/my project/mlops\\.config\\.yaml" allowed_hosts=\\["a\\.example"\\]$`));
    expect(warning).toMatch(/ WARN {2}closing connections still open at the shutdown timeout {2}timeout_ms=10000$/);
    expect(listening).not.toContain('pid=');
  });

  test('colors mark the level and failed statuses only when asked', () => {
    const [plain] = prettyLines((log) => log.error({ method: 'GET', route: '/model', status: 503, latency_ms: 1 }, 'request'));
    const [colored] = prettyLines((log) => log.error({ method: 'GET', route: '/model', status: 503, latency_ms: 1 }, 'request'), true);
    expect(plain).not.toContain('\u001b[');
    expect(colored).toContain('\u001b[31mERROR\u001b[0m');
    expect(colored).toContain('\u001b[31m503\u001b[0m');
  });

  test('pino numeric levels and entries without a time are formatted too', () => {
    expect(formatLogEntry({ level: 40, msg: 'careful' }, false)).toBe('--:--:--.--- WARN  careful');
  });

  test('commandLineLogOptions: pretty lines to the terminal’s stream, colored unless NO_COLOR; JSON to file descriptor 2', () => {
    const terminal = { isTTY: true, write: () => true };
    expect(commandLineLogOptions(terminal, {})).toMatchObject({ format: 'pretty', color: true });
    expect(commandLineLogOptions(terminal, { NO_COLOR: '1' })).toMatchObject({ format: 'pretty', color: false });
    expect(commandLineLogOptions({ isTTY: false, write: () => true }, {})).toEqual({ format: 'json' });
  });
});
