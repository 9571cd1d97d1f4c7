import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { StandInSpec } from '../runner/local-action.js';
import { storeArtifact } from './artifacts.js';

const exec = promisify(execFile);

/**
 * The three Pages actions. configure-pages reads the site through the API (`pages: read`; a
 * repository without Pages enabled fails as it does on GitHub); upload-pages-artifact tars the
 * site into the `github-pages` artifact; deploy-pages gets an OIDC token (only a job with
 * `id-token: write` can) and creates the Pages deployment (`pages: write`).
 */

async function api(serverUrl: string, path: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${serverUrl}${path}`, { ...init, headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json', ...(init.headers ?? {}) } });
}

export const configurePages: StandInSpec = {
  inputs: { static_site_generator: '', generator_config_file: '', token: '${{ github.token }}', enablement: 'false' },
  async run(job, inputs) {
    if (inputs.static_site_generator) throw new Error('actions/configure-pages stand-in: static_site_generator is not supported by the local runner');
    const github = job.contexts.github as Record<string, string>;
    const response = await api(job.attempt.services.serverUrl, `/repos/${github.repository}/pages`, inputs.token!);
    if (!response.ok) {
      throw new Error(
        `Get Pages site failed. Please verify that the repository has Pages enabled and configured to build using GitHub Actions, or consider exploring the \`enablement\` parameter for this action. Error: HTTP ${response.status}`,
      );
    }
    const site = (await response.json()) as { html_url: string };
    const url = new URL(site.html_url);
    return { base_url: site.html_url.replace(/\/$/, ''), origin: url.origin, host: url.host, base_path: url.pathname.replace(/\/$/, '') };
  },
};

export const uploadPagesArtifact: StandInSpec = {
  inputs: { name: 'github-pages', path: '_site/', 'retention-days': '1', 'include-hidden-files': 'false' },
  async run(job, inputs): Promise<Record<string, string>> {
    const site = isAbsolute(inputs.path!) ? inputs.path! : resolve(job.workspace, inputs.path!);
    const scratch = await mkdtemp(join(tmpdir(), 'gha-pages-'));
    try {
      const tar = join(scratch, 'artifact.tar');
      await exec('tar', ['--dereference', '--hard-dereference', '--directory', site, '-cf', tar, '--exclude=.git', '--exclude=.github', ...(inputs['include-hidden-files'] === 'true' ? [] : ['--exclude=.[^/]*']), '.']);
      const artifact = await storeArtifact(job, inputs.name!, scratch, [tar], Number(inputs['retention-days']) || 1, false);
      return { artifact_id: String(artifact.id) };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
};

export const deployPages: StandInSpec = {
  inputs: { token: '${{ github.token }}', timeout: '600000', error_count: '10', reporting_interval: '5000', artifact_name: 'github-pages', preview: 'false' },
  async run(job, inputs) {
    const services = job.attempt.services;
    const github = job.contexts.github as Record<string, string>;
    const artifact = services.store.state.artifacts.find((a) => a.run_id === job.attempt.run.id && a.name === inputs.artifact_name);
    if (!artifact) throw new Error(`Fetching artifact metadata failed. Is the artifact '${inputs.artifact_name}' uploaded in this run?`);
    const tokenUrl = job.baseEnv.ACTIONS_ID_TOKEN_REQUEST_URL;
    if (!tokenUrl) throw new Error('Ensure GITHUB_TOKEN has permission "id-token: write".');
    const oidc = await fetch(`${tokenUrl}&audience=${encodeURIComponent(`https://github.com/${github.repository_owner}`)}`, { headers: { authorization: `bearer ${job.baseEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } });
    if (!oidc.ok) throw new Error(`Failed to get the OIDC token: HTTP ${oidc.status}`);
    const { value } = (await oidc.json()) as { value: string };
    const response = await api(services.serverUrl, `/repos/${github.repository}/pages/deployments`, inputs.token!, {
      method: 'POST',
      body: JSON.stringify({ artifact_id: artifact.id, pages_build_version: github.sha, oidc_token: value }),
    });
    if (!response.ok) throw new Error(`Failed to create deployment (status: ${response.status}) with build version ${github.sha}. ${(await response.text()).slice(0, 300)}`);
    const created = (await response.json()) as { page_url: string };
    job.log(`Reported success! Pages deployed to ${created.page_url}`);
    return { page_url: created.page_url };
  },
};
