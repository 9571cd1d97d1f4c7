import { createSign, randomUUID, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { takeFault } from '../github/faults.js';
import { grants, levelOf } from '../github/permissions.js';
import type { GitHubService } from '../github/service.js';
import { tokenFromAuthorization } from '../github/tokens.js';

/**
 * The registry's token service, the way ghcr.io authenticates: `docker login ghcr.io -u <actor>
 * --password-stdin` with the job token, then for each pull or push the registry sends the client
 * here for a bearer token whose `access` claim lists what the job token allows — pull with
 * `packages: read`, push with `packages: write`, and only for the repository's own package
 * (`<owner>/<repo>`, lower case). Signed RS256 with a key whose certificate the registry trusts
 * (`auth.token.rootcertbundle`).
 */

/** The service name the registry announces (the `aud` of tokens). */
export const registryService = 'ghcr.io';
/** The issuer the registry accepts. */
export const registryIssuer = 'simulated-github';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Issues a registry JWT. */
export function signRegistryToken(key: string, cert: string, subject: string, access: { type: string; name: string; actions: string[] }[]): string {
  const x5c = new X509Certificate(cert).raw.toString('base64');
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [x5c] }));
  const claims = base64url(JSON.stringify({ iss: registryIssuer, sub: subject, aud: registryService, exp: now + 600, nbf: now - 10, iat: now, jti: randomUUID(), access }));
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key);
  return `${header}.${claims}.${base64url(signature)}`;
}

/** The Express handler of GET /_registry/token. */
export function tokenHandler(service: GitHubService, keys: { key: string; cert: string }) {
  return (req: IncomingMessage & { query?: Record<string, unknown> }, res: ServerResponse & { status(code: number): { json(v: unknown): void } }): void => {
    const token = tokenFromAuthorization(req.headers.authorization);
    const grant = token ? service.tokens.find(token) : undefined;
    if (!grant) {
      res.status(401).json({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
      return;
    }
    const { owner, name } = service.store.state.repository;
    const own = `${owner}/${name}`.toLowerCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const access: { type: string; name: string; actions: string[] }[] = [];
    for (const scope of url.searchParams.getAll('scope')) {
      const [type, repository, actions] = scope.split(':');
      if (type !== 'repository' || !repository || !actions) continue;
      const allowed = actions.split(',').filter((action) => {
        if (grant.kind === 'owner') return true;
        if (repository !== own) return false;
        if (action === 'pull') return grants(levelOf(grant.permissions, 'packages'), 'read');
        if (action === 'push' || action === 'delete') return grants(levelOf(grant.permissions, 'packages'), 'write');
        return false;
      });
      const wantsPush = actions.split(',').includes('push');
      if (wantsPush && takeFault(service.store, 'registry-push', repository)) {
        res.status(503).json({ errors: [{ code: 'UNAVAILABLE', message: 'service unavailable (injected registry-push fault)' }] });
        return;
      }
      for (const action of actions.split(',')) {
        service.store.state.audit.push({ run_id: grant.runId, job: grant.job, actor: grant.actor.login, method: 'REGISTRY', path: `${repository}:${action}`, scope: 'packages', level: action === 'pull' ? 'read' : 'write', allowed: allowed.includes(action), status: 0 });
      }
      access.push({ type, name: repository, actions: allowed });
    }
    const jwt = signRegistryToken(keys.key, keys.cert, grant.actor.login, access);
    res.status(200).json({ token: jwt, access_token: jwt, expires_in: 600, issued_at: new Date().toISOString() });
  };
}
