import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { actionNames, parseActionMetadata, renderInputsTable, syncReadmeTables } from '../../src/actions/metadata.js';
import { inputEnvName } from '../../src/actions/inputs.js';
import { repoRoot } from '../helpers/project.js';
import { inputVariable } from './harness.js';

const schemas: Record<string, () => Promise<z.ZodObject>> = {
  validate: async () => (await import('../../src/actions/validate.js')).validateInputsSchema,
  train: async () => (await import('../../src/actions/train.js')).trainInputsSchema,
  'evaluate-gate': async () => (await import('../../src/actions/evaluate-gate.js')).evaluateGateInputsSchema,
  register: async () => (await import('../../src/actions/register.js')).registerInputsSchema,
  deploy: async () => (await import('../../src/actions/deploy.js')).deployInputsSchema,
  'pr-comment': async () => (await import('../../src/actions/pr-comment.js')).prCommentInputsSchema,
};

const metadataOf = (name: string) => {
  const path = join(repoRoot, 'actions', name, 'action.yml');
  return parseActionMetadata(readFileSync(path, 'utf8'), path);
};

describe.each(actionNames)('actions/%s', (name) => {
  test('action.yml is valid metadata: node24, main in dist/, a description on every input and output', () => {
    const metadata = metadataOf(name);
    expect(metadata.runs).toEqual({ using: 'node24', main: `../../dist/src/actions/${name}.js` });
    expect(existsSync(join(repoRoot, 'actions', name, metadata.runs.main))).toBe(true);
    expect(existsSync(join(repoRoot, 'src/actions', `${name}.ts`))).toBe(true);
  });

  test('the zod input schema has exactly the inputs of action.yml, with the same defaults', async () => {
    const metadata = metadataOf(name);
    const schema = await schemas[name]!();
    expect(Object.keys(schema.shape).sort()).toEqual(Object.keys(metadata.inputs).sort());
    for (const [input, spec] of Object.entries(metadata.inputs)) {
      const field = schema.shape[input] as z.ZodType;
      if (spec.required) {
        expect(field.safeParse(undefined).success, `${input} is required`).toBe(false);
        continue;
      }
      const parsed = field.safeParse(undefined);
      expect(parsed.success, input).toBe(true);
      if (spec.default === undefined || spec.default === '' || spec.default.includes('${{')) continue;
      // The runner passes the action.yml default as text; the schema must read it as its own default.
      expect(field.parse(spec.default), input).toEqual((parsed as { data: unknown }).data);
    }
  });

  test('the entry sets exactly the outputs action.yml declares', () => {
    const metadata = metadataOf(name);
    const source = readFileSync(join(repoRoot, 'src/actions', `${name}.ts`), 'utf8');
    const set = new Set([...source.matchAll(/core\.setOutput\('([a-z0-9-]+)'/g)].map((m) => m[1]!));
    expect([...set].sort()).toEqual(Object.keys(metadata.outputs).sort());
  });

  test('the README tables are generated from action.yml (npm run docs:actions)', () => {
    const path = join(repoRoot, 'actions', name, 'README.md');
    const readme = readFileSync(path, 'utf8');
    expect(syncReadmeTables(readme, metadataOf(name), path)).toBe(readme);
    expect(readme).toContain(renderInputsTable(metadataOf(name)));
  });
});

test.each([
  ['work-dir', 'INPUT_WORK-DIR'],
  ['github-token', 'INPUT_GITHUB-TOKEN'],
  ['my input', 'INPUT_MY_INPUT'],
])('input %s is read from %s, as the runner names it', (name, variable) => {
  expect(inputEnvName(name)).toBe(variable);
  expect(inputVariable(name)).toBe(variable);
});

test('the top-level README lists every action', () => {
  const readme = readFileSync(join(repoRoot, 'actions/README.md'), 'utf8');
  for (const name of actionNames) expect(readme).toContain(`(${name}/README.md)`);
});
