import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { modelCardSchema } from '../cards/version-card.js';
import { writeFileAtomic } from '../core/atomic-fs.js';
import { RegistryError, describeError } from '../core/errors.js';
import { describeJsonFileProblem, readJsonFile } from '../core/json-file.js';
import type { Logger } from '../core/logger.js';
import { dataProfileSchema } from '../data/profile-schema.js';
import { evaluationReportSchema, gateVerdictSchema } from '../evaluation/report-schema.js';
import { lineageSchema } from '../registry/lineage-schema.js';
import { ModelRegistry } from '../registry/registry.js';
import type { RegisteredVersion } from '../registry/registry-schema.js';
import { listModelFiles } from '../registry/version-folder.js';
import type { GitHubClient, RepositoryRef } from './client.js';
import { downloadReleaseAsset, modelReleaseAssetNames, optionalModelReleaseAssetNames, type ModelRelease } from './releases.js';

/**
 * A GitHub Release materialised as a version of the local registry, so that the same
 * evaluateStep, registerStep and `mlops serve` that run on a laptop compare against, version
 * after, and serve the champion released on GitHub. Runners start empty: the evaluate job
 * downloads the champion's assets into `.mlops/registry/versions/<version>/` and lists it in
 * `registry.json` exactly as a local `register` would have.
 */

/** What {@link importReleaseVersion} did. */
export interface ImportOutcome {
  version: string;
  /** False when the registry already held the version (nothing was downloaded). */
  downloaded: boolean;
  /** Whether the version is the registry's champion afterwards. */
  champion: boolean;
}

/**
 * Makes `release` a version of the registry at `registryRoot` (downloading its assets when the
 * registry does not hold it yet) and, with `champion`, points the champion alias at it.
 * Assets are checked before anything is listed: the model files against their manifest, the
 * JSON files against their schemas; a release missing an asset is a RegistryError naming it.
 */
export async function importReleaseVersion(
  client: GitHubClient,
  repository: RepositoryRef,
  release: ModelRelease,
  registryRoot: string,
  options: { champion: boolean; logger: Logger },
): Promise<ImportOutcome> {
  const registry = await ModelRegistry.open(registryRoot);
  const known = await registry.get(release.version);
  if (known) {
    if (options.champion) await registry.setChampion(release.version, `champion is release ${release.tag}`);
    options.logger.info(`Registry already holds ${release.version}; nothing downloaded.`);
    return { version: release.version, downloaded: false, champion: options.champion || known.status === 'champion' };
  }
  const missing = modelReleaseAssetNames.filter((name) => !release.assets.some((asset) => asset.name === name));
  if (missing.length > 0) {
    throw new RegistryError(
      `Release ${release.tag} (${release.htmlUrl}) lacks the asset${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; a model release carries ${modelReleaseAssetNames.join(', ')}.`,
    );
  }
  const staging = join(registryRoot, '.imports', `${release.version}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  try {
    const wanted: readonly string[] = [...modelReleaseAssetNames, ...optionalModelReleaseAssetNames];
    let downloaded = 0;
    for (const asset of release.assets) {
      if (!wanted.includes(asset.name)) continue;
      const bytes = await downloadReleaseAsset(client, repository, asset.id);
      await writeFileAtomic(join(staging, asset.name), bytes);
      downloaded++;
    }
    options.logger.info(`Downloaded ${downloaded} assets of release ${release.tag}.`);
    const entry = await describeStagedVersion(staging, release);
    await registry.adoptVersion(staging, entry, { promote: options.champion, reason: `champion is release ${release.tag}` });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { version: release.version, downloaded: true, champion: options.champion };
}

/** The index entry for a downloaded version, after checking every file. */
async function describeStagedVersion(dir: string, release: ModelRelease): Promise<RegisteredVersion> {
  try {
    await listModelFiles(dir);
  } catch (error) {
    throw new RegistryError(`Release ${release.tag} has broken model files: ${describeError(error)}`);
  }
  const lineage = await readAsset(dir, 'lineage.json', lineageSchema, release);
  const gate = await readAsset(dir, 'gate.json', gateVerdictSchema, release);
  const metrics = await readAsset(dir, 'metrics.json', evaluationReportSchema, release);
  await readAsset(dir, 'profile.json', dataProfileSchema, release);
  await readAsset(dir, 'card.json', modelCardSchema, release);
  return {
    version: release.version,
    created_at: lineage.created_at,
    status: 'archived',
    run_id: lineage.run_id,
    data_sha256: lineage.dataset.sha256,
    commit: lineage.code.commit,
    primary_metric: gate.primary_metric,
    primary_value: metrics.overall.metrics[gate.primary_metric] ?? null,
    gate_passed: gate.passed,
    parent_version: lineage.parent_version,
  };
}

/** Reads a downloaded JSON asset through its schema; a bad one is a RegistryError naming the release and the asset. */
async function readAsset<S extends z.ZodType>(dir: string, name: string, schema: S, release: ModelRelease): Promise<z.output<S>> {
  return readJsonFile(join(dir, name), schema, (problem) => {
    if (problem.kind === 'invalid') return new RegistryError(`Release ${release.tag}: ${name} does not have the expected shape:\n${problem.detail}`);
    if (problem.kind === 'not-json') return new RegistryError(`Release ${release.tag}: ${name} is not valid JSON (${problem.detail}).`);
    return new RegistryError(`Release ${release.tag}: ${describeJsonFileProblem(problem)}.`);
  });
}
