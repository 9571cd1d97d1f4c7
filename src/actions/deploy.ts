import * as core from '@actions/core';
import { z } from 'zod';
import type { LoadedConfig } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { RegistryError } from '../core/errors.js';
import { githubRunUrl } from '../core/git-info.js';
import type { Logger } from '../core/logger.js';
import { deployVersion, type DeploymentRecorder } from '../deploy/deploy.js';
import { createDeployTarget, deployTargetNames, imageRepository } from '../deploy/targets.js';
import { createGitHubClient, parseRepository, type GitHubClient, type RepositoryRef } from '../github/client.js';
import { createGitHubDeploymentRecorder, listEnvironmentDeployments } from '../github/deployments.js';
import { importReleaseVersion } from '../github/release-registry.js';
import { getChampionRelease, getReleaseByTag, markReleaseLatest, releaseTag } from '../github/releases.js';
import { registryPath } from '../config/paths.js';
import { ModelRegistry } from '../registry/registry.js';
import { parseReleaseTag } from '../registry/semver.js';
import { booleanInput, configInputsSchema, readInputs } from './inputs.js';
import { isMainModule, runAction } from './run-action.js';
import { inputPath } from './step-context.js';
import { renderDeploySkippedSummary, renderDeploySummary } from './summaries.js';

