import type { StateStore } from '../state/store.js';
import type { Actor, StoredRelease } from '../state/schema.js';
import type { TokenGrant, TokenRegistry } from './tokens.js';

/**
 * What every part of the simulated GitHub's HTTP side shares: the state, the live tokens, the
 * request log, and the callbacks through which the API tells the runner that something it does
 * starts a workflow (a dispatch, a release published by a person).
 */

/** One answered request. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  actor: string | null;
}

/** Events the API raises for the runner. */
export interface ServiceEvents {
  /**
   * POST …/actions/workflows/{id}/dispatches: the runner checks the workflow and its inputs at
   * the ref and queues the run; a returned string is the 422 message.
   */
  workflowDispatch?(request: { workflow: string; ref: string; inputs: Record<string, unknown>; actor: Actor }): Promise<string | null>;
  /** A release was published (by anyone; the runner ignores those of the job token). */
  releasePublished?(release: StoredRelease, actor: Actor): void;
}

/** The shared service. */
export interface GitHubService {
  store: StateStore;
  tokens: TokenRegistry;
  events: ServiceEvents;
  log: RequestLogEntry[];
  /** Resolves a ref or sha in the origin to a commit sha, or null. */
  resolveCommit(ref: string): Promise<string | null>;
}

/** Minimal request/response shapes of the simulator's Express app used by the handlers. */
export interface SimRequest {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
}
export interface SimResponse {
  status(code: number): SimResponse;
  json(value: unknown): void;
  send(value: unknown): void;
  set(name: string, value: string): SimResponse;
  setHeader(name: string, value: string): void;
  locals: Record<string, unknown>;
  headersSent: boolean;
}
// GitHub's example objects are open-ended JSON: handlers overlay state on them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
/** The openapi-backend context simulacrum passes to handlers. */
export interface HandlerContext {
  request: { params: Record<string, string>; query: Record<string, string | string[] | undefined> };
  api: { mockResponseForOperation(id: string): { status: number; mock: Any } };
}
export type Handler = (c: HandlerContext, req: SimRequest, res: SimResponse) => Promise<{ status: number; json: unknown } | void>;
export type HandlerTable = Record<string, Handler>;

/** The token grant the auth middleware attached to a request (undefined: anonymous). */
export function grantOf(res: SimResponse): TokenGrant | undefined {
  return res.locals.grant as TokenGrant | undefined;
}

/** Who is acting: the token's actor, or the anonymous public. */
export function actorOf(res: SimResponse): Actor {
  return grantOf(res)?.actor ?? { login: 'ghost', type: 'User' };
}

/** A GitHub-shaped 404. */
export function notFound(res: SimResponse): void {
  res.status(404).json({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
}

/** A GitHub-shaped 422. */
export function validationFailed(res: SimResponse, errors: unknown[], message = 'Validation Failed'): void {
  res.status(422).json({ message, errors, documentation_url: 'https://docs.github.com/rest' });
}

/** ISO time now. */
export const now = (): string => new Date().toISOString();

/** The API base of a request (`http://127.0.0.1:port`) and the repository paths under it. */
export function urls(c: HandlerContext, req: SimRequest): { api: string; repo: string; web: string } {
  const host = `http://${String(req.headers.host)}`;
  const { owner, repo } = c.request.params;
  return { api: host, repo: `${host}/repos/${owner}/${repo}`, web: `${host}/${owner}/${repo}` };
}

/** Reads a paginated slice and sets the Link header, as GitHub does. */
export function paginate<T>(c: HandlerContext, req: SimRequest, res: SimResponse, items: readonly T[]): T[] {
  const perPage = Math.max(1, Math.min(100, Number(c.request.query.per_page ?? 30)));
  const page = Math.max(1, Number(c.request.query.page ?? 1));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  if (page * perPage < items.length) {
    const params = new URLSearchParams({ ...(c.request.query as Record<string, string>), per_page: String(perPage), page: String(page + 1) });
    res.set('link', `<http://${String(req.headers.host)}${req.path}?${params.toString()}>; rel="next"`);
  }
  return slice;
}

/** A mock object for an operation, as GitHub documents it (the base every response starts from). */
export function mockOf(c: HandlerContext, operation: string): Any {
  return structuredClone(c.api.mockResponseForOperation(operation).mock);
}

/**
 * The user object GitHub embeds for an actor (the "Simple User" schema, with GitHub's URL
 * patterns; built here because the users/* operations are not part of the simulated API).
 */
export function userJson(actor: Actor): Any {
  const id = actor.type === 'Bot' ? 41898282 : 1000 + [...actor.login].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  const api = `https://api.github.com/users/${encodeURIComponent(actor.login)}`;
  return {
    login: actor.login,
    id,
    node_id: `MDQ6VXNlcj${Buffer.from(String(id)).toString('base64')}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: actor.type === 'Bot' ? `https://github.com/apps/${encodeURIComponent(actor.login.replace(/\[bot\]$/, ''))}` : `https://github.com/${encodeURIComponent(actor.login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: actor.type,
    site_admin: false,
  };
}
