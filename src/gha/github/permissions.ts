import { permissionScopes, type PermissionLevel, type PermissionScope, type Permissions } from '../state/schema.js';

/**
 * GITHUB_TOKEN permissions as GitHub computes them: the repository's default (restricted:
 * contents and packages read), replaced by a workflow's `permissions:`, replaced by a job's;
 * `read-all`/`write-all`/`{}` shorthands; a called workflow's jobs never above their caller's;
 * a pull request from a fork always read-only. And what each REST route needs.
 */

const levels: Record<PermissionLevel, number> = { none: 0, read: 1, write: 2 };

/** Every scope at one level. */
export function allScopes(level: PermissionLevel): Permissions {
  return Object.fromEntries(permissionScopes.map((scope) => [scope, scope === 'id-token' && level === 'read' ? 'none' : level])) as Permissions;
}

/** The repository default when a workflow sets no permissions. */
export function defaultPermissions(setting: 'read' | 'write'): Permissions {
  return setting === 'write' ? allScopes('write') : { contents: 'read', packages: 'read' };
}

/** A `permissions:` value (evaluated YAML) as a full map; unknown scopes are errors. */
export function parsePermissions(value: unknown, where: string): Permissions {
  if (value === 'read-all') return allScopes('read');
  if (value === 'write-all') return allScopes('write');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: permissions must be read-all, write-all or a mapping`);
  const out: Permissions = {};
  for (const [scope, level] of Object.entries(value)) {
    if (!(permissionScopes as readonly string[]).includes(scope)) throw new Error(`${where}: unknown permission scope '${scope}'`);
    if (level !== 'read' && level !== 'write' && level !== 'none') throw new Error(`${where}: permission ${scope} must be read, write or none`);
    if (scope === 'id-token' && level === 'read') throw new Error(`${where}: id-token can be write or none`);
    out[scope as PermissionScope] = level;
  }
  return out;
}

/** The level a token has for a scope. */
export function levelOf(permissions: Permissions, scope: PermissionScope): PermissionLevel {
  return permissions[scope] ?? 'none';
}

/** Whether `have` grants `need`. */
export function grants(have: PermissionLevel, need: PermissionLevel): boolean {
  return levels[have] >= levels[need];
}

/** Scopes in `requested` above what `allowed` grants (a called workflow asking for more than its caller). */
export function escalations(requested: Permissions, allowed: Permissions): string[] {
  return permissionScopes
    .filter((scope) => levels[levelOf(requested, scope)] > levels[levelOf(allowed, scope)])
    .map((scope) => `${scope}: ${levelOf(requested, scope)} (allowed: ${levelOf(allowed, scope)})`);
}

/** Every write downgraded to read: a pull request from a fork. */
export function readOnly(permissions: Permissions): Permissions {
  return Object.fromEntries(
    Object.entries(permissions).map(([scope, level]) => [scope, level === 'write' ? (scope === 'id-token' ? 'none' : 'read') : level]),
  ) as Permissions;
}

/** What a REST request needs: one scope among `scopes` at `level`, or nothing (metadata). */
export interface RouteRequirement {
  scopes: PermissionScope[];
  level: PermissionLevel;
}

/** The permission a REST request needs, by GitHub's documentation for each endpoint family. */
export function routeRequirement(method: string, path: string): RouteRequirement | null {
  const write = method !== 'GET' && method !== 'HEAD';
  const level: PermissionLevel = write ? 'write' : 'read';
  const match = /^\/repos\/[^/]+\/[^/]+(\/.*)?$/.exec(path);
  if (!match) return null;
  const rest = match[1] ?? '';
  if (rest === '') return null;
  if (/^\/(releases|git|tags|branches|commits|contents|compare|zipball|tarball)(\/|$)/.test(rest)) return { scopes: ['contents'], level };
  if (/^\/deployments(\/|$)/.test(rest)) return { scopes: ['deployments'], level };
  if (/^\/issues\/(\d+\/)?comments(\/|$)/.test(rest) || /^\/issues\/comments\//.test(rest)) return { scopes: ['issues', 'pull-requests'], level };
  if (/^\/(issues|labels)(\/|$)/.test(rest)) return { scopes: ['issues'], level };
  if (/^\/pulls(\/|$)/.test(rest)) return { scopes: ['pull-requests'], level };
  if (/^\/actions(\/|$)/.test(rest)) return { scopes: ['actions'], level };
  if (/^\/pages(\/|$)/.test(rest)) return { scopes: ['pages'], level };
  if (/^\/environments(\/|$)/.test(rest)) return { scopes: ['actions'], level: 'read' };
  return { scopes: ['contents'], level };
}