/** Inputs of actions/deploy (keys exactly as in its action.yml). */
export const deployInputsSchema = configInputsSchema.extend({
  /** A release tag (v1.2.0 or 1.2.0); checked strictly before anything else uses it. */
  version: z.string({ message: 'required: the release tag to deploy, e.g. v1.2.0' }).transform((tag, ctx) => {
    try {
      return parseReleaseTag(tag);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  /** Overrides deploy.target. */
  target: z.enum(deployTargetNames as [string, ...string[]]).optional(),
  /** The GitHub environment the deployment is recorded for. */
  environment: z
    .string()
    .regex(/^[A-Za-z0-9 ._-]{1,255}$/, 'expected an environment name (letters, digits, space, . _ -)')
    .default('production'),
  /** Record a GitHub Deployment with statuses (needs deployments: write). */
  'record-deployment': booleanInput.default(true),
  /** Mark the deployed release as latest once it serves, so it becomes the champion. */
  'mark-latest': booleanInput.default(false),
  /**
   * The release this deploy replaces (the champion a retrain compared against). When the latest
   * release is another one by now (a rollback happened meanwhile), nothing is deployed.
   */
  replaces: z.string().default(''),
  /** The deploy hook URL (the secret deploy.webhook.url_env names); the variable of that name when empty. */
  'webhook-url': z.string().default(''),
  /** The deploy hook token (the secret deploy.webhook.token_env names); the variable of that name when empty. */
  'webhook-token': z.string().default(''),
  /** Only print the deploy settings of the config (target, image, the secret names) as outputs. */
  'settings-only': booleanInput.default(false),
  'github-token': z.string().default(''),
});
export type DeployInputs = z.infer<typeof deployInputsSchema>;

/** Reads the inputs once (the version tag is validated here, before any use). */
export function getInputs(): DeployInputs {
  return readInputs(deployInputsSchema);
}

interface GitHubSide {
  client: GitHubClient;
  repository: RepositoryRef;
}

/** Makes sure the registry holds `version`, downloading its release when it does not. */
async function ensureVersion(loaded: LoadedConfig, version: string, github: GitHubSide | null, logger: Logger): Promise<void> {
  const registry = await ModelRegistry.open(registryPath(loaded));
  if (await registry.get(version)) return;
  if (!github) throw new RegistryError(`Version ${version} is not in the registry at ${registryPath(loaded)}, and without GITHUB_REPOSITORY and a token its release cannot be fetched.`);
  const release = await getReleaseByTag(github.client, github.repository, releaseTag(version));
  if (!release) throw new RegistryError(`There is no release ${releaseTag(version)} in ${github.repository.owner}/${github.repository.repo}.`);
  await importReleaseVersion(github.client, github.repository, release, registryPath(loaded), { champion: false, logger });
}

/** The version last deployed successfully to the environment (other than `version`), from GitHub. */
async function previousFromGitHub(github: GitHubSide, environment: string, version: string): Promise<string | null> {
  const deployments = await listEnvironmentDeployments(github.client, github.repository, environment);
  return deployments.find((d) => d.state === 'success' && d.version !== null && d.version !== version)?.version ?? null;
}

/** Why a deploy is not made at all (the summary and the `skipped` output say it), or null. */
async function reasonToSkip(inputs: DeployInputs, targetName: string, github: GitHubSide | null, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (targetName === 'local' && env.RUNNER_ENVIRONMENT === 'github-hosted') {
    return (
      'No production target is configured: deploy.target is `local`, and this job runs on a GitHub-hosted runner, which is destroyed when the job ends. ' +
      'Set deploy.target to webhook or kubernetes in mlops.config.yaml, or run the deploy job on your own machine (repository variable MLOPS_DEPLOY_RUNNER=self-hosted).'
    );
  }
  if (inputs.replaces && github) {
    const latest = await getChampionRelease(github.client, github.repository);
    const replaces = parseReleaseTag(inputs.replaces);
    if (latest && latest.version !== replaces) {
      return `Production changed while this run was under way: the latest release is now ${latest.tag} (this run replaced v${replaces}; a rollback or another deploy happened meanwhile). v${inputs.version} is released but not deployed: run the Deploy workflow with version v${inputs.version} to deploy it.`;
    }
  }
  return null;
}

/** The environment the target reads its secrets from: the webhook inputs under the config's names. */
function targetEnvironment(inputs: DeployInputs, loaded: LoadedConfig, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const webhook = loaded.config.deploy.webhook;
  if (!webhook) return env;
  return {
    ...env,
    ...(inputs['webhook-url'] ? { [webhook.url_env]: inputs['webhook-url'] } : {}),
    ...(inputs['webhook-token'] && webhook.token_env ? { [webhook.token_env]: inputs['webhook-token'] } : {}),
  };
}

async function markLatest(github: GitHubSide, version: string, logger: Logger): Promise<void> {
  const release = await getReleaseByTag(github.client, github.repository, releaseTag(version));
  if (!release) return;
  await markReleaseLatest(github.client, github.repository, release);
  logger.info(`Marked ${release.tag} as the latest release: it is the champion.`);
}

/**
 * actions/deploy: deploys a released version to the configured target, checks `/model`, rolls
 * back on failure, records a GitHub Deployment with its statuses, and (with mark-latest) marks
 * the release latest once it serves. A GitHub-hosted runner is never production: with the
 * `local` target there, nothing is deployed and the summary says how to configure production.
 */
export async function run(): Promise<void> {
  await runAction(async (logger) => {
    const inputs = getInputs();
    const env = process.env;
    const version = inputs.version;
    const loaded = await loadConfig(inputPath(inputs.config));
    logger.setBaseDir(loaded.baseDir);
    const targetName = (inputs.target ?? loaded.config.deploy.target) as (typeof deployTargetNames)[number];
    const image = imageRepository(loaded.config.deploy, loaded.config.name, env);
    if (inputs['settings-only']) {
      core.setOutput('target', targetName);
      core.setOutput('image', image);
      core.setOutput('webhook-url-secret', loaded.config.deploy.webhook?.url_env ?? '');
      core.setOutput('webhook-token-secret', loaded.config.deploy.webhook?.token_env ?? '');
      return;
    }
    const github: GitHubSide | null =
      env.GITHUB_REPOSITORY && inputs['github-token'] ? { client: createGitHubClient(inputs['github-token'], env), repository: parseRepository(env.GITHUB_REPOSITORY) } : null;
    const skip = await reasonToSkip(inputs, targetName, github, env);
    if (skip) {
      core.setOutput('deployed', 'false');
      core.setOutput('skipped', skip);
      const nothingServes = targetName === 'local' && env.RUNNER_ENVIRONMENT === 'github-hosted';
      // With no production at all, the latest release is simply the newest gated one.
      if (nothingServes && inputs['mark-latest'] && github) await markLatest(github, version, logger);
      logger.warn(`Not deployed: ${skip}`);
      await core.summary.addRaw(renderDeploySkippedSummary(version, skip)).write();
      return;
    }
    const target = await createDeployTarget({ loaded, target: targetName, registryRoot: registryPath(loaded), env: targetEnvironment(inputs, loaded, env), logger });
    await ensureVersion(loaded, version, github, logger);
    let previous = await target.current().catch(() => null);
    if (previous === null && github) previous = await previousFromGitHub(github, inputs.environment, version);
    if (previous !== null && targetName === 'local') await ensureVersion(loaded, previous, github, logger);
    const recorder: DeploymentRecorder | undefined =
      github && inputs['record-deployment']
        ? createGitHubDeploymentRecorder({ ...github, environment: inputs.environment, logUrl: githubRunUrl(env) ?? undefined })
        : undefined;
    const outcome = await deployVersion({
      target,
      version,
      previous,
      verify: { timeoutMs: loaded.config.deploy.verify.timeout_s * 1000, intervalMs: loaded.config.deploy.verify.interval_ms },
      imageFor: (v) => `${image}:${v}`,
      recorder,
      logger,
    });
    core.setOutput('deployed', 'true');
    core.setOutput('deployed-version', outcome.version);
    core.setOutput('url', outcome.url);
    core.setOutput('deployment-id', outcome.deploymentId === null ? '' : String(outcome.deploymentId));
    core.setOutput('previous-version', outcome.previous ?? '');
    if (inputs['mark-latest'] && github) await markLatest(github, version, logger);
    await core.summary
      .addRaw(renderDeploySummary({ version, target: target.describe(), url: outcome.url, previous: outcome.previous, deploymentId: outcome.deploymentId, environment: inputs.environment }))
      .write();
  });
}

if (isMainModule(import.meta.url)) await run();
