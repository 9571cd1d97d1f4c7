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

/** The outcome of reading or parsing JSON without throwing: the value, or why there is none. */
export type JsonFileResult<T> = { success: true; data: T } | { success: false; problem: JsonFileProblem };

/**
 * Reads a JSON file and validates it with a zod schema: the one way this codebase reads stored
 * JSON. Every failure goes through `toError`, so the caller decides the error type and wording.
 */
export async function readJsonFile<S extends z.ZodType>(
  path: string,
  schema: S,
  toError: (problem: JsonFileProblem) => Error,
): Promise<z.output<S>> {
  return unwrap(await safeReadJsonFile(path, schema), toError);
}

/** Parses and validates JSON text that came from `source` (a path, a URL, a command's output). */
export function parseJsonText<S extends z.ZodType>(
  text: string,
  source: string,
  schema: S,
  toError: (problem: JsonFileProblem) => Error,
): z.output<S> {
  return unwrap(safeParseJsonText(text, source, schema), toError);
}

/**
 * {@link readJsonFile} for callers to whom a bad file is a state rather than an error (a registry
 * index not written yet, a lock file its creator is still writing, no deployment recorded).
 */
export async function safeReadJsonFile<S extends z.ZodType>(path: string, schema: S): Promise<JsonFileResult<z.output<S>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { success: false, problem: { kind: 'missing', path } };
    return { success: false, problem: { kind: 'unreadable', path, detail: describeError(error) } };
  }
  return safeParseJsonText(text, path, schema);
}

/** {@link parseJsonText} returning the problem instead of throwing it. */
export function safeParseJsonText<S extends z.ZodType>(text: string, source: string, schema: S): JsonFileResult<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { success: false, problem: { kind: 'not-json', path: source, detail: describeError(error) } };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return { success: false, problem: { kind: 'invalid', path: source, issues: parsed.error.issues, detail: formatZodIssues(parsed.error.issues) } };
  }
  return { success: true, data: parsed.data };
}

function unwrap<T>(result: JsonFileResult<T>, toError: (problem: JsonFileProblem) => Error): T {
  if (!result.success) throw toError(result.problem);
  return result.data;
}
