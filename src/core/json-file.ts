import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { describeError } from './errors.js';
import { formatZodIssues } from './zod-issues.js';

/**
 * Why a JSON file could not be used. Callers turn it into the error their user can act on (a
 * RegistryError naming the command to rerun, a ConfigError naming the option, ...).
 */
export type JsonFileProblem =
  | { kind: 'missing'; path: string }
  | { kind: 'unreadable'; path: string; detail: string }
  | { kind: 'not-json'; path: string; detail: string }
  | { kind: 'invalid'; path: string; issues: readonly z.core.$ZodIssue[]; detail: string };

/** One line describing a problem, for callers that only add context around it. */
export function describeJsonFileProblem(problem: JsonFileProblem): string {
  switch (problem.kind) {
    case 'missing':
      return `${problem.path} does not exist`;
    case 'unreadable':
      return `${problem.path} cannot be read (${problem.detail})`;
    case 'not-json':
      return `${problem.path} is not valid JSON (${problem.detail})`;
    case 'invalid':
      return `${problem.path} does not have the expected shape:\n${problem.detail}`;
  }
}

/**
 * Reads a JSON file and validates it with a zod schema: the one way this codebase reads stored
 * JSON. Every failure goes through `toError`, so the caller decides the error type and wording.
 */
export async function readJsonFile<S extends z.ZodType>(
  path: string,
  schema: S,
  toError: (problem: JsonFileProblem) => Error,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw toError({ kind: 'missing', path });
    throw toError({ kind: 'unreadable', path, detail: describeError(error) });
  }
  return parseJsonText(text, path, schema, toError);
}

/** Parses and validates JSON text that came from `source` (a path, a URL, a command's output). */
export function parseJsonText<S extends z.ZodType>(
  text: string,
  source: string,
  schema: S,
  toError: (problem: JsonFileProblem) => Error,
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw toError({ kind: 'not-json', path: source, detail: describeError(error) });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw toError({ kind: 'invalid', path: source, issues: parsed.error.issues, detail: formatZodIssues(parsed.error.issues) });
  }
  return parsed.data;
}
