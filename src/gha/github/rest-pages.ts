import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { artifactDir } from './rest-actions.js';
import { grantOf, mockOf, notFound, now, validationFailed, type GitHubService, type HandlerTable } from './service.js';

const exec = promisify(execFile);

/**
 * GitHub Pages with "Source: GitHub Actions": the site's settings (what configure-pages reads;
 * 404 until Pages is enabled) and Pages deployments (what deploy-pages creates from the
 * `github-pages` artifact: needs `pages: write` and an OIDC token, which only a job with
 * `id-token: write` can get). The published site is unpacked into `<state>/pages/site`.
 */

/** The public URL of the simulated repository's site. */
export function pagesUrl(service: GitHubService): string {
  const { owner, name } = service.store.state.repository;
  return `https://${owner.toLowerCase()}.github.io/${name}/`;
}

/** The OIDC token a job with `id-token: write` gets (opaque here; bound to the job's token). */
export function oidcTokenFor(jobToken: string): string {
  return `oidc.${Buffer.from(jobToken).toString('base64url')}`;
}

export function pagesHandlers(service: GitHubService): HandlerTable {
  const state = () => service.store.state;
  return {
    'repos/get-pages': async (c, _req, res) => {
      if (!state().settings.pages.enabled) return notFound(res);
      const { owner, name } = state().repository;
      return {
        status: 200,
        json: {
          ...mockOf(c, 'repos/get-pages'),
          url: `https://api.github.com/repos/${owner}/${name}/pages`,
          status: 'built',
          cname: null,
          custom_404: false,
          html_url: pagesUrl(service),
          build_type: state().settings.pages.build_type,
          source: { branch: state().repository.default_branch, path: '/' },
          public: true,
          https_enforced: true,
        },
      };
    },
    'repos/create-pages-deployment': async (_c, req, res) => {
      if (!state().settings.pages.enabled) return notFound(res);
      const body = req.body as { artifact_id?: number; pages_build_version?: string; oidc_token?: string; environment?: string };
      const grant = grantOf(res);
      const expected = grant ? oidcTokenFor(grant.value) : null;
      if (!body.oidc_token || body.oidc_token !== expected) return validationFailed(res, [], 'A valid OIDC token for this job is required (id-token: write).');
      const artifact = state().artifacts.find((a) => a.id === Number(body.artifact_id));
      if (!artifact) return validationFailed(res, [], `Artifact ${String(body.artifact_id)} not found`);
      const staging = await mkdtemp(join(service.store.paths.root, 'pages-'));
      try {
        const tar = join(artifactDir(service, artifact.id), 'artifact.tar');
        await exec('tar', ['-xf', tar, '-C', staging]);
        await mkdir(service.store.paths.pages, { recursive: true });
        const site = join(service.store.paths.pages, 'site');
        const old = join(service.store.paths.pages, `old-${Date.now()}`);
        await rename(site, old).catch(() => undefined);
        await cp(staging, site, { recursive: true });
        await rm(old, { recursive: true, force: true });
      } catch (error) {
        return validationFailed(res, [], `The github-pages artifact is not a tar archive of the site: ${(error as Error).message}`);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      const id = service.store.nextId();
      state().pages_deployments.push({ id, run_id: grant?.runId ?? 0, sha: body.pages_build_version ?? '', ref: state().repository.default_branch, created_at: now(), page_url: pagesUrl(service) });
      return { status: 200, json: { id, status_url: `${req.headers.host ? `http://${String(req.headers.host)}` : ''}/repos/${state().repository.owner}/${state().repository.name}/pages/deployments/${id}`, page_url: pagesUrl(service) } };
    },
    'repos/get-pages-deployment': async (c, _req, res) => {
      const deployment = state().pages_deployments.find((d) => d.id === Number(c.request.params.pages_deployment_id));
      if (!deployment) return notFound(res);
      return { status: 200, json: { status: 'succeed' } };
    },
  };
}
