import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredAsset, StoredRelease } from '../state/schema.js';
import { takeFault } from './faults.js';
import { grants, levelOf } from './permissions.js';
import { actorOf, grantOf, mockOf, notFound, now, paginate, urls, userJson, validationFailed, type GitHubService, type HandlerContext, type HandlerTable, type SimRequest, type SimResponse } from './service.js';

/**
 * Releases and their assets, as GitHub's REST API keeps them: tags unique, drafts invisible to
 * get-by-tag and to readers without push access, assets unique by name per release, exactly one
 * latest release (never a draft or a pre-release; `make_latest` defaults to true when a release
 * is published), bytes stored in the state folder.
 */

export function releaseHandlers(service: GitHubService): HandlerTable {
  const state = () => service.store.state;
  const assetPath = (id: number) => join(service.store.paths.assets, String(id));
  const canWrite = (res: SimResponse) => {
    const grant = grantOf(res);
    return grant !== undefined && grants(levelOf(grant.permissions, 'contents'), 'write');
  };
  const visible = (res: SimResponse) => state().releases.filter((r) => !r.draft || canWrite(res));
  const find = (res: SimResponse, id: string | undefined) => visible(res).find((r) => r.id === Number(id));

  const assetJson = (c: HandlerContext, req: SimRequest, release: StoredRelease, asset: StoredAsset) => ({
    ...mockOf(c, 'repos/get-release-asset'),
    id: asset.id,
    node_id: `RA_${asset.id}`,
    url: `${urls(c, req).repo}/releases/assets/${asset.id}`,
    browser_download_url: `${urls(c, req).web}/releases/download/${release.tag_name}/${encodeURIComponent(asset.name)}`,
    name: asset.name,
    label: null,
    content_type: asset.content_type,
    size: asset.size,
    digest: `sha256:${asset.sha256}`,
    state: 'uploaded',
    uploader: userJson(asset.uploader),
  });
  const releaseJson = (c: HandlerContext, req: SimRequest, release: StoredRelease) => {
    const { repo, web } = urls(c, req);
    return {
      ...mockOf(c, 'repos/get-release'),
      id: release.id,
      node_id: `RE_${release.id}`,
      url: `${repo}/releases/${release.id}`,
      assets_url: `${repo}/releases/${release.id}/assets`,
      upload_url: `${repo}/releases/${release.id}/assets{?name,label}`,
      html_url: `${web}/releases/tag/${release.tag_name}`,
      tarball_url: `${repo}/tarball/${release.tag_name}`,
      zipball_url: `${repo}/zipball/${release.tag_name}`,
      tag_name: release.tag_name,
      target_commitish: release.target_commitish,
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: release.prerelease,
      created_at: release.created_at,
      published_at: release.published_at,
      author: userJson(release.author),
      assets: release.assets.map((asset) => assetJson(c, req, release, asset)),
    };
  };
  const markLatest = (release: StoredRelease, makeLatest: string | undefined, newlyPublished: boolean) => {
    if (release.draft || release.prerelease) return;
    if (makeLatest === 'true' || (makeLatest === undefined && newlyPublished)) state().latest_release_id = release.id;
  };
  const publish = (release: StoredRelease, res: SimResponse) => {
    release.published_at = now();
    service.events.releasePublished?.(release, actorOf(res));
  };

  return {
    'repos/create-release': async (c, req, res) => {
      const body = req.body as { tag_name: string; target_commitish?: string; name?: string; body?: string; draft?: boolean; prerelease?: boolean; make_latest?: string };
      if (state().releases.some((r) => r.tag_name === body.tag_name && !r.draft)) {
        return validationFailed(res, [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }]);
      }
      const target = body.target_commitish ?? state().repository.default_branch;
      if (!(await service.resolveCommit(`refs/tags/${body.tag_name}`)) && !(await service.resolveCommit(target))) {
        return validationFailed(res, [{ resource: 'Release', code: 'invalid', field: 'target_commitish' }]);
      }
      const release: StoredRelease = {
        id: service.store.nextId(),
        tag_name: body.tag_name,
        target_commitish: target,
        name: body.name ?? null,
        body: body.body ?? null,
        draft: body.draft ?? false,
        prerelease: body.prerelease ?? false,
        created_at: now(),
        published_at: null,
        author: actorOf(res),
        assets: [],
      };
      state().releases.push(release);
      if (!release.draft) {
        publish(release, res);
        markLatest(release, body.make_latest, true);
      }
      return { status: 201, json: releaseJson(c, req, release) };
    },
    'repos/update-release': async (c, req, res) => {
      const release = find(res, c.request.params.release_id);
      if (!release) return notFound(res);
      const body = req.body as { make_latest?: string; name?: string; body?: string; draft?: boolean; prerelease?: boolean; tag_name?: string };
      if (body.name !== undefined) release.name = body.name;
      if (body.body !== undefined) release.body = body.body;
      if (body.prerelease !== undefined) release.prerelease = body.prerelease;
      const publishing = release.draft && body.draft === false;
      if (body.draft !== undefined) release.draft = body.draft;
      if (publishing) publish(release, res);
      markLatest(release, body.make_latest, publishing);
      return { status: 200, json: releaseJson(c, req, release) };
    },
    'repos/delete-release': async (c, _req, res) => {
      const release = find(res, c.request.params.release_id);
      if (!release) return notFound(res);
      state().releases = state().releases.filter((r) => r !== release);
      if (state().latest_release_id === release.id) state().latest_release_id = null;
      for (const asset of release.assets) await rm(assetPath(asset.id), { force: true });
      res.status(204).send('');
    },
    'repos/get-release': async (c, req, res) => {
      const release = find(res, c.request.params.release_id);
      if (!release) return notFound(res);
      return { status: 200, json: releaseJson(c, req, release) };
    },
    'repos/get-release-by-tag': async (c, req, res) => {
      const release = state().releases.find((r) => r.tag_name === c.request.params.tag && !r.draft);
      if (!release) return notFound(res);
      return { status: 200, json: releaseJson(c, req, release) };
    },
    'repos/get-latest-release': async (c, req, res) => {
      const release = latestRelease(state().releases, state().latest_release_id);
      if (!release) return notFound(res);
      return { status: 200, json: releaseJson(c, req, release) };
    },
    'repos/list-releases': async (c, req, res) => {
      const newest = [...visible(res)].reverse();
      return { status: 200, json: paginate(c, req, res, newest).map((r) => releaseJson(c, req, r)) };
    },
    'repos/list-release-assets': async (c, req, res) => {
      const release = find(res, c.request.params.release_id);
      if (!release) return notFound(res);
      return { status: 200, json: paginate(c, req, res, release.assets).map((a) => assetJson(c, req, release, a)) };
    },
    'repos/upload-release-asset': async (c, req, res) => {
      const release = find(res, c.request.params.release_id);
      if (!release) return notFound(res);
      const name = String(c.request.query.name ?? '');
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      if (Number(req.headers['content-length']) !== bytes.length) {
        res.status(400).json({ message: `content-length ${String(req.headers['content-length'])} does not match the ${bytes.length} bytes sent` });
        return;
      }
      if (takeFault(service.store, 'release-asset-upload', name)) {
        res.status(502).json({ message: 'Server Error (injected release-asset-upload fault)' });
        return;
      }
      if (release.assets.some((a) => a.name === name)) return validationFailed(res, [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }]);
      const asset: StoredAsset = {
        id: service.store.nextId(),
        name,
        content_type: String(req.headers['content-type'] ?? 'application/octet-stream'),
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        uploader: actorOf(res),
      };
      await mkdir(service.store.paths.assets, { recursive: true });
      await writeFile(assetPath(asset.id), bytes);
      release.assets.push(asset);
      return { status: 201, json: assetJson(c, req, release, asset) };
    },
    'repos/get-release-asset': async (c, req, res) => {
      for (const release of visible(res)) {
        const asset = release.assets.find((a) => a.id === Number(c.request.params.asset_id));
        if (!asset) continue;
        if (String(req.headers.accept ?? '').includes('application/octet-stream')) {
          res.setHeader('content-type', 'application/octet-stream');
          res.status(200).send(await readFile(assetPath(asset.id)));
          return;
        }
        return { status: 200, json: assetJson(c, req, release, asset) };
      }
      return notFound(res);
    },
    'repos/delete-release-asset': async (c, _req, res) => {
      for (const release of visible(res)) {
        const asset = release.assets.find((a) => a.id === Number(c.request.params.asset_id));
        if (!asset) continue;
        release.assets = release.assets.filter((a) => a !== asset);
        await rm(assetPath(asset.id), { force: true });
        res.status(204).send('');
        return;
      }
      return notFound(res);
    },
  };
}

/** The latest release: the one marked, else the newest published full release (GitHub's fallback). */
export function latestRelease(releases: readonly StoredRelease[], latestId: number | null): StoredRelease | undefined {
  const marked = releases.find((r) => r.id === latestId && !r.draft && !r.prerelease);
  if (marked) return marked;
  return [...releases].filter((r) => !r.draft && !r.prerelease && r.published_at).sort((a, b) => (a.published_at! < b.published_at! ? 1 : -1))[0];
}
