import type { DeploymentRecorder, DeploymentRecord, DeploymentState } from '../deploy/deploy.js';
import type { GitHubClient, RepositoryRef } from './client.js';

/**
 * GitHub Deployments for the environment a version is deployed to: one deployment per deploy
 * (ref = the release tag, payload = version and image) and a status for each stage, so the
 * repository's Environments page shows what runs where, and when it was rolled back.
 */

/** Options of {@link createGitHubDeploymentRecorder}. */
export interface GitHubDeploymentOptions {
  client: GitHubClient;
  repository: RepositoryRef;
  /** e.g. `production`. */
  environment: string;
  /** The run's URL, shown as the log of every status. */
  logUrl?: string | undefined;
}

/** A DeploymentRecorder that writes GitHub Deployments and deployment statuses. */
export function createGitHubDeploymentRecorder(options: GitHubDeploymentOptions): DeploymentRecorder {
  const { client, repository, environment } = options;
  return {
    async start(record: DeploymentRecord): Promise<number> {
      const { data } = await client.rest.repos.createDeployment({
        ...repository,
        ref: record.ref,
        environment,
        description: record.description.slice(0, 140),
        payload: { version: record.version, image: record.image ?? null, target: record.target },
        // The tag was checked by the release workflow; statuses of other checks do not gate a model deploy.
        required_contexts: [],
        auto_merge: false,
        transient_environment: false,
        production_environment: environment === 'production',
      });
      if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${JSON.stringify(data)}`);
      return data.id;
    },
    async status(id: number, state: DeploymentState, detail: { description: string; url?: string | undefined }): Promise<void> {
      await client.rest.repos.createDeploymentStatus({
        ...repository,
        deployment_id: id,
        state,
        description: detail.description.slice(0, 140),
        environment,
        ...(detail.url ? { environment_url: detail.url } : {}),
        ...(options.logUrl ? { log_url: options.logUrl } : {}),
        auto_inactive: true,
      });
    },
  };
}

/** Deployments recorded for an environment, newest first, with their latest state. */
export async function listEnvironmentDeployments(
  client: GitHubClient,
  repository: RepositoryRef,
  environment: string,
): Promise<{ id: number; ref: string; version: string | null; state: string | null }[]> {
  const { data } = await client.rest.repos.listDeployments({ ...repository, environment, per_page: 30 });
  const out: { id: number; ref: string; version: string | null; state: string | null }[] = [];
  for (const deployment of data) {
    const statuses = await client.rest.repos.listDeploymentStatuses({ ...repository, deployment_id: deployment.id, per_page: 1 });
    const payload = deployment.payload as unknown;
    const version = payload && typeof payload === 'object' && 'version' in payload && typeof payload.version === 'string' ? payload.version : null;
    out.push({ id: deployment.id, ref: deployment.ref, version, state: statuses.data[0]?.state ?? null });
  }
  return out;
}
