import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { formatZodIssues } from '../config/load.js';
import { ConfigError } from '../core/errors.js';

/**
 * action.yml as data: its schema (the part of GitHub's action metadata syntax these actions
 * use), and the README tables generated from it, so the documentation never drifts from the
 * inputs and outputs the runner actually knows.
 */

export const actionInputSchema = z.strictObject({
  description: z.string().min(1),
  required: z.boolean().optional(),
  default: z.string().optional(),
  deprecationMessage: z.string().optional(),
});

export const actionMetadataSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
  author: z.string().optional(),
  branding: z.record(z.string(), z.string()).optional(),
  inputs: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'input names are kebab-case'), actionInputSchema).default({}),
  outputs: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'output names are kebab-case'), z.strictObject({ description: z.string().min(1) })).default({}),
  runs: z.strictObject({ using: z.literal('node24'), main: z.string().regex(/^\.\.\/\.\.\/dist\/src\/actions\/[a-z-]+\.js$/), post: z.string().optional() }),
});
export type ActionMetadata = z.infer<typeof actionMetadataSchema>;

/** The actions of this repository: folder names under actions/. */
export const actionNames = ['validate', 'train', 'evaluate-gate', 'register', 'deploy', 'pr-comment'] as const;
export type ActionName = (typeof actionNames)[number];

/** Parses action.yml text. */
export function parseActionMetadata(text: string, source: string): ActionMetadata {
  const parsed = actionMetadataSchema.safeParse(parse(text));
  if (!parsed.success) throw new ConfigError(`${source} is not valid action metadata:\n${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** Reads `actions/<name>/action.yml` under the repository root. */
export async function readActionMetadata(repoRoot: string, name: string): Promise<ActionMetadata> {
  const path = join(repoRoot, 'actions', name, 'action.yml');
  return parseActionMetadata(await readFile(path, 'utf8'), path);
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** The inputs table: name, required, default, description. */
export function renderInputsTable(metadata: ActionMetadata): string {
  const rows = Object.entries(metadata.inputs).map(
    ([name, input]) => `| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${input.default ? `\`${cell(input.default)}\`` : ''} | ${cell(input.description)} |`,
  );
  return ['| Input | Required | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The outputs table: name, description. */
export function renderOutputsTable(metadata: ActionMetadata): string {
  const rows = Object.entries(metadata.outputs).map(([name, output]) => `| \`${name}\` | ${cell(output.description)} |`);
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n');
}

const sections = { inputs: renderInputsTable, outputs: renderOutputsTable } as const;

/**
 * The README with the text between `<!-- action-docs:inputs -->` and `<!-- /action-docs:inputs -->`
 * (and the same for outputs) replaced by the generated tables. A README without the markers is
 * an error: the tables must live somewhere the generator owns.
 */
export function syncReadmeTables(readme: string, metadata: ActionMetadata, source: string): string {
  let out = readme;
  for (const [section, render] of Object.entries(sections)) {
    const pattern = new RegExp(`(<!-- action-docs:${section} -->)[\\s\\S]*?(<!-- /action-docs:${section} -->)`);
    if (!pattern.test(out)) throw new ConfigError(`${source} lacks the <!-- action-docs:${section} --> … <!-- /action-docs:${section} --> markers.`);
    out = out.replace(pattern, (_match, start: string, end: string) => `${start}\n${render(metadata)}\n${end}`);
  }
  return out;
}
