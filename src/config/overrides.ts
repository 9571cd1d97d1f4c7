import { ConfigError } from '../core/errors.js';
import { describeJsonFileProblem, parseJsonText, type JsonFileProblem } from '../core/json-file.js';
import { formatZodIssues } from '../core/zod-issues.js';
import { checkConfigConsistency, configHash, type LoadedConfig } from './load.js';
import { configOverridesSchema, configSchema, type ConfigOverrides } from './schema.js';

/**
 * Config overrides for a hyperparameter sweep: each runner of a job matrix trains the same
 * config with a few `model.*` keys changed, e.g. `{"model.learning_rate": 0.001,
 * "model.hidden_units": [64, 32]}`. Only the `model` section may change, so every candidate is
 * trained and tested on the same data, split and gate, and their primary metrics compare.
 */

/** Top-level sections a sweep may change. */
export const overridableSections = ['model'] as const;

export { configOverridesSchema, type ConfigOverrides };

/**
 * Parses overrides text (a JSON object; empty text means none). Every problem is a ConfigError
 * that names `source` (the action input or file it came from).
 */
export function parseConfigOverrides(text: string, source = 'config-overrides'): ConfigOverrides {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  return parseJsonText(trimmed, source, configOverridesSchema, (problem) => overridesError(problem, source));
}

function overridesError(problem: JsonFileProblem, source: string): ConfigError {
  if (problem.kind === 'not-json') {
    return new ConfigError(`${source} is not valid JSON (${problem.detail}); expected an object such as {"model.learning_rate": 0.001}.`);
  }
  if (problem.kind === 'invalid' && problem.issues.some((issue) => issue.path.length === 0)) {
    return new ConfigError(`${source} must be a JSON object of dotted keys, such as {"model.learning_rate": 0.001}.`);
  }
  return new ConfigError(problem.kind === 'invalid' ? `${source} is invalid:\n${problem.detail}` : describeJsonFileProblem(problem));
}

/**
 * The loaded config with the overrides applied and validated again by the config schema; the
 * hash changes with them, so run workspaces record which variant trained the model.
 */
export function applyConfigOverrides(loaded: LoadedConfig, overrides: ConfigOverrides, source = 'config-overrides'): LoadedConfig {
  const keys = Object.keys(overrides);
  if (keys.length === 0) return loaded;
  const raw = structuredClone(loaded.config) as unknown as Record<string, unknown>;
  for (const key of keys.sort()) setDotted(raw, key.split('.'), overrides[key], source);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source} makes the config invalid:\n${formatZodIssues(parsed.error.issues)}`);
  const problems = checkConfigConsistency(parsed.data);
  if (problems.length > 0) throw new ConfigError(`${source} makes the config invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { ...loaded, config: parsed.data, hash: configHash(parsed.data) };
}

function setDotted(target: Record<string, unknown>, path: string[], value: unknown, source: string): void {
  let node = target;
  for (const [index, part] of path.entries()) {
    if (index === path.length - 1) {
      node[part] = value;
      return;
    }
    const next = node[part];
    if (next === undefined) {
      node[part] = {};
    } else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      throw new ConfigError(`${source}: ${path.slice(0, index + 1).join('.')} is not a section, so ${path.join('.')} cannot be set.`);
    }
    node = node[part] as Record<string, unknown>;
  }
}
