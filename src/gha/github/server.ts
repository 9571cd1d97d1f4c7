import { simulation } from '@simulacrum/github-api-simulator';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiSubsetFile } from './openapi-subset.js';
import type { StateStore } from '../state/store.js';
import { resolveCommit } from './git.js';
import { gitHttpMiddleware } from './git-http.js';
import { grants, levelOf, routeRequirement } from './permissions.js';
import { actionsHandlers } from './rest-actions.js';
import { deploymentHandlers } from './rest-deployments.js';
import { issueHandlers, type PullRequestOpener } from './rest-issues.js';
import { oidcTokenFor, pagesHandlers } from './rest-pages.js';
import { releaseHandlers } from './rest-releases.js';
import { isImplementedRoute } from './routes.js';
import type { GitHubService, Handler, ServiceEvents, SimRequest, SimResponse } from './service.js';
import { tokenFromAuthorization, type TokenRegistry } from './tokens.js';

/**
 * The simulated GitHub's HTTP server on loopback: @simulacrum/github-api-simulator (every request
 * and every JSON response checked against GitHub's OpenAPI description; a response that does not
 * match the documented schema is answered 502) with this project's handlers over the persistent
 * state, the job-token checks in front of them, the origin over git's smart HTTP, the OIDC token
 * endpoint, and extra routes others add (the container registry's token service).
 */

type Next = () => void;
interface ExpressRequest extends IncomingMessage {
  path: string;
  method: string;
  headers: IncomingMessage['headers'];
}
interface ExpressResponse extends ServerResponse {
  locals: Record<string, unknown>;
  status(code: number): ExpressResponse;
  json(value: unknown): void;
}
type Middleware = (req: ExpressRequest, res: ExpressResponse, next: Next) => void;
interface Router {
  use(handler: Middleware): void;
  get(path: string, handler: Middleware): void;
  post(path: string, handler: Middleware): void;
  patch(path: string, handler: Middleware): void;
}

/**
 * Operations whose OpenAPI schemas the simulator's validator (ajv) cannot compile (GitHub's issue
 * schema has a `nullable` without a `type`): served straight from the handlers, without request
 * or response validation.
 */
const unvalidatedOperations: [method: 'get' | 'post' | 'patch', path: string, operation: string][] = [
  ['get', '/repos/:owner/:repo/issues', 'issues/list-for-repo'],
  ['post', '/repos/:owner/:repo/issues', 'issues/create'],
  ['get', '/repos/:owner/:repo/issues/:issue_number', 'issues/get'],
  ['patch', '/repos/:owner/:repo/issues/:issue_number', 'issues/update'],
];

/** Options of {@link startGitHubServer}. */
export interface GitHubServerOptions {
  store: StateStore;
  tokens: TokenRegistry;
  events?: ServiceEvents;
  openPullRequest?: PullRequestOpener;
  /** How refs resolve to commits (default: the state's origin). */
  resolveCommit?: (ref: string) => Promise<string | null>;
  /** More routes, mounted before the API (e.g. the registry's token service). */
  extraRoutes?: (router: Router, service: GitHubService) => void;
}

/** A running server. */
export interface RunningGitHubServer {
  url: string;
  service: GitHubService;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (a free port). */
export async function startGitHubServer(options: GitHubServerOptions): Promise<RunningGitHubServer> {
  const { store, tokens } = options;
  const service: GitHubService = {
    store,
    tokens,
    events: options.events ?? {},
    log: [],
    resolveCommit: options.resolveCommit ?? ((ref) => resolveCommit(store.paths.origin, ref)),
  };
  const openPullRequest: PullRequestOpener =
    options.openPullRequest ??
    (async () => {
      throw new Error('pull requests can only be opened through `gha pr open` here');
    });
  const handlers = {
    ...releaseHandlers(service),
    ...deploymentHandlers(service),
    ...issueHandlers(service, openPullRequest),
    ...actionsHandlers(service),
    ...pagesHandlers(service),
  };
  // An (empty) initialState is required: without one the simulator drops every handler, extended
  // ones included. Its own store-backed handlers never answer: the OpenAPI subset holds only the
  // operations implemented here, and `authorize` answers 501 for any other route.
  const apiSchema = await openApiSubsetFile(join(tmpdir(), 'mlops-gha-cache'));
  const app = withoutUnknownOperationWarnings(() => simulation({
    initialState: { users: [], organizations: [], repositories: [], branches: [], blobs: [] },
    apiSchema,
    extend: {
      extendRouter: (router: unknown) => {
        const r = router as Router;
        r.use(logRequests(service));
        r.use(gitHttpMiddleware(service) as unknown as Middleware);
        r.get('/_actions/oidc/token', oidcEndpoint(service));
        options.extraRoutes?.(r, service);
        r.use(authorize(service));
        for (const [method, path, operation] of unvalidatedOperations) r[method](path, serveDirectly(handlers[operation]!));
      },
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      openapiHandlers: () => handlers as any,
    },
  }));
  const server = await withoutUnknownOperationWarnings(() => (app.listen as (...args: unknown[]) => ReturnType<typeof app.listen>)(0, '127.0.0.1'));
  return { url: `http://127.0.0.1:${server.port}`, service, close: () => server.ensureClose() };
}

/**
 * Runs `start` without openapi-backend's "Unknown operationId" warnings: the simulator registers
 * its own handlers for operations outside the subset, whose routes `authorize` answers with 501,
 * so each warning is expected and would only bury the run's output. Other warnings pass.
 */
function withoutUnknownOperationWarnings<T>(start: () => T): T {
  const warn = console.warn;
  const restore = () => (console.warn = warn);
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Unknown operationId ')) return;
    warn(...args);
  };
  try {
    const result = start();
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  } catch (error) {
    restore();
    throw error;
  }
}

