import { z } from 'zod';
import { parseJsonText } from '../core/json-file.js';
import { RegistryError } from '../core/errors.js';
import { lineageSchema, type Lineage } from '../registry/lineage-schema.js';
import { sameCode } from '../pipeline/lineage.js';
import type { GitHubClient, RepositoryRef } from './client.js';
import { downloadReleaseAsset } from './releases.js';

/**
 * Whether a candidate is a model already released under some version — not only the champion:
 * after a rollback the champion is an older release, and retraining the current data would give
 * back, bit for bit, the release that was rolled back from. Compared by the release's weights
 * digest (no download) and then its lineage (data, config, code).
 */

/** What identifies the candidate. */
export interface CandidateIdentity {
  weightsSha256: string;
  dataSha256: string;
  configSha256: string;
  code: Lineage['code'];
}

const releaseListSchema = z.array(
  z.object({
    tag_name: z.string(),
    draft: z.boolean(),
    prerelease: z.boolean(),
    assets: z.array(z.object({ id: z.number(), name: z.string(), digest: z.string().nullable().optional() })),
  }),
);

/** The tag of a published release holding the same model, or null. */
export async function findReleasedSameModel(client: GitHubClient, repository: RepositoryRef, candidate: CandidateIdentity): Promise<string | null> {
  const releases = releaseListSchema.parse(await client.paginate(client.rest.repos.listReleases, { ...repository, per_page: 100 }));
  for (const release of releases) {
    if (release.draft || release.prerelease || !/^v\d+\.\d+\.\d+$/.test(release.tag_name)) continue;
    const weights = release.assets.find((a) => a.name === 'weights.bin');
    if (!weights?.digest || weights.digest !== `sha256:${candidate.weightsSha256}`) continue;
    const lineageAsset = release.assets.find((a) => a.name === 'lineage.json');
    if (!lineageAsset) continue;
    const text = new TextDecoder().decode(await downloadReleaseAsset(client, repository, lineageAsset.id));
    const lineage = parseJsonText(text, `${release.tag_name} lineage.json`, lineageSchema, (problem) => new RegistryError(`Release ${release.tag_name}: lineage.json is unreadable (${problem.kind}).`));
    if (lineage.dataset.sha256 === candidate.dataSha256 && lineage.config.sha256 === candidate.configSha256 && sameCode(lineage.code, candidate.code)) return release.tag_name;
  }
  return null;
}
