import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { grants, levelOf } from './permissions.js';
import type { GitHubService } from './service.js';
import { tokenFromAuthorization, type TokenGrant } from './tokens.js';

/**
 * The origin over git's smart HTTP protocol (`git http-backend` as a CGI program), at
 * `<server>/<owner>/<repo>(.git)`, the URL actions/checkout clones. The job token is checked as
 * GitHub checks it: reading needs `contents: read` (or nothing on a public repository), pushing
 * needs `contents: write`; who pushes reaches the origin's hooks through the environment.
 */

type Next = () => void;
interface GitRequest extends IncomingMessage {
  path: string;
  params?: Record<string, string>;
}

const gitPath = /^\/([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/** Express middleware serving the origin and forks. */
export function gitHttpMiddleware(service: GitHubService) {
  return (req: GitRequest, res: ServerResponse, next: Next): void => {
    const match = gitPath.exec(req.path);
    if (!match) return next();
    const [, owner, name, endpoint] = match as unknown as [string, string, string, string];
    const repo = service.store.state.repository;
    const repoDir =
      owner === repo.owner && name === repo.name ? service.store.paths.origin : join(service.store.paths.forks, `${owner}.git`);
    if (name !== repo.name || !existsSync(repoDir)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Repository not found.\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const pushing = endpoint === 'git-receive-pack' || url.searchParams.get('service') === 'git-receive-pack';
    const header = req.headers.authorization;
    const token = tokenFromAuthorization(header);
    const grant = token ? service.tokens.find(token) : undefined;
    if (token && !grant) return deny(res, 401, 'Invalid username or token. Password authentication is not supported for Git operations.');
    const isFork = repoDir !== service.store.paths.origin;
    if (pushing) {
      if (!grant) return deny(res, 401, 'Authentication required');
      if (isFork || !grants(levelOf(grant.permissions, 'contents'), 'write')) {
        service.log.push({ method: req.method ?? 'GET', path: req.path, status: 403, actor: grant.actor.login });
        return deny(res, 403, `Permission to ${owner}/${name}.git denied to ${grant.actor.login}.`);
      }
    } else if (repo.visibility === 'private' && (!grant || !grants(levelOf(grant.permissions, 'contents'), 'read'))) {
      return deny(res, grant ? 403 : 401, 'Repository not found.');
    }
    runBackend(req, res, repoDir, endpoint, url.search.slice(1), grant);
  };
}

function deny(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...(status === 401 ? { 'www-authenticate': 'Basic realm="GitHub"' } : {}) }).end(`${message}\n`);
}

function runBackend(req: GitRequest, res: ServerResponse, repoDir: string, endpoint: string, query: string, grant: TokenGrant | undefined): void {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: dirname(repoDir),
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${basename(repoDir)}/${endpoint}`,
    REQUEST_METHOD: req.method,
    QUERY_STRING: query,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_USER: grant?.actor.login ?? '',
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    ...(grant
      ? { GHA_PUSHER: grant.actor.login, GHA_PUSH_ADMIN: grant.kind === 'owner' ? '1' : '0', GHA_PUSH_BY_JOB_TOKEN: grant.kind === 'job' ? '1' : '0' }
      : {}),
  };
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.on('close', (code) => {
    if (!headersDone) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git http-backend failed (${code}): ${stderr}\n`);
      return;
    }
    res.end();
  });
}