function serveDirectly(handler: Handler): Middleware {
  return (req, res) => {
    const request = req as unknown as SimRequest & { params: Record<string, string> };
    const c = { request: { params: request.params, query: request.query as Record<string, string> }, api: { mockResponseForOperation: () => ({ status: 200, mock: {} }) } };
    void handler(c, request, res as unknown as SimResponse).then((result) => {
      if (result && !res.headersSent) res.status(result.status).json(result.json);
    });
  };
}

function logRequests(service: GitHubService): Middleware {
  return (req, res, next) => {
    res.on('finish', () => {
      const grant = res.locals.grant as { actor: { login: string } } | undefined;
      service.log.push({ method: req.method, path: req.path, status: res.statusCode, actor: grant?.actor.login ?? null });
    });
    next();
  };
}

/** The job-token checks in front of the REST API, with an audit entry for every decision. */
function authorize(service: GitHubService): Middleware {
  return (req, res, next) => {
    if (req.path.startsWith('/simulation')) return next();
    const { owner, name, visibility } = service.store.state.repository;
    const prefix = `/repos/${owner}/${name}`;
    const inRepo = req.path === prefix || req.path.startsWith(`${prefix}/`);
    const rest = inRepo ? req.path.slice(prefix.length) : req.path;
    if (!inRepo || !isImplementedRoute(req.method, rest)) {
      res.status(inRepo || req.path.startsWith('/repos/') ? (inRepo ? 501 : 404) : 501).json({
        message: inRepo || !req.path.startsWith('/repos/') ? `The simulated GitHub does not implement ${req.method} ${req.path}` : 'Not Found',
      });
      return;
    }
    const token = tokenFromAuthorization(req.headers.authorization);
    const grant = token ? service.tokens.find(token) : undefined;
    if (token && !grant) {
      res.status(401).json({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    const need = routeRequirement(req.method, req.path);
    if (!grant) {
      if (need && (need.level === 'write' || visibility === 'private')) {
        res.status(need.level === 'write' ? 401 : 404).json({ message: need.level === 'write' ? 'Requires authentication' : 'Not Found' });
        return;
      }
      return next();
    }
    res.locals.grant = grant;
    const allowed = !need || need.scopes.some((scope) => grants(levelOf(grant.permissions, scope), need.level));
    service.store.state.audit.push({
      run_id: grant.runId,
      job: grant.job,
      actor: grant.actor.login,
      method: req.method,
      path: req.path,
      scope: need?.scopes.join('|') ?? 'metadata',
      level: need?.level ?? 'read',
      allowed,
      status: allowed ? 0 : 403,
    });
    if (!allowed) {
      res.status(403).json({ message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    next();
  };
}

/** ACTIONS_ID_TOKEN_REQUEST_URL: an OIDC token for a job whose token has `id-token: write`. */
function oidcEndpoint(service: GitHubService): Middleware {
  return (req, res) => {
    const token = tokenFromAuthorization(req.headers.authorization);
    const grant = token ? service.tokens.find(token) : undefined;
    if (!grant || levelOf(grant.permissions, 'id-token') !== 'write') {
      res.status(403).json({ message: 'The job does not have id-token: write' });
      return;
    }
    res.status(200).json({ value: oidcTokenFor(grant.value) });
  };
}
