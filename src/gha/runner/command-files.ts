import { readFile } from 'node:fs/promises';
import { WorkflowError } from '../workflow/errors.js';

/**
 * The files a step writes to talk to the runner: GITHUB_OUTPUT and GITHUB_ENV (`name=value`
 * lines, or `name<<DELIMITER` … `DELIMITER` blocks for multi-line values), GITHUB_PATH (one
 * directory per line) and GITHUB_STEP_SUMMARY (Markdown). Parsed with the runner's rules: a
 * heredoc that never closes is an error, CRLF line ends are accepted.
 */

/** Parses `name=value` and `name<<DELIM` blocks. */
export function parseKeyValueFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (heredoc > 0 && (equals < 0 || heredoc < equals)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (delimiter === '') throw new WorkflowError(`${file}: empty delimiter for ${name}`);
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new WorkflowError(`${file}: the value of ${name} never ends (no line '${delimiter}')`);
      values[name] = value.join('\n');
    } else if (equals > 0) {
      values[line.slice(0, equals)] = line.slice(equals + 1);
    } else {
      throw new WorkflowError(`${file}: invalid line ${JSON.stringify(line)} (expected name=value or name<<DELIMITER)`);
    }
  }
  return values;
}

/** Reads and parses a key-value command file (missing: empty). */
export async function readKeyValueFile(path: string, label: string): Promise<Record<string, string>> {
  return parseKeyValueFile(await readFile(path, 'utf8').catch(() => ''), label);
}

/** Reads GITHUB_PATH: the directories a step added, in order. */
export async function readPathFile(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8').catch(() => ''))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
