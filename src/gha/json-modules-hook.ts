/**
 * A module load hook that serves `.json` files imported without an import attribute as JSON
 * modules. GitHub's `@actions/workflow-parser` imports its schema as `import schema from
 * "./workflow-v1.0.min.json"`, which bundlers and vitest accept but plain Node refuses
 * (ERR_IMPORT_ASSERTION_TYPE_MISSING). Registered by main.ts before the parser is imported; it
 * changes nothing for imports that already say `with { type: 'json' }`.
 */

interface LoadContext {
  format?: string | null | undefined;
  importAttributes?: Record<string, string>;
  conditions?: string[];
}
type NextLoad = (url: string, context?: LoadContext) => Promise<unknown>;

/** The `load` hook (see node:module `register`). */
export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<unknown> {
  if (url.startsWith('file:') && url.endsWith('.json') && context.importAttributes?.type === undefined) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return nextLoad(url, context);
}
