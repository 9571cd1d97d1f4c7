import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * Command-line options declared as data: each command's options are one zod object whose keys
 * are the long option names. The schema gives the command typed values, and tells node:util's
 * parseArgs how to read each option (a flag, a value, a repeated value); a value the schema
 * refuses is a usage error (exit 2) that names the option.
 */

/** Single-letter aliases, attached to option schemas. */
const shortNames = z.registry<{ short: string }>();

function withShort<S extends z.ZodType>(schema: S, short: string | undefined): S {
  if (short !== undefined) shortNames.add(schema, { short });
  return schema;
}

/** `--name`: true when given, false otherwise. */
export function flag(short?: string) {
  return withShort(z.boolean().default(false), short);
}

/** `--name VALUE`: the text, or undefined when not given. */
export function text(short?: string) {
  return withShort(z.string().optional(), short);
}

/** `--name VALUE`, repeatable: every value in order ([] when not given). */
export function texts() {
  return z.array(z.string()).default([]);
}

/** `--name VALUE` where VALUE is one of `values`, or undefined when not given. */
export function oneOf<const T extends string>(values: readonly T[]) {
  return z.enum(values as [T, ...T[]], { message: `expected one of ${values.join(', ')}` }).optional();
}

/** `--name N` with N a whole number from 1 up, or undefined when not given. */
export function positiveInteger() {
  return z
    .string()
    .regex(/^[1-9][0-9]*$/, 'expected a positive whole number')
    .transform(Number)
    .optional();
}

/** The options every command accepts. */
export const commonOptions = {
  config: text('c'),
  quiet: flag('q'),
  debug: flag(),
  help: flag('h'),
};

type OptionKind = 'boolean' | 'string' | 'strings';

/** How parseArgs must read an option, from the type its schema expects as input. */
export function optionKind(schema: z.ZodType): OptionKind {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return optionKind(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodPipe) return optionKind(schema.in as z.ZodType);
  if (schema instanceof z.ZodBoolean) return 'boolean';
  if (schema instanceof z.ZodArray) return 'strings';
  return 'string';
}

/** The parseArgs option table of a command's schema. */
export function parseArgsOptions(schema: z.ZodObject): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    const kind = optionKind(field as z.ZodType);
    const short = shortNames.get(field as z.ZodType)?.short;
    options[name] = {
      type: kind === 'boolean' ? 'boolean' : 'string',
      ...(kind === 'strings' ? { multiple: true } : {}),
      ...(short !== undefined ? { short } : {}),
    };
  }
  return options;
}

/**
 * Validates the values parseArgs read against the command's schema. A refused value is a
 * ConfigError naming the option and the value given: "Invalid --limit 'ten': expected a positive
 * whole number."
 */
export function parseOptionValues<S extends z.ZodObject>(schema: S, values: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const given = values[name];
    const shown = typeof given === 'string' ? ` '${given}'` : Array.isArray(given) ? ` ${given.map((v) => `'${String(v)}'`).join(', ')}` : '';
    return `Invalid --${name}${shown}: ${issue.message}.`;
  });
  throw new ConfigError(lines.join('\n'));
}
