import type { Actor } from '../state/schema.js';
import { actionsBot } from '../github/tokens.js';
import type { Result, RunAttempt, Services } from './model.js';

/**
 * The deployment GitHub records by itself for a job that names an `environment:` (unless it says
 * `deployment: false`): created when the job starts, its status following the job's result, the
 * environment's `url:` as its environment_url.
 */

export interface EnvironmentDeployment {
  finish(result: Result, url: string | undefined): Promise<void>;
}

export async function recordEnvironmentDeployment(services: Services, attempt: RunAttempt, environment: string): Promise<EnvironmentDeployment> {
  const state = services.store.state;
  state.environments[environment] ??= { secrets: {}, variables: {}, deployment_branches: null };
  const creator: Actor = actionsBot;
  const at = () => new Date().toISOString();
  const ref = attempt.event.ref.replace(/^refs\/(heads|tags)\//, '');
  const logUrl = `${services.serverUrl}/${state.repository.owner}/${state.repository.name}/actions/runs/${attempt.run.id}`;
  const deployment = {
    id: services.store.nextId(),
    ref,
    sha: attempt.event.sha,
    environment,
    payload: {},
    description: null,
    created_at: at(),
    creator,
    automatic: true,
    statuses: [{ id: services.store.nextId(), state: 'in_progress', description: '', log_url: logUrl, created_at: at(), creator }],
  };
  state.deployments.push(deployment);
  return {
    async finish(result, url) {
      const stateName = result === 'success' ? 'success' : result === 'cancelled' ? 'inactive' : 'failure';
      deployment.statuses.push({ id: services.store.nextId(), state: stateName, description: '', log_url: logUrl, ...(url ? { environment_url: url } : {}), created_at: at(), creator });
      if (stateName === 'success') {
        for (const other of state.deployments) {
          if (other !== deployment && other.environment === environment && other.statuses.at(-1)?.state === 'success') {
            other.statuses.push({ id: services.store.nextId(), state: 'inactive', description: `superseded by deployment ${deployment.id}`, created_at: at(), creator });
          }
        }
      }
    },
  };
}
