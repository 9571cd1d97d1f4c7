import type { DeployTargetName } from '../config/deploy-schema.js';
import { DeployError, describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { waitForServedVersion } from './verify.js';

/**
 * Deploying one model version to a target, checking it, and putting the previous version back
 * when the check fails. Targets (local, webhook, kubernetes) only know how to put a version in
 * place; this module owns the order of events and the rollback, the same for the CLI and the
 * deploy action.
 */

/** A place a version can run. */
export interface DeployTarget {
  name: DeployTargetName;
  /** Where the target runs, for logs (`container on 127.0.0.1:8080`, `deployment/x in ns`). */
  describe(): string;
  /** The version running now, or null when nothing (known) runs. */
  current(): Promise<string | null>;
  /** Puts `version` in place; returns the base URL whose `/model` must report it. */
  deploy(version: string): Promise<{ url: string }>;
  /** A reason when the version just deployed can no longer come up (its process exited). */
  failFast?(): Promise<string | null>;
}

/** GitHub's deployment states this module uses. */
export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/** What a recorder is told about a deployment. */
export interface DeploymentRecord {
  /** The git ref deployed: the release tag. */
  ref: string;
  version: string;
  image?: string | undefined;
  target: DeployTargetName;
  description: string;
}

/** Records deployments somewhere (GitHub Deployments on Actions); optional everywhere. */
export interface DeploymentRecorder {
  start(record: DeploymentRecord): Promise<number>;
  status(id: number, state: DeploymentState, detail: { description: string; url?: string | undefined }): Promise<void>;
}

/** Options of {@link deployVersion}. */
export interface DeployVersionOptions {
  target: DeployTarget;
  version: string;
  /** The version to restore when the check fails; asked from the target when absent. */
  previous?: string | null;
  verify: { timeoutMs: number; intervalMs: number };
  /** The image reference of `version`, for the record. */
  imageFor?: (version: string) => string | undefined;
  recorder?: DeploymentRecorder;
  logger: Logger;
}

/** A deploy that passed its check. */
export interface DeployOutcome {
  version: string;
  url: string;
  previous: string | null;
  /** The recorded deployment's id, when a recorder was given. */
  deploymentId: number | null;
}

/**
 * Deploys `version`, waits until `/model` reports it, and records each stage. When deploying
 * or the check fails, deploys the previous version again (and checks it), records both, and
 * throws a DeployError that says what failed and what runs now.
 */
export async function deployVersion(options: DeployVersionOptions): Promise<DeployOutcome> {
  const { target, version, logger, recorder } = options;
  const previous = options.previous !== undefined ? options.previous : await target.current().catch(() => null);
  logger.info(`Deploying ${version} to ${target.describe()}${previous ? ` (running now: ${previous})` : ''}.`);
  const deploymentId = await recordStart(recorder, options, version, `Deploy ${version} to ${target.name}`);
  try {
    const { url } = await target.deploy(version);
    await waitForServedVersion(url, version, { ...options.verify, failFast: () => target.failFast?.() ?? Promise.resolve(null) });
    if (deploymentId !== null) await recorder!.status(deploymentId, 'success', { description: `${version} is live; /model reports it`, url });
    logger.info(`${url}/model reports ${version}.`);
    return { version, url, previous, deploymentId };
  } catch (error) {
    const reason = describeError(error);
    logger.error(`Deploy of ${version} failed: ${reason}`);
    if (deploymentId !== null) await recorder!.status(deploymentId, 'failure', { description: reason });
    if (!previous || previous === version) {
      throw new DeployError(`Deploy of ${version} to ${target.name} failed: ${reason} There is no previous version to restore.`);
    }
    logger.warn(`Restoring the previous version ${previous}.`);
    const rollbackId = await recordStart(recorder, options, previous, `Rollback to ${previous} after the failed deploy of ${version}`);
    try {
      const { url } = await target.deploy(previous);
      await waitForServedVersion(url, previous, { ...options.verify, failFast: () => target.failFast?.() ?? Promise.resolve(null) });
      if (rollbackId !== null) await recorder!.status(rollbackId, 'success', { description: `rolled back to ${previous}`, url });
    } catch (rollbackError) {
      if (rollbackId !== null) await recorder!.status(rollbackId, 'error', { description: describeError(rollbackError) });
      throw new DeployError(
        `Deploy of ${version} to ${target.name} failed: ${reason} Restoring ${previous} failed too: ${describeError(rollbackError)} Nothing verified runs now.`,
      );
    }
    throw new DeployError(`Deploy of ${version} to ${target.name} failed: ${reason} Rolled back: ${previous} runs again and /model reports it.`);
  }
}

async function recordStart(recorder: DeploymentRecorder | undefined, options: DeployVersionOptions, version: string, description: string): Promise<number | null> {
  if (!recorder) return null;
  const id = await recorder.start({
    ref: `v${version}`,
    version,
    image: options.imageFor?.(version),
    target: options.target.name,
    description,
  });
  await recorder.status(id, 'in_progress', { description });
  return id;
}
