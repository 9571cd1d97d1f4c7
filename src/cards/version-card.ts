import { z } from 'zod';
import { renderModelCardMarkdown } from './card-markdown.js';
import { buildModelCard, validateModelCard, type ModelCard, type ModelCardInput } from './model-card.js';

/**
 * The card of a registered version in both forms: composed when the version is registered, and
 * read back (from a version folder, a release's assets) only through {@link modelCardSchema}.
 */

/** A version's card: the MCT v0.0.2 JSON (`card.json`, validated) and its Markdown (`card.md`). */
export interface VersionCard {
  card: ModelCard;
  markdown: string;
}

/** What a version's card is composed from. */
export interface VersionCardInput extends ModelCardInput {
  /** The primary metric of earlier versions, oldest first, for the card's trend chart. */
  history: readonly { version: string; value: number }[];
}

/**
 * Builds the card, checks it against the MCT v0.0.2 schema and renders its Markdown. The card is
 * built from validated inputs: an invalid card is a bug in `buildModelCard`, not a user error.
 */
export function composeVersionCard(input: VersionCardInput): VersionCard {
  const card = buildModelCard(input);
  const validation = validateModelCard(card);
  if (!validation.valid) {
    throw new Error(`The model card for ${input.version} does not match the MCT v0.0.2 schema: ${validation.errors.join('; ')}`);
  }
  const markdown = renderModelCardMarkdown({ card, lineage: input.lineage, evaluation: input.evaluation, gate: input.gate, history: input.history });
  return { card, markdown };
}

/**
 * A stored `card.json`, for `readJsonFile`: valid against the MCT v0.0.2 JSON schema (checked
 * by ajv, each violation one issue), typed as the card this codebase writes.
 */
export const modelCardSchema = z.custom<ModelCard>().superRefine((value, ctx) => {
  for (const error of validateModelCard(value).errors) ctx.addIssue({ code: 'custom', message: error });
});
