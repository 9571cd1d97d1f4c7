import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { modelCardsPath, registryPath } from '../config/paths.js';
import { githubRunUrl } from '../core/git-info.js';
import type { Logger } from '../core/logger.js';
import type { GitHubClient, RepositoryRef } from '../github/client.js';
import { publishModelCard, type PublishCardOptions, type PublishedCard } from '../github/git-publish.js';
import { modelReleaseAssetNames, optionalModelReleaseAssetNames, publishModelRelease, type ModelRelease } from '../github/releases.js';
import { ModelRegistry } from '../registry/registry.js';

/**
 * Publishing a registered version from the register action: the card committed and tagged (or
 * adopted on a re-run), then the release made complete as a draft and published — not marked
 * latest: the deploy marks it latest once it serves (or at once when no production target is
 * configured), so "latest" never points at a version that is not in production.
 */

export interface PublishedVersion {
  card: PublishedCard;
  release: ModelRelease;
}

export async function publishVersion(options: {
  loaded: LoadedConfig;
  version: string;
  branch: string;
  remote: string;
  candidateRun: string;
  workflowRun: string | null;
  auth: PublishCardOptions['auth'];
  client: GitHubClient;
  repository: RepositoryRef;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}): Promise<PublishedVersion> {
  const { loaded, version, logger } = options;
  const cards = modelCardsPath(loaded);
  const card = await publishModelCard({
    repoDir: loaded.baseDir,
    version,
    files: [join(cards, `${version}.json`), join(cards, `${version}.md`)],
    branch: options.branch,
    remote: options.remote,
    modelName: loaded.config.name,
    candidateRun: options.candidateRun,
    workflowRun: options.workflowRun,
    auth: options.auth,
    logger,
  });
  const registry = await ModelRegistry.open(registryPath(loaded));
  const versionDir = registry.versionDir(version);
  // The run's page, not this attempt's: a re-run publishes the same notes.
  const runUrl = githubRunUrl(options.env, { attempt: false });
  const notes = await readFile(join(versionDir, 'card.md'), 'utf8');
  const release = await publishModelRelease(options.client, options.repository, {
    tag: card.tag,
    targetCommitish: card.commit,
    name: `${loaded.config.name} ${version}`,
    body: runUrl ? `${notes.trimEnd()}\n\n---\nTrained and gated in [this workflow run](${runUrl}).\n` : notes,
    files: [...modelReleaseAssetNames, ...(await presentFiles(versionDir, optionalModelReleaseAssetNames))].map((name) => join(versionDir, name)),
    makeLatest: false,
  });
  logger.info(`Released ${card.tag}: ${release.htmlUrl} (${release.assets.length} assets)${card.adopted ? ', finishing the release an earlier attempt of this run started' : ''}.`);
  return { card, release };
}

/** The names among `names` that are files in `dir`. */
async function presentFiles(dir: string, names: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const name of names) if ((await stat(join(dir, name)).catch(() => null))?.isFile()) present.push(name);
  return present;
}
