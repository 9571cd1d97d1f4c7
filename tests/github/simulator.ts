import { simulation } from '@simulacrum/github-api-simulator';

/**
 * @simulacrum/github-api-simulator on loopback, extended with state for the routes the actions
 * use. The simulator routes every request through GitHub's OpenAPI description (the copy it
 * ships): a request whose path, query or body does not match the API is answered 400, and a
 * handler's JSON response that does not match the documented response schema is answered 502.
 * The handlers below therefore start from the API's own example object for each operation
 * (`mockResponseForOperation`) and overlay the state, so the shapes stay GitHub's.
 */

export interface StoredAsset {
  id: number;
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface StoredRelease {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  created_at: string;
  assets: StoredAsset[];
}

export interface StoredComment {
  id: number;
  issue_number: number;
  body: string;
  created_at: string;
  updated_at: string;
}

export interface StoredDeployment {
  id: number;
  ref: string;
  environment: string;
  payload: unknown;
  description: string | null;
  statuses: { id: number; state: string; description: string; environment_url?: string; log_url?: string }[];
}

export interface SimulatorState {
  releases: StoredRelease[];
  latestReleaseId: number | null;
  comments: StoredComment[];
  deployments: StoredDeployment[];
  pulls: Map<number, { headSha: string }>;
  /** Every request the simulator answered: method, path and status. */
  log: { method: string; path: string; status: number }[];
}

export interface RunningSimulator {
  url: string;
  state: SimulatorState;
  close(): Promise<void>;
}

interface HandlerContext {
  request: { params: Record<string, string>; query: Record<string, string | string[] | undefined> };
  api: { mockResponseForOperation(id: string): { status: number; mock: any } };
}
interface Req {
  body: any;
  headers: Record<string, string | undefined>;
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
}
interface Res {
  status(code: number): Res;
  json(value: unknown): void;
  send(value: unknown): void;
  set(name: string, value: string): Res;
  setHeader(name: string, value: string): void;
}
type Handler = (c: HandlerContext, req: Req, res: Res) => Promise<{ status: number; json: unknown } | void>;

const iso = () => new Date().toISOString();

/** Starts the simulator on 127.0.0.1 with an empty repository state. */
export async function startGitHubSimulator(): Promise<RunningSimulator> {
  const state: SimulatorState = { releases: [], latestReleaseId: null, comments: [], deployments: [], pulls: new Map(), log: [] };
  let nextId = 100;
  const id = () => ++nextId;
  const host = (req: Req) => `http://${req.headers.host}`;
  const repoUrl = (req: Req, c: HandlerContext) => `${host(req)}/repos/${c.request.params.owner}/${c.request.params.repo}`;
  const webUrl = (c: HandlerContext) => `https://github.com/${c.request.params.owner}/${c.request.params.repo}`;

  const releaseJson = (c: HandlerContext, req: Req, release: StoredRelease) => {
    const { mock } = c.api.mockResponseForOperation('repos/get-release');
    const base = repoUrl(req, c);
    return {
      ...mock,
      id: release.id,
      url: `${base}/releases/${release.id}`,
      assets_url: `${base}/releases/${release.id}/assets`,
      upload_url: `${base}/releases/${release.id}/assets{?name,label}`,
      html_url: `${webUrl(c)}/releases/tag/${release.tag_name}`,
      tag_name: release.tag_name,
      target_commitish: release.target_commitish,
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: release.prerelease,
      created_at: release.created_at,
      published_at: release.created_at,
      assets: release.assets.map((asset) => assetJson(c, req, release, asset)),
    };
  };
  const assetJson = (c: HandlerContext, req: Req, release: StoredRelease, asset: StoredAsset) => {
    const { mock } = c.api.mockResponseForOperation('repos/get-release-asset');
    return {
      ...mock,
      id: asset.id,
      url: `${repoUrl(req, c)}/releases/assets/${asset.id}`,
      browser_download_url: `${webUrl(c)}/releases/download/${release.tag_name}/${asset.name}`,
      name: asset.name,
      label: null,
      content_type: asset.contentType,
      size: asset.bytes.length,
      state: 'uploaded',
    };
  };
  const commentJson = (c: HandlerContext, req: Req, comment: StoredComment) => {
    const { mock } = c.api.mockResponseForOperation('issues/get-comment');
    return {
      ...mock,
      id: comment.id,
      body: comment.body,
      url: `${repoUrl(req, c)}/issues/comments/${comment.id}`,
      html_url: `${webUrl(c)}/pull/${comment.issue_number}#issuecomment-${comment.id}`,
      issue_url: `${repoUrl(req, c)}/issues/${comment.issue_number}`,
      created_at: comment.created_at,
      updated_at: comment.updated_at,
    };
  };
  const deploymentJson = (c: HandlerContext, req: Req, d: StoredDeployment) => {
    const { mock } = c.api.mockResponseForOperation('repos/get-deployment');
    return { ...mock, id: d.id, ref: d.ref, environment: d.environment, payload: d.payload, description: d.description, url: `${repoUrl(req, c)}/deployments/${d.id}` };
  };
  const statusJson = (c: HandlerContext, req: Req, d: StoredDeployment, s: StoredDeployment['statuses'][number]) => {
    const { mock } = c.api.mockResponseForOperation('repos/get-deployment-status');
    return {
      ...mock,
      id: s.id,
      state: s.state,
      description: s.description,
      environment: d.environment,
      ...(s.environment_url ? { environment_url: s.environment_url } : {}),
      ...(s.log_url ? { log_url: s.log_url, target_url: s.log_url } : {}),
      deployment_url: `${repoUrl(req, c)}/deployments/${d.id}`,
    };
  };
  const page = <T>(c: HandlerContext, req: Req, res: Res, items: T[], path: string): T[] => {
    const perPage = Math.min(100, Number(c.request.query.per_page ?? 30));
    const pageNumber = Number(c.request.query.page ?? 1);
    const slice = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
    if (pageNumber * perPage < items.length) res.set('link', `<${host(req)}${path}?per_page=${perPage}&page=${pageNumber + 1}>; rel="next"`);
    return slice;
  };
  const notFound = (res: Res) => res.status(404).json({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  const findRelease = (releaseId: string) => state.releases.find((r) => r.id === Number(releaseId));

  const handlers: Record<string, Handler> = {
    'repos/create-release': async (c, req, res) => {
      const body = req.body as { tag_name: string; target_commitish?: string; name?: string; body?: string; draft?: boolean; prerelease?: boolean; make_latest?: string };
      if (state.releases.some((r) => r.tag_name === body.tag_name)) {
        res.status(422).json({ message: 'Validation Failed', errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }] });
        return;
      }
      const release: StoredRelease = {
        id: id(),
        tag_name: body.tag_name,
        target_commitish: body.target_commitish ?? 'main',
        name: body.name ?? null,
        body: body.body ?? null,
        draft: body.draft ?? false,
        prerelease: body.prerelease ?? false,
        created_at: iso(),
        assets: [],
      };
      state.releases.push(release);
      if (!release.draft && !release.prerelease && body.make_latest !== 'false') state.latestReleaseId = release.id;
      return { status: 201, json: releaseJson(c, req, release) };
    },
    'repos/update-release': async (c, req, res) => {
      const release = findRelease(c.request.params.release_id!);
      if (!release) return notFound(res);
      const body = req.body as { make_latest?: string; name?: string; body?: string };
      if (body.name !== undefined) release.name = body.name;
      if (body.body !== undefined) release.body = body.body;
      if (body.make_latest === 'true') state.latestReleaseId = release.id;
      return { status: 200, json: releaseJson(c, req, release) };
    },
    'repos/get-release-by-tag': async (c, req, res) => {
      const release = state.releases.find((r) => r.tag_name === c.request.params.tag);
      if (!release) return notFound(res);
      return { status: 200, json: releaseJson(c, req, release) };
    },
    'repos/get-latest-release': async (c, req, res) => {
      const release = state.releases.find((r) => r.id === state.latestReleaseId);
      if (!release) return notFound(res);
      return { status: 200, json: releaseJson(c, req, release) };
    },
    'repos/list-releases': async (c, req, res) => {
      const newest = [...state.releases].reverse();
      return { status: 200, json: page(c, req, res, newest, `/repos/${c.request.params.owner}/${c.request.params.repo}/releases`).map((r) => releaseJson(c, req, r)) };
    },
    'repos/upload-release-asset': async (c, req, res) => {
      const release = findRelease(c.request.params.release_id!);
      if (!release) return notFound(res);
      const name = String(c.request.query.name);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      if (Number(req.headers['content-length']) !== bytes.length) {
        res.status(400).json({ message: `content-length ${req.headers['content-length']} does not match the ${bytes.length} bytes sent` });
        return;
      }
      if (release.assets.some((a) => a.name === name)) {
        res.status(422).json({ message: 'Validation Failed', errors: [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }] });
        return;
      }
      const asset: StoredAsset = { id: id(), name, contentType: req.headers['content-type'] ?? 'application/octet-stream', bytes };
      release.assets.push(asset);
      return { status: 201, json: assetJson(c, req, release, asset) };
    },
    'repos/get-release-asset': async (c, req, res) => {
      for (const release of state.releases) {
        const asset = release.assets.find((a) => a.id === Number(c.request.params.asset_id));
        if (!asset) continue;
        if ((req.headers.accept ?? '').includes('application/octet-stream')) {
          res.setHeader('content-type', 'application/octet-stream');
          res.status(200).send(asset.bytes);
          return;
        }
        return { status: 200, json: assetJson(c, req, release, asset) };
      }
      return notFound(res);
    },
    'issues/list-comments': async (c, req, res) => {
      const issue = Number(c.request.params.issue_number);
      const comments = state.comments.filter((comment) => comment.issue_number === issue);
      const path = `/repos/${c.request.params.owner}/${c.request.params.repo}/issues/${issue}/comments`;
      return { status: 200, json: page(c, req, res, comments, path).map((comment) => commentJson(c, req, comment)) };
    },
    'issues/create-comment': async (c, req) => {
      const comment: StoredComment = { id: id(), issue_number: Number(c.request.params.issue_number), body: String(req.body.body), created_at: iso(), updated_at: iso() };
      state.comments.push(comment);
      return { status: 201, json: commentJson(c, req, comment) };
    },
    'issues/update-comment': async (c, req, res) => {
      const comment = state.comments.find((candidate) => candidate.id === Number(c.request.params.comment_id));
      if (!comment) return notFound(res);
      comment.body = String(req.body.body);
      comment.updated_at = iso();
      return { status: 200, json: commentJson(c, req, comment) };
    },
    'pulls/get': async (c, _req, res) => {
      const pull = state.pulls.get(Number(c.request.params.pull_number));
      if (!pull) return notFound(res);
      const { mock } = c.api.mockResponseForOperation('pulls/get');
      // GitHub's own example lacks `type` on requested_teams, which its schema requires.
      return { status: 200, json: { ...mock, number: Number(c.request.params.pull_number), requested_teams: [], head: { ...mock.head, sha: pull.headSha } } };
    },
    'repos/create-deployment': async (c, req) => {
      const body = req.body as { ref: string; environment?: string; payload?: unknown; description?: string };
      const deployment: StoredDeployment = { id: id(), ref: body.ref, environment: body.environment ?? 'production', payload: body.payload ?? {}, description: body.description ?? null, statuses: [] };
      state.deployments.push(deployment);
      return { status: 201, json: deploymentJson(c, req, deployment) };
    },
    'repos/create-deployment-status': async (c, req, res) => {
      const deployment = state.deployments.find((d) => d.id === Number(c.request.params.deployment_id));
      if (!deployment) return notFound(res);
      const body = req.body as { state: string; description?: string; environment_url?: string; log_url?: string };
      const status = { id: id(), state: body.state, description: body.description ?? '', environment_url: body.environment_url, log_url: body.log_url };
      deployment.statuses.push(status);
      return { status: 201, json: statusJson(c, req, deployment, status) };
    },
    'repos/list-deployments': async (c, req) => {
      const environment = c.request.query.environment;
      const matching = [...state.deployments].reverse().filter((d) => !environment || d.environment === environment);
      return { status: 200, json: matching.map((d) => deploymentJson(c, req, d)) };
    },
    'repos/list-deployment-statuses': async (c, req, res) => {
      const deployment = state.deployments.find((d) => d.id === Number(c.request.params.deployment_id));
      if (!deployment) return notFound(res);
      return { status: 200, json: [...deployment.statuses].reverse().map((s) => statusJson(c, req, deployment, s)) };
    },
  };

  const app = simulation({
    initialState: { users: [], organizations: [], repositories: [], branches: [], blobs: [] },
    extend: {
      extendRouter: (router: any) => {
        router.use((req: any, res: any, next: () => void) => {
          res.on('finish', () => state.log.push({ method: req.method, path: req.path, status: res.statusCode }));
          next();
        });
      },
      openapiHandlers: () => handlers as any,
    },
  });
  // listen() passes its arguments to http.Server.listen: port 0 on loopback only.
  const server = await (app.listen as (...args: unknown[]) => ReturnType<typeof app.listen>)(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${server.port}`, state, close: () => server.ensureClose() };
}
