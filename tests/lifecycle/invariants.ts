import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelReleaseAssetNames } from '../../src/github/releases.js';
import { latestRelease } from '../../src/gha/github/rest-releases.js';
import type { GitHubState } from '../../src/gha/state/schema.js';
import { repository, type Lifecycle } from './harness.js';

/**
 * The invariants of the year, checked after every event against what the simulated GitHub, its
 * origin, its registry and the production service hold. Each returns problems as sentences.
 */

/** What the checks remember between events. */
export interface Memory {
  /** Every tag seen so far and its commit: a tag never moves. */
  tags: Map<string, string>;
  /** Whether production exists (the deploy job runs on the self-hosted runner). */
  production: boolean;
  /** Text from pull requests (titles, branch names) that must never reach a shell. */
  hostile: string[];
  /** Marker files an injected command would create. */
  markers: string[];
}

function git(origin: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: origin, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function isAncestor(origin: string, commit: string, ref: string): boolean {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', commit, ref], { cwd: origin, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The labels of an image in the registry's storage (manifest → config blob). */
export function imageLabels(registry: string, name: string, tag: string): Record<string, string> | null {
  const v2 = join(registry, 'docker', 'registry', 'v2');
  const link = join(v2, 'repositories', name, '_manifests', 'tags', tag, 'current', 'link');
  if (!existsSync(link)) return null;
  const blob = (digest: string) => JSON.parse(readFileSync(join(v2, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data'), 'utf8'));
  const manifest = blob(readFileSync(link, 'utf8').trim());
  const config = blob(manifest.config.digest);
  return (config.config?.Labels ?? {}) as Record<string, string>;
}

/** Checks every invariant; returns the problems (empty when all hold). */
export async function invariantProblems(lifecycle: Lifecycle, memory: Memory): Promise<string[]> {
  const problems: string[] = [];
  const store = await lifecycle.store();
  const state: GitHubState = store.state;
  const origin = store.paths.origin;
  const summary = await lifecycle.summary();
  const protectedMain = 'main' in state.settings.protected_branches;

  // Tags are unique and never move.
  for (const { name, commit } of summary.tags as { name: string; commit: string }[]) {
    const seen = memory.tags.get(name);
    if (seen && seen !== commit) problems.push(`tag ${name} moved from ${seen.slice(0, 12)} to ${commit.slice(0, 12)}`);
    memory.tags.set(name, commit);
  }
  for (const name of memory.tags.keys()) if (!summary.tags.some((t: { name: string }) => t.name === name)) problems.push(`tag ${name} was deleted`);

  // Every published release is complete: the model files, the card (as committed), the notes.
  for (const release of state.releases.filter((r) => !r.draft)) {
    const names = release.assets.map((a) => a.name).sort();
    const missing = modelReleaseAssetNames.filter((n) => !names.includes(n));
    if (missing.length > 0) problems.push(`release ${release.tag_name} is published without ${missing.join(', ')}`);
    const version = release.tag_name.slice(1);
    const cardAsset = release.assets.find((a) => a.name === 'card.md');
    const tagCommit = memory.tags.get(release.tag_name);
    if (!tagCommit) {
      problems.push(`release ${release.tag_name} has no tag`);
      continue;
    }
    if (cardAsset) {
      const card = readFileSync(join(store.paths.assets, String(cardAsset.id)), 'utf8');
      let committed = '';
      try {
        committed = git(origin, 'show', `${tagCommit}:model-cards/${version}.md`);
      } catch {
        problems.push(`the card of ${release.tag_name} is not in its tagged commit`);
      }
      if (committed && card.trimEnd() !== committed.trimEnd()) problems.push(`the card.md of release ${release.tag_name} differs from model-cards/${version}.md at the tag`);
      if (!(release.body ?? '').includes(card.trimEnd().split('\n')[0]!)) problems.push(`the notes of ${release.tag_name} do not carry its card`);
    }
    // The card of every release is committed on main (or, on a protected main, on its card branch).
    const cardBranch = `refs/heads/model-cards/${release.tag_name}`;
    const onMain = isAncestor(origin, tagCommit, 'refs/heads/main');
    const onCardBranch = protectedMain && git(origin, 'for-each-ref', '--format=%(objectname)', cardBranch) !== '' && isAncestor(origin, tagCommit, cardBranch);
    if (!onMain && !onCardBranch) problems.push(`the card commit of ${release.tag_name} (${tagCommit.slice(0, 12)}) is not on main`);
  }

  // Exactly one latest release: complete, published, and (with production) the version serving.
  const published = state.releases.filter((r) => !r.draft && !r.prerelease);
  const latest = latestRelease(state.releases, state.latest_release_id);
  const marked = (summary.releases as { latest: boolean }[]).filter((r) => r.latest);
  if (published.length > 0 && (!latest || marked.length !== 1)) problems.push(`there should be exactly one latest release, there are ${marked.length}`);
  if (latest?.draft) problems.push(`the latest release ${latest.tag_name} is a draft`);
  if (memory.production && latest) {
    const serving = await lifecycle.servingVersion();
    if (`v${serving}` !== latest.tag_name) problems.push(`production serves ${serving ?? 'nothing'}, but the latest release is ${latest.tag_name}`);
  }

  // Every version deployed to production has its image in the registry, labelled with its commit.
  const deployed = new Set(
    state.deployments
      .filter((d) => !d.automatic && d.environment === 'production' && d.statuses.some((s) => s.state === 'success'))
      .map((d) => d.ref.replace(/^v/, '')),
  );
  for (const version of deployed) {
    const labels = imageLabels(store.paths.registry, repository, version);
    if (!labels) {
      problems.push(`version ${version} was deployed but ghcr.io/${repository}:${version} is not in the registry`);
      continue;
    }
    const commit = memory.tags.get(`v${version}`);
    if (commit && labels['org.opencontainers.image.revision'] !== commit) {
      problems.push(`the image of ${version} says revision ${labels['org.opencontainers.image.revision']}, its tag is on ${commit.slice(0, 12)}`);
    }
  }
  // A GitHub-hosted runner is never recorded as production.
  for (const d of state.deployments.filter((d) => d.environment === 'production' && !d.automatic)) {
    const url = d.statuses.find((s) => s.environment_url)?.environment_url;
    if (url && !memory.production && d.statuses.some((s) => s.state === 'success')) problems.push(`deployment ${d.id} records production at ${url}, but no production target exists`);
  }

  // No job used a permission it was not granted; no script ran with a write token in .git/config.
  for (const denial of summary.permission_denials as { run: number; job: string; request: string; needs: string }[]) problems.push(`run ${denial.run} ${denial.job} was refused ${denial.request} (needs ${denial.needs})`);
  for (const exposure of summary.credential_exposures as { run: number; job: string; step: string }[]) problems.push(`run ${exposure.run} ${exposure.job}: "${exposure.step}" ran with credentials in .git/config`);

  // Pull request text never reaches a shell.
  for (const marker of memory.markers) if (existsSync(marker)) problems.push(`${marker} exists: pull request text was executed`);
  if (memory.hostile.length > 0) {
    for (const script of scriptsUnder(store.paths.runs)) {
      const text = readFileSync(script, 'utf8');
      for (const hostile of memory.hostile) if (text.includes(hostile)) problems.push(`${script} contains pull request text ${JSON.stringify(hostile)}`);
    }
  }
  return problems;
}

function scriptsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.sh')) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}
