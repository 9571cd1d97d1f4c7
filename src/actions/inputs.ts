import * as core from '@actions/core';
import { z } from 'zod';
import { defaultConfigPath } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import { formatZodIssues } from '../core/zod-issues.js';

/**
 * Action inputs, read once through one zod schema per action whose keys are the input names
 * exactly as action.yml spells them (kebab-case). The runner passes each input as the
 * environment variable `INPUT_<NAME>` (upper-cased, spaces as `_`, dashes kept), with the
 * action.yml default filled in; an empty value means "not given", so the schema's default
 * (the same as action.yml's) applies.
 */

/** Reads one raw input; @actions/core's getInput by default. */
export type InputReader = (name: string) => string;

/** The environment variable the runner sets for an input name. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** A boolean input as YAML 1.2 core schema spells it (what core.getBooleanInput accepts). */
export const booleanInput = z
  .enum(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'], { message: "expected 'true' or 'false'" })
  .transform((value) => value.toLowerCase() === 'true');

/** A non-empty path or name input. */
export const textInput = z.string().min(1);

/** The inputs of every action that reads the config. */
export const configInputsSchema = z.strictObject({
  /** The config file, relative to the repository root. */
  config: textInput.default(defaultConfigPath),
});

/**
 * The inputs of every pipeline step: the config and the run workspace the steps share. Without
 * `work-dir`, the workspace is `.mlops/work` beside the config, as for the CLI.
 */
export const stepInputsSchema = configInputsSchema.extend({
  /** The run workspace, relative to the repository root. */
  'work-dir': textInput.optional(),
});
export type StepInputs = z.infer<typeof stepInputsSchema>;

/**
 * Reads every input named by the schema's keys and validates them together. A bad value is a
 * ConfigError naming the input as the workflow spells it.
 */
export function readInputs<S extends z.ZodObject>(schema: S, read: InputReader = (name) => core.getInput(name)): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = read(name).trim();
    if (value !== '') raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`Invalid action input:\n${formatZodIssues(parsed.error.issues).replace(/^ {2}- ([a-z0-9-]+):/gm, "  - input '$1':")}`);
  }
  return parsed.data;
}
