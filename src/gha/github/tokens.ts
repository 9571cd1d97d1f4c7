import { randomBytes } from 'node:crypto';
import type { Actor, Permissions } from '../state/schema.js';
import { allScopes } from './permissions.js';

/**
 * Tokens of the simulated GitHub: one per job (the GITHUB_TOKEN, `ghs_…`, acting as
 * `github-actions[bot]` with the job's permissions, revoked when the job ends, as GitHub does)
 * and the owner's own token (a person with admin rights, for the tests' own requests).
 */

/** The identity of every GITHUB_TOKEN. */
export const actionsBot: Actor = { login: 'github-actions[bot]', type: 'Bot' };

/** What a token may do and on whose behalf. */
export interface TokenGrant {
  value: string;
  kind: 'job' | 'owner';
  actor: Actor;
  permissions: Permissions;
  runId: number | null;
  job: string | null;
}

/** The live tokens. */
export class TokenRegistry {
  private readonly tokens = new Map<string, TokenGrant>();
  private readonly anyToken: TokenGrant | null;

  /**
   * `open`: every non-empty token acts as the Actions bot with write on every scope (the unit
   * tests of single actions, which pass a made-up token); otherwise tokens must be issued.
   */
  constructor(options: { open?: boolean } = {}) {
    this.anyToken = options.open ? { value: '', kind: 'job', actor: actionsBot, permissions: allScopes('write'), runId: null, job: null } : null;
  }

  /** A job's GITHUB_TOKEN. */
  issueJobToken(options: { runId: number; job: string; permissions: Permissions }): TokenGrant {
    const grant: TokenGrant = { value: `ghs_${randomBytes(18).toString('hex')}`, kind: 'job', actor: actionsBot, ...options };
    this.tokens.set(grant.value, grant);
    return grant;
  }

  /** A token for the repository owner (admin). */
  issueOwnerToken(login: string): TokenGrant {
    const grant: TokenGrant = { value: `ghp_${randomBytes(18).toString('hex')}`, kind: 'owner', actor: { login, type: 'User' }, permissions: allScopes('write'), runId: null, job: null };
    this.tokens.set(grant.value, grant);
    return grant;
  }

  /** Ends a token (the job finished). */
  revoke(value: string): void {
    this.tokens.delete(value);
  }

  /** The grant of a token, or undefined when it is unknown or revoked. */
  find(value: string): TokenGrant | undefined {
    const grant = this.tokens.get(value);
    if (grant) return grant;
    return this.anyToken && value !== '' ? { ...this.anyToken, value } : undefined;
  }
}

/** The token of an Authorization header: `token X`, `Bearer X`, or Basic with the token as password. */
export function tokenFromAuthorization(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return null;
  if (/^(token|bearer)$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return null;
}
