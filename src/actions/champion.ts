import { z } from 'zod';
import type { LoadedConfig } from '../config/load.js';
import { RegistryError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { registryPath } from '../config/paths.js';
import { parseReleaseTag } from '../registry/semver.js';
import { createGitHubClient, parseRepository } from '../github/client.js';
import { importReleaseVersion } from '../github/release-registry.js';
import { getChampionRelease, getReleaseByTag, releaseTag } from '../github/releases.js';

/**
 * Where an action's champion comes from. Runners start with an empty registry, so on GitHub the
 * champion is a release: the one marked latest (`latest-release`) or a given tag; `registry`
 * uses the local registry folder as it is (self-hosted runners, local runs).
 */
export const championInputSchema = z
  .string()
  .refine((value) => value === 'latest-release' || value === 'registry' || isReleaseTagText(value), {
    message: "expected 'latest-release', 'registry' or a release tag such as v1.2.0",
  })
  .default('latest-release');

function isReleaseTagText(value: string): boolean {
  try {
    parseReleaseTag(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts the champion in the config's registry (downloading its release assets) and returns its
 * version, or null when no model has been released yet.
 */
export async function prepareChampion(
  choice: string,
  options: { loaded: LoadedConfig; token: string; env: NodeJS.ProcessEnv; logger: Logger },
): Promise<string | null> {
  if (choice === 'registry') return null;
  const client = createGitHubClient(options.token, options.env);
  const repository = parseRepository(options.env.GITHUB_REPOSITORY);
  const release =
    choice === 'latest-release'
      ? await getChampionRelease(client, repository)
      : await getReleaseByTag(client, repository, releaseTag(parseReleaseTag(choice)));
  if (!release) {
    if (choice !== 'latest-release') throw new RegistryError(`There is no release ${choice} in ${repository.owner}/${repository.repo}.`);
    options.logger.info(`No model release in ${repository.owner}/${repository.repo} yet: the candidate is judged on the gate's absolute bounds only.`);
    return null;
  }
  const outcome = await importReleaseVersion(client, repository, release, registryPath(options.loaded), { champion: true, logger: options.logger });
  options.logger.info(`Champion: ${release.tag} (${release.htmlUrl})${outcome.downloaded ? ', downloaded into the registry' : ''}.`);
  return release.version;
}
