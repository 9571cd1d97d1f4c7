import * as core from '@actions/core';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { createGitHubClient, parseRepository } from '../github/client.js';
import { maxCommentLength, upsertPullRequestComment } from '../github/pr-comment.js';
import { readInputs, textInput } from './inputs.js';
import { isMainModule, runAction } from './run-action.js';
import { inputPath } from './step-context.js';

/**
 * actions/pr-comment: posts the model-check comment that a `pull_request` run left as an
 * artifact, from a `workflow_run` workflow that has a write token. The artifact was written by
 * code from the pull request (possibly a fork), so it is data, never instructions: the PR number
 * must be a plain number, the body bounded UTF-8 text, and the PR's head must be the commit the
 * evaluating run checked out (so an artifact cannot aim the comment at another pull request).
 * Nothing from it is executed or interpolated into a shell.
 */

/** Inputs of actions/pr-comment (keys exactly as in its action.yml). */
export const prCommentInputsSchema = z.strictObject({
  /** The downloaded artifact folder holding `pr-number` and `body.md`. */
  'comment-dir': textInput,
  /** `github.event.workflow_run.head_sha`: the commit the evaluating run tested. */
  'head-sha': z.string().regex(/^[0-9a-f]{40}$/, 'expected the 40-hex head_sha of the workflow run'),
  'github-token': z.string().default(''),
});
export type PrCommentInputs = z.infer<typeof prCommentInputsSchema>;

/** The files the model-check workflow uploads. */
export const commentArtifactFiles = { prNumber: 'pr-number', body: 'body.md' } as const;

/** Reads the inputs once. */
export function getInputs(): PrCommentInputs {
  return readInputs(prCommentInputsSchema);
}

/** Parses the artifact's PR number: digits only, positive, bounded. */
export function parsePullNumber(text: string): number {
  const trimmed = text.trim();
  if (!/^[1-9][0-9]{0,9}$/.test(trimmed)) throw new ConfigError(`The artifact's ${commentArtifactFiles.prNumber} is not a pull request number.`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) throw new ConfigError(`The artifact's ${commentArtifactFiles.prNumber} is out of range.`);
  return value;
}

/** Checks the artifact's body: valid UTF-8 without NUL, at most GitHub's comment size. */
export function parseCommentBody(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(`The artifact's ${commentArtifactFiles.body} is not UTF-8 text.`);
  }
  if (text.includes('\u0000')) throw new ConfigError(`The artifact's ${commentArtifactFiles.body} contains NUL characters.`);
  if (text.trim() === '') throw new ConfigError(`The artifact's ${commentArtifactFiles.body} is empty.`);
  if (text.length > maxCommentLength) throw new ConfigError(`The artifact's ${commentArtifactFiles.body} is longer than ${maxCommentLength} characters.`);
  return text;
}

async function readBounded(path: string, limit: number): Promise<Uint8Array> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new ConfigError(`${path} is missing from the comment artifact.`);
  if (info.size > limit) throw new ConfigError(`${path} is larger than ${limit} bytes.`);
  return readFile(path);
}

/** Posts or updates the model-check comment from the artifact. */
export async function run(): Promise<void> {
  await runAction(async (logger) => {
    const inputs = getInputs();
    const dir = inputPath(inputs['comment-dir']);
    const pullNumber = parsePullNumber(new TextDecoder().decode(await readBounded(join(dir, commentArtifactFiles.prNumber), 32)));
    const body = parseCommentBody(await readBounded(join(dir, commentArtifactFiles.body), 4 * maxCommentLength));
    const client = createGitHubClient(inputs['github-token']);
    const repository = parseRepository(process.env.GITHUB_REPOSITORY);
    const { data: pull } = await client.rest.pulls.get({ ...repository, pull_number: pullNumber });
    core.setOutput('pr-number', String(pullNumber));
    if (pull.head.sha !== inputs['head-sha']) {
      // A newer push (whose run posts its own result), or an artifact naming another PR: skip.
      logger.warn(`Pull request #${pullNumber} is at ${pull.head.sha.slice(0, 12)}, but the evaluating run tested ${inputs['head-sha'].slice(0, 12)}: not posting.`);
      core.setOutput('action', 'skipped');
      return;
    }
    const outcome = await upsertPullRequestComment(client, repository, pullNumber, body);
    core.setOutput('comment-id', String(outcome.id));
    core.setOutput('action', outcome.action);
    if (outcome.url) core.setOutput('comment-url', outcome.url);
    logger.info(`${outcome.action === 'created' ? 'Posted' : 'Updated'} the model-check comment on #${pullNumber}.`);
  });
}

if (isMainModule(import.meta.url)) await run();
