import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { describeJsonFileProblem, parseJsonText, readJsonFile, safeParseJsonText, safeReadJsonFile, type JsonFileProblem } from '../../src/core/json-file.js';

const schema = z.object({ version: z.string(), rows: z.number().int() });

class ProblemError extends Error {
  constructor(readonly problem: JsonFileProblem) {
    super(describeJsonFileProblem(problem));
  }
}
const toError = (problem: JsonFileProblem): Error => new ProblemError(problem);

async function problemOf(promise: Promise<unknown>): Promise<JsonFileProblem> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemError);
  return (error as ProblemError).problem;
}

describe('readJsonFile', () => {
  test('returns the parsed value when the file matches the schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'json-file-'));
    const path = join(dir, 'ok.json');
    await writeFile(path, '{"version":"1.0.0","rows":3}');
    await expect(readJsonFile(path, schema, toError)).resolves.toEqual({ version: '1.0.0', rows: 3 });
  });

  test.each([
    ['missing', undefined, 'missing'],
    ['not json', '{"version":', 'not-json'],
    ['wrong shape', '{"version":"1.0.0","rows":"3"}', 'invalid'],
  ])('%s file → %s problem', async (_name, content, kind) => {
    const dir = await mkdtemp(join(tmpdir(), 'json-file-'));
    const path = join(dir, 'file.json');
    if (content !== undefined) await writeFile(path, content);
    const problem = await problemOf(readJsonFile(path, schema, toError));
    expect(problem.kind).toBe(kind);
    expect(problem.path).toBe(path);
  });

  test('an invalid file names the key that is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'json-file-'));
    const path = join(dir, 'file.json');
    await writeFile(path, '{"version":"1.0.0","rows":1.5}');
    const problem = await problemOf(readJsonFile(path, schema, toError));
    expect(describeJsonFileProblem(problem)).toMatch(/- rows: /);
  });

  test('a directory in place of the file is unreadable, not missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'json-file-'));
    const path = join(dir, 'sub');
    await mkdir(path);
    const problem = await problemOf(readJsonFile(path, schema, toError));
    expect(problem.kind).toBe('unreadable');
  });
});

describe('parseJsonText', () => {
  test('names the source in its problems', () => {
    expect(() => parseJsonText('[]', 'stdout of podman inspect', schema, toError)).toThrow(/stdout of podman inspect does not have the expected shape/);
  });
});

describe('safeReadJsonFile / safeParseJsonText', () => {
  test.each([
    ['a valid file', '{"version":"1.0.0","rows":3}', { success: true, data: { version: '1.0.0', rows: 3 } }],
    ['no file', undefined, { success: false, problem: { kind: 'missing' } }],
    ['not JSON', '{', { success: false, problem: { kind: 'not-json' } }],
    ['the wrong shape', '{"version":1}', { success: false, problem: { kind: 'invalid' } }],
  ])('%s: returns the same outcome readJsonFile throws, without throwing', async (_name, content, expected) => {
    const dir = await mkdtemp(join(tmpdir(), 'json-file-'));
    const path = join(dir, 'file.json');
    if (content !== undefined) await writeFile(path, content);
    const result = await safeReadJsonFile(path, schema);
    expect(result).toMatchObject(expected);
    if (!result.success) {
      expect(result.problem.path).toBe(path);
      expect((await problemOf(readJsonFile(path, schema, toError))).kind).toBe(result.problem.kind);
    }
  });

  test('an invalid text keeps its zod issues for callers that word them', () => {
    const result = safeParseJsonText('{"version":"1.0.0","rows":"3"}', 'GET /model', schema);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.problem).toMatchObject({ kind: 'invalid', path: 'GET /model' });
    expect(result.problem.kind === 'invalid' && result.problem.issues.map((issue) => issue.path)).toEqual([['rows']]);
  });
});
