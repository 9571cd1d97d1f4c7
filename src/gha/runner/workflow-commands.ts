/**
 * Workflow commands a step prints on stdout (`::error file=x,line=3::message`, `::add-mask::v`,
 * `::group::`…), as the runner interprets them. `set-output`, `save-state`, `set-env` and
 * `add-path` are disabled on GitHub (they print a deprecation error there); they are reported.
 */

/** An annotation a step produced. */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
}

/** What one output line means. */
export type CommandLine =
  | { kind: 'annotation'; annotation: Annotation }
  | { kind: 'mask'; value: string }
  | { kind: 'disabled'; command: string }
  | { kind: 'text'; text: string };

const commandPattern = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/;

function unescapeData(value: string): string {
  return value.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}
function unescapeProperty(value: string): string {
  return unescapeData(value).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

/** Interprets one line of a step's stdout. */
export function parseCommandLine(line: string): CommandLine {
  const match = commandPattern.exec(line);
  if (!match) return { kind: 'text', text: line };
  const [, command, props = '', data = ''] = match;
  if (command === 'error' || command === 'warning' || command === 'notice') {
    const properties = Object.fromEntries(
      props
        .split(',')
        .filter((p) => p.includes('='))
        .map((p) => [p.slice(0, p.indexOf('=')).trim(), unescapeProperty(p.slice(p.indexOf('=') + 1))]),
    );
    return {
      kind: 'annotation',
      annotation: {
        level: command,
        message: unescapeData(data),
        ...(properties.file ? { file: properties.file } : {}),
        ...(properties.line ? { line: Number(properties.line) } : {}),
      },
    };
  }
  if (command === 'add-mask') return { kind: 'mask', value: unescapeData(data) };
  if (command === 'set-output' || command === 'save-state' || command === 'set-env' || command === 'add-path') return { kind: 'disabled', command: command! };
  return { kind: 'text', text: line };
}

/** Replaces every masked value in a line with `***`. */
export function maskLine(line: string, masks: readonly string[]): string {
  let out = line;
  for (const secret of masks) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}
