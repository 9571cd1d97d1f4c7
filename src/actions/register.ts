import * as core from '@actions/core';
import { join } from 'node:path';
import { z } from 'zod';
import { GateRejectedError, RegistryError } from '../core/errors.js';
import { readCodeVersion } from '../core/git-info.js';
import { imageRepository } from '../deploy/targets.js';
import { createGitHubClient, parseRepository, type GitHubClient, type RepositoryRef } from '../github/client.js';
import { checkRefName, remoteVersionTags, versionOfWorkflowRun, type EarlierRelease, type PublishCardOptions } from '../github/git-publish.js';
import { findReleasedSameModel } from '../github/released-model.js';
import { modelCardsPath } from '../config/paths.js';
import { modelFiles } from '../model/model-io.js';
import { registerStep } from '../pipeline/register-step.js';
import type { StepContext } from '../pipeline/step-context.js';
import { runManifestSchema, trainingRecordSchema } from '../pipeline/workspace.js';
import { publishVersion } from './publish-model.js';
import { championInputSchema, prepareChampion } from './champion.js';
import { booleanInput, readInputs, stepInputsSchema, textInput } from './inputs.js';
import { isMainModule, runAction, workspaceRoot } from './run-action.js';
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

/**
 * The work dir to register: the best sweep candidate (or the one an earlier attempt of this run
 * released: a re-run keeps its choice), or the `work-dir` input (undefined: the default).
 */
async function chooseWorkDir(inputs: RegisterInputs, earlierCandidate: string | null): Promise<{ dir: string | undefined; candidates: SweepCandidate[]; chosen: SweepCandidate | null }> {
  if (!inputs['candidates-dir']) return { dir: undefined, candidates: [], chosen: null };
  const candidates = await readSweepCandidates(inputPath(inputs['candidates-dir']));
  for (const c of candidates) core.info(`candidate ${c.id}: ${c.passed ? 'passed' : 'rejected'}, ${c.primaryMetric} ${c.value ?? 'undefined'}`);
  const earlier = earlierCandidate ? candidates.find((c) => c.runId === earlierCandidate) : undefined;
  if (earlier) core.info(`An earlier attempt of this run released candidate ${earlier.id}: keeping it.`);
  const chosen = earlier ?? selectBestCandidate(candidates);
  if (!chosen) throw new GateRejectedError(`None of the ${candidates.length} sweep candidates passed the gate; nothing is registered.`);
  core.info(`Chose ${chosen.id} (${chosen.primaryMetric} ${chosen.value}).`);
  return { dir: chosen.dir, candidates, chosen };
}

/** Tags, a re-run's own version, and the already-released check, when publishing. */
async function publicationFacts(ctx: StepContext, inputs: RegisterInputs, client: GitHubClient, repository: RepositoryRef, auth: PublishCardOptions['auth'], earlier: EarlierRelease | null) {
  const run = await ctx.workspace.read('run', runManifestSchema, 'validate');
  const training = await ctx.workspace.read('training', trainingRecordSchema, 'train');
  const tags = await remoteVersionTags(ctx.loaded.baseDir, inputs.remote, auth);
  const resumed = earlier && earlier.candidateRun === run.run_id ? earlier.version : null;
  const weights = training.model_files[modelFiles.weights];
  const released =
    resumed || !weights
      ? null
      : await findReleasedSameModel(client, repository, {
          weightsSha256: weights,
          dataSha256: run.data_sha256,
          configSha256: ctx.loaded.hash,
          code: await readCodeVersion(ctx.loaded.baseDir, ctx.env),
        });
  return { candidateRun: run.run_id, taken: tags.filter((v) => v !== resumed), resumed, released };
}

/**
 * actions/register: stores the gated model as the next version (after the champion release,
 * so its number follows it, and past every version tag of the repository), and with `publish`
 * commits its card, tags it and releases it with the model files attached. A re-run of the same
 * run finishes the release it started; a model already released (the same weights, data,
 * config and code) is not released again.
 */
