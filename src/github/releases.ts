import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { RegistryError } from '../core/errors.js';
import { isVersion, parseReleaseTag } from '../registry/semver.js';
import { httpStatusOf, type GitHubClient, type RepositoryRef } from './client.js';

/**
 * GitHub Releases as the template's remote registry: every promoted model version is a release
 * tagged `vX.Y.Z` with its files attached, and the release marked latest is the champion.
 */

/** The files a model release carries: the registry version folder, one asset per file. */
export const modelReleaseAssetNames = [
  'model.json',
  'weights.bin',
  'preprocessing.json',
  'profile.json',
  'metrics.json',
  'gate.json',
  'lineage.json',
  'card.json',
  'card.md',
] as const;

/**
 * Files a model release carries when the version has them: the keys of its training rows (versions
 * registered before they were recorded lack it; the gate then states its fallback).
 */
export const optionalModelReleaseAssetNames = ['training-keys.mlks'] as const;

/** A release as this module uses it. */
export interface ModelRelease {
  id: number;
  tag: string;
  /** The bare version of the tag (`1.2.0` for `v1.2.0`). */
  version: string;
  htmlUrl: string;
  uploadUrl: string;
  assets: { id: number; name: string; size: number }[];
}

interface ReleaseData {
  id: number;
  tag_name: string;
  html_url: string;
  upload_url: string;
  draft?: boolean;
  prerelease?: boolean;
  assets?: { id: number; name: string; size: number }[];
}

function toModelRelease(data: ReleaseData): ModelRelease {
  return {
    id: data.id,
    tag: data.tag_name,
    version: parseReleaseTag(data.tag_name),
    htmlUrl: data.html_url,
    uploadUrl: data.upload_url,
    assets: (data.assets ?? []).map((asset) => ({ id: asset.id, name: asset.name, size: asset.size })),
  };
}

/** The tag of a version: `v` + MAJOR.MINOR.PATCH. */
export function releaseTag(version: string): string {
  return `v${parseReleaseTag(version)}`;
}

/** The release of a tag, or null when there is none. */
export async function getReleaseByTag(client: GitHubClient, repository: RepositoryRef, tag: string): Promise<ModelRelease | null> {
  try {
    const { data } = await client.rest.repos.getReleaseByTag({ ...repository, tag });
    return toModelRelease(data);
  } catch (error) {
    if (httpStatusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * The champion: the release marked latest when its tag is a version tag; otherwise the newest
 * published release with a version tag (a repository may have other releases too). Null when
 * no model was released yet.
 */
export async function getChampionRelease(client: GitHubClient, repository: RepositoryRef): Promise<ModelRelease | null> {
  try {
    const { data } = await client.rest.repos.getLatestRelease({ ...repository });
    if (isReleaseTag(data.tag_name)) return toModelRelease(data);
  } catch (error) {
    if (httpStatusOf(error) !== 404) throw error;
  }
  const { data } = await client.rest.repos.listReleases({ ...repository, per_page: 100 });
  const candidate = data.find((release) => !release.draft && !release.prerelease && isReleaseTag(release.tag_name));
  return candidate ? toModelRelease(candidate) : null;
}

function isReleaseTag(tag: string): boolean {
  return /^v/.test(tag) && isVersion(tag.slice(1));
}

/** Options of {@link publishModelRelease}. */
export interface PublishReleaseOptions {
  tag: string;
  /** The commit the tag points at (the release is created for an existing tag). */
  targetCommitish: string;
  name: string;
  /** Release notes: the model card Markdown. */
  body: string;
  /** Files to attach; the asset name is the file name. */
  files: readonly string[];
  /** Mark it as the latest release (the champion). */
  makeLatest: boolean;
}

/**
 * Creates the release for a tag and attaches the files. A re-run finds the release it created
 * before and uploads only the assets still missing, so a job retried after a network error
 * finishes the same release instead of failing on "already exists".
 */
export async function publishModelRelease(client: GitHubClient, repository: RepositoryRef, options: PublishReleaseOptions): Promise<ModelRelease> {
  let release = await getReleaseByTag(client, repository, options.tag);
  if (!release) {
    const { data } = await client.rest.repos.createRelease({
      ...repository,
      tag_name: options.tag,
      target_commitish: options.targetCommitish,
      name: options.name,
      body: options.body.length > 125_000 ? `${options.body.slice(0, 124_000)}\n\n… (cut; see card.md)\n` : options.body,
      draft: false,
      prerelease: false,
      make_latest: options.makeLatest ? 'true' : 'false',
    });
    release = toModelRelease(data);
  }
  const present = new Set(release.assets.map((asset) => asset.name));
  for (const file of options.files) {
    const name = basename(file);
    if (present.has(name)) continue;
    const bytes = await readFile(file);
    const { data } = await client.request({
      method: 'POST',
      // upload_url is a URI template (`…/assets{?name,label}`); the name goes in the query.
      url: `${release.uploadUrl.replace(/\{[^}]*\}$/, '')}?name=${encodeURIComponent(name)}`,
      // Raw bytes, whatever the file: a JSON media type would invite proxies to re-encode the body.
      headers: { 'content-type': 'application/octet-stream', 'content-length': bytes.length },
      data: bytes,
    });
    const asset = data as { id: number; name: string; size: number };
    release.assets.push({ id: asset.id, name: asset.name, size: asset.size });
  }
  return release;
}

/** Marks a release as the latest one: the champion moves to it (used by rollbacks). */
export async function markReleaseLatest(client: GitHubClient, repository: RepositoryRef, release: ModelRelease): Promise<void> {
  await client.rest.repos.updateRelease({ ...repository, release_id: release.id, make_latest: 'true' });
}

/** Downloads one asset's bytes. */
export async function downloadReleaseAsset(client: GitHubClient, repository: RepositoryRef, assetId: number): Promise<Uint8Array> {
  const response = await client.rest.repos.getReleaseAsset({
    ...repository,
    asset_id: assetId,
    headers: { accept: 'application/octet-stream' },
  });
  const data: unknown = response.data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return new TextEncoder().encode(data);
  throw new RegistryError(`Release asset ${assetId} did not download as bytes.`);
}
