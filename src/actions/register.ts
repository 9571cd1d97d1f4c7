import * as core from '@actions/core';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { GateRejectedError } from '../core/errors.js';
import { githubRunUrl } from '../core/git-info.js';
import { createGitHubClient, parseRepository } from '../github/client.js';
import { checkRefName, publishModelCard } from '../github/git-publish.js';
import { modelReleaseAssetNames, optionalModelReleaseAssetNames, publishModelRelease } from '../github/releases.js';
import { modelCardsPath, registryPath } from '../config/paths.js';
import { registerStep } from '../pipeline/register-step.js';
import { ModelRegistry } from '../registry/registry.js';
import { championInputSchema, prepareChampion } from './champion.js';
import { booleanInput, readInputs, stepInputsSchema, textInput } from './inputs.js';
import { isMainModule, runAction } from './run-action.js';
import { inputPath, openActionStepContext } from './step-context.js';
import { readSweepCandidates, selectBestCandidate, type SweepCandidate } from '../pipeline/sweep.js';
import { renderRegisterSummary } from './summaries.js';

/** Inputs of actions/register (keys exactly as in its action.yml). */
export const registerInputsSchema = stepInputsSchema.extend({
  /** A folder of sweep candidates' work dirs; the best one that passed is registered. */
  'candidates-dir': textInput.optional(),
  champion: championInputSchema,
  /** Commit the card to the branch, tag vX.Y.Z and create the GitHub Release. */
  publish: booleanInput.default(false),
  /** Branch the card is committed to; GITHUB_REF_NAME when empty. */
  branch: textInput.optional(),
  remote: textInput.default('origin'),
  'github-token': z.string().default(''),
});
export type RegisterInputs = z.infer<typeof registerInputsSchema>;

/** Reads the inputs once. */
export function getInputs(): RegisterInputs {
  return readInputs(registerInputsSchema);
}

/** The work dir to register: the best sweep candidate, or the `work-dir` input (undefined: the default). */
async function chooseWorkDir(inputs: RegisterInputs): Promise<{ dir: string | undefined; candidates: SweepCandidate[]; chosen: SweepCandidate | null }> {
  if (!inputs['candidates-dir']) return { dir: undefined, candidates: [], chosen: null };
  const candidates = await readSweepCandidates(inputPath(inputs['candidates-dir']));
  for (const c of candidates) core.info(`candidate ${c.id}: ${c.passed ? 'passed' : 'rejected'}, ${c.primaryMetric} ${c.value ?? 'undefined'}`);
  const chosen = selectBestCandidate(candidates);
  if (!chosen) throw new GateRejectedError(`None of the ${candidates.length} sweep candidates passed the gate; nothing is registered.`);
  core.info(`Chose ${chosen.id} (${chosen.primaryMetric} ${chosen.value}).`);
  return { dir: chosen.dir, candidates, chosen };
}

/**
 * actions/register: stores the gated model as the next version (after the champion release,
 * so its number follows it), and with `publish` commits its card, tags it and releases it with
 * the model files attached.
 */
export async function run(): Promise<void> {
  await runAction(async (logger) => {
    const inputs = getInputs();
    const env = process.env;
    const { dir, candidates, chosen } = await chooseWorkDir(inputs);
    const ctx = await openActionStepContext(inputs, logger, { workDir: dir });
    const { loaded } = ctx;
    await prepareChampion(inputs.champion, { loaded, token: inputs['github-token'], env, logger });
    const outcome = await registerStep(ctx, { promote: true });
    const version = outcome.version.version;
    core.setOutput('version', version);
    core.setOutput('created', String(outcome.created));
    core.setOutput('work-dir', ctx.workspace.dir);
    let tag: string | null = null;
    let releaseUrl: string | null = null;
    if (outcome.created) {
      const cards = modelCardsPath(loaded);
      core.setOutput('card-path', join(cards, `${version}.md`));
      if (inputs.publish) {
        const branch = checkRefName('branch', inputs.branch ?? env.GITHUB_REF_NAME ?? 'main');
        const published = await publishModelCard({
          repoDir: loaded.baseDir,
          version,
          files: [join(cards, `${version}.json`), join(cards, `${version}.md`)],
          branch,
          remote: inputs.remote,
          modelName: loaded.config.name,
          logger,
        });
        tag = published.tag;
        core.setOutput('tag', tag);
        core.setOutput('commit', published.commit);
        const registry = await ModelRegistry.open(registryPath(loaded));
        const versionDir = registry.versionDir(version);
        const runUrl = githubRunUrl(env);
        const notes = await readFile(join(versionDir, 'card.md'), 'utf8');
        const release = await publishModelRelease(createGitHubClient(inputs['github-token'], env), parseRepository(env.GITHUB_REPOSITORY), {
          tag,
          targetCommitish: published.commit,
          name: `${loaded.config.name} ${version}`,
          body: runUrl ? `${notes.trimEnd()}\n\n---\nTrained and gated in [this workflow run](${runUrl}).\n` : notes,
          files: [...modelReleaseAssetNames, ...(await presentFiles(versionDir, optionalModelReleaseAssetNames))].map((name) => join(versionDir, name)),
          makeLatest: true,
        });
        releaseUrl = release.htmlUrl;
        core.setOutput('release-url', release.htmlUrl);
        core.setOutput('release-id', String(release.id));
        logger.info(`Released ${tag}: ${release.htmlUrl} (${release.assets.length} assets).`);
      }
    }
    await core.summary
      .addRaw(
        renderRegisterSummary({
          version,
          created: outcome.created,
          tag,
          releaseUrl,
          candidate: chosen?.id ?? ctx.workspace.dir,
          candidates: candidates.map((c) => ({ id: c.id, passed: c.passed, value: c.value })),
          primaryMetric: chosen?.primaryMetric ?? '',
        }),
      )
      .write();
  });
}

if (isMainModule(import.meta.url)) await run();

/** The names among `names` that are files in `dir`. */
async function presentFiles(dir: string, names: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const name of names) if ((await stat(join(dir, name)).catch(() => null))?.isFile()) present.push(name);
  return present;
}