export async function run(): Promise<void> {
  await runAction(async (logger) => {
    const inputs = getInputs();
    const env = process.env;
    const auth = inputs['github-token'] && env.GITHUB_SERVER_URL ? { serverUrl: env.GITHUB_SERVER_URL, token: inputs['github-token'] } : null;
    const earlier = inputs.publish && env.GITHUB_RUN_ID ? await versionOfWorkflowRun(workspaceRoot(env), inputs.remote, env.GITHUB_RUN_ID, auth) : null;
    const { dir, candidates, chosen } = await chooseWorkDir(inputs, earlier?.candidateRun ?? null);
    const ctx = await openActionStepContext(inputs, logger, { workDir: dir });
    const { loaded } = ctx;
    const champion = await prepareChampion(inputs.champion, { loaded, token: inputs['github-token'], env, logger });
    core.setOutput('champion-version', champion ?? '');
    core.setOutput('image', imageRepository(loaded.config.deploy, loaded.config.name, env));
    const client = inputs.publish ? createGitHubClient(inputs['github-token'], env) : null;
    const repository = inputs.publish ? parseRepository(env.GITHUB_REPOSITORY) : null;
    const facts = client && repository ? await publicationFacts(ctx, inputs, client, repository, auth, earlier) : null;
    let version: string;
    let created: boolean;
    if (facts?.released) {
      version = facts.released.slice(1);
      created = false;
      logger.info(`Nothing new: this exact model (weights, data, config and code) is already released as ${facts.released}${champion && champion !== version ? `; the champion is ${champion}` : ''}.`);
    } else {
      const outcome = await registerStep(ctx, { promote: true, takenElsewhere: facts?.taken ?? [] });
      version = outcome.version.version;
      created = outcome.created;
      if (facts?.resumed && !created && version === facts.resumed) {
        // An earlier attempt released this candidate and it is the champion now: finish that
        // release (tag adopted, missing assets uploaded) instead of calling it unchanged.
        logger.info(`An earlier attempt of this run released this candidate as v${version}: finishing that release.`);
        created = true;
      }
      if (facts?.resumed && created && version !== facts.resumed) {
        throw new RegistryError(`An earlier attempt of this run released this candidate as v${facts.resumed}, but registering it again gave ${version}: the champion changed meanwhile. Start a new retrain instead of re-running this one.`);
      }
    }
    core.setOutput('version', version);
    core.setOutput('created', String(created));
    core.setOutput('work-dir', ctx.workspace.dir);
    let tag: string | null = null;
    let releaseUrl: string | null = null;
    let cardBranch: string | null = null;
    if (created) core.setOutput('card-path', join(modelCardsPath(loaded), `${version}.md`));
    if (created && inputs.publish && client && repository && facts) {
      const published = await publishVersion({
        loaded,
        version,
        branch: checkRefName('branch', inputs.branch ?? env.GITHUB_REF_NAME ?? 'main'),
        remote: inputs.remote,
        candidateRun: facts.candidateRun,
        workflowRun: env.GITHUB_RUN_ID ?? null,
        auth,
        client,
        repository,
        env,
        logger,
      });
      tag = published.card.tag;
      releaseUrl = published.release.htmlUrl;
      cardBranch = published.card.cardBranch;
      core.setOutput('tag', tag);
      core.setOutput('commit', published.card.commit);
      core.setOutput('card-branch', cardBranch ?? '');
      core.setOutput('release-url', releaseUrl);
      core.setOutput('release-id', String(published.release.id));
    }
    await core.summary
      .addRaw(
        renderRegisterSummary({
          version,
          created,
          tag,
          releaseUrl,
          candidate: chosen?.id ?? ctx.workspace.dir,
          candidates: candidates.map((c) => ({ id: c.id, passed: c.passed, value: c.value })),
          primaryMetric: chosen?.primaryMetric ?? '',
          alreadyReleased: facts?.released ?? null,
          champion,
          cardBranch,
        }),
      )
      .write();
  });
}

if (isMainModule(import.meta.url)) await run();
