import type { StoredDeployment } from '../state/schema.js';
import { actorOf, mockOf, notFound, now, paginate, urls, userJson, validationFailed, type GitHubService, type HandlerContext, type HandlerTable, type SimRequest } from './service.js';

/**
 * Deployments and their statuses: a deployment names an existing ref (resolved to its commit), an
 * environment (created on first use, as GitHub does) and a payload; a `success` status with
 * `auto_inactive` (the default) marks the environment's earlier deployments inactive.
 */

export function deploymentHandlers(service: GitHubService): HandlerTable {
  const state = () => service.store.state;
  const find = (id: string | undefined) => state().deployments.find((d) => d.id === Number(id));

  const deploymentJson = (c: HandlerContext, req: SimRequest, d: StoredDeployment) => ({
    ...mockOf(c, 'repos/get-deployment'),
    id: d.id,
    node_id: `DE_${d.id}`,
    sha: d.sha,
    ref: d.ref,
    task: 'deploy',
    environment: d.environment,
    original_environment: d.environment,
    payload: d.payload,
    description: d.description,
    creator: userJson(d.creator),
    created_at: d.created_at,
    updated_at: d.statuses.at(-1)?.created_at ?? d.created_at,
    url: `${urls(c, req).repo}/deployments/${d.id}`,
    statuses_url: `${urls(c, req).repo}/deployments/${d.id}/statuses`,
    repository_url: urls(c, req).repo,
    transient_environment: false,
    production_environment: d.environment === 'production',
  });
  const statusJson = (c: HandlerContext, req: SimRequest, d: StoredDeployment, s: StoredDeployment['statuses'][number]) => {
    const base = mockOf(c, 'repos/get-deployment-status');
    // Absent URLs are left out: the documented schema wants a URI when the key is present. It
    // also requires target_url, which GitHub sends as "" when unset (not a URI): the deployment's
    // own URL stands in for it.
    for (const key of ['environment_url', 'log_url']) delete base[key];
    return {
    ...base,
    id: s.id,
    node_id: `DES_${s.id}`,
    state: s.state,
    description: s.description,
    environment: d.environment,
    ...(s.environment_url ? { environment_url: s.environment_url } : {}),
    ...(s.log_url ? { log_url: s.log_url } : {}),
    target_url: s.log_url ?? `${urls(c, req).repo}/deployments/${d.id}`,
    creator: userJson(s.creator),
    created_at: s.created_at,
    updated_at: s.created_at,
    url: `${urls(c, req).repo}/deployments/${d.id}/statuses/${s.id}`,
    deployment_url: `${urls(c, req).repo}/deployments/${d.id}`,
    repository_url: urls(c, req).repo,
    };
  };

  return {
    'repos/create-deployment': async (c, req, res) => {
      const body = req.body as { ref: string; environment?: string; payload?: unknown; description?: string };
      const sha = await service.resolveCommit(body.ref);
      if (!sha) return validationFailed(res, [], `No ref found for: ${body.ref}`);
      const environment = body.environment ?? 'production';
      state().environments[environment] ??= { secrets: {}, variables: {}, deployment_branches: null };
      let payload = body.payload ?? {};
      if (typeof payload === 'string') payload = payload === '' ? {} : JSON.parse(payload);
      const deployment: StoredDeployment = {
        id: service.store.nextId(),
        ref: body.ref,
        sha,
        environment,
        payload,
        description: body.description ?? null,
        created_at: now(),
        creator: actorOf(res),
        automatic: false,
        statuses: [],
      };
      state().deployments.push(deployment);
      return { status: 201, json: deploymentJson(c, req, deployment) };
    },
    'repos/get-deployment': async (c, req, res) => {
      const deployment = find(c.request.params.deployment_id);
      if (!deployment) return notFound(res);
      return { status: 200, json: deploymentJson(c, req, deployment) };
    },
    'repos/list-deployments': async (c, req, res) => {
      const q = c.request.query;
      const matching = [...state().deployments]
        .reverse()
        .filter((d) => (!q.environment || d.environment === q.environment) && (!q.ref || d.ref === q.ref) && (!q.sha || d.sha === q.sha));
      return { status: 200, json: paginate(c, req, res, matching).map((d) => deploymentJson(c, req, d)) };
    },
    'repos/create-deployment-status': async (c, req, res) => {
      const deployment = find(c.request.params.deployment_id);
      if (!deployment) return notFound(res);
      const body = req.body as { state: string; description?: string; environment_url?: string; log_url?: string; target_url?: string; auto_inactive?: boolean };
      const status = {
        id: service.store.nextId(),
        state: body.state,
        description: body.description ?? '',
        ...(body.environment_url ? { environment_url: body.environment_url } : {}),
        ...(body.log_url || body.target_url ? { log_url: body.log_url ?? body.target_url } : {}),
        created_at: now(),
        creator: actorOf(res),
      };
      deployment.statuses.push(status);
      if (body.state === 'success' && body.auto_inactive !== false) markEarlierInactive(service, deployment);
      return { status: 201, json: statusJson(c, req, deployment, status) };
    },
    'repos/list-deployment-statuses': async (c, req, res) => {
      const deployment = find(c.request.params.deployment_id);
      if (!deployment) return notFound(res);
      return { status: 200, json: paginate(c, req, res, [...deployment.statuses].reverse()).map((s) => statusJson(c, req, deployment, s)) };
    },
  };
}

/** GitHub's auto_inactive: the environment's other deployments whose last status is success become inactive. */
function markEarlierInactive(service: GitHubService, current: StoredDeployment): void {
  for (const other of service.store.state.deployments) {
    if (other === current || other.environment !== current.environment) continue;
    if (other.statuses.at(-1)?.state !== 'success') continue;
    other.statuses.push({ id: service.store.nextId(), state: 'inactive', description: `superseded by deployment ${current.id}`, created_at: now(), creator: current.creator });
  }
}
