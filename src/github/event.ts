import { z } from 'zod';
import { safeReadJsonFile } from '../core/json-file.js';

/**
 * The event that started the workflow, as the runner hands it over: the JSON payload at
 * GITHUB_EVENT_PATH. Only the fields the actions use are read, through a schema.
 */

const pullRequestPayloadSchema = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/) }),
    html_url: z.string().optional(),
  }),
});

/** The pull request of a `pull_request` event. */
export interface PullRequestRef {
  number: number;
  headSha: string;
}

const eventPayloadSchema = z.record(z.string(), z.unknown());

/** Reads the event payload; {} when there is none (a local run) or it is not a JSON object. */
export async function readEventPayload(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  if (!env.GITHUB_EVENT_PATH) return {};
  const read = await safeReadJsonFile(env.GITHUB_EVENT_PATH, eventPayloadSchema);
  return read.success ? read.data : {};
}

/** The pull request a payload is about, or null for other events. */
export function pullRequestOf(payload: Record<string, unknown>): PullRequestRef | null {
  const parsed = pullRequestPayloadSchema.safeParse(payload);
  return parsed.success ? { number: parsed.data.pull_request.number, headSha: parsed.data.pull_request.head.sha } : null;
}

/** The commit a run evaluates: the PR head for pull requests, GITHUB_SHA otherwise. */
export function evaluatedCommit(payload: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string | null {
  return pullRequestOf(payload)?.headSha ?? env.GITHUB_SHA ?? null;
}

