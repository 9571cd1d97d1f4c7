import { readFile } from 'node:fs/promises';
import { z } from 'zod';

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

/** Reads the event payload; {} when there is none (a local run). */
export async function readEventPayload(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  if (!env.GITHUB_EVENT_PATH) return {};
  const text = await readFile(env.GITHUB_EVENT_PATH, 'utf8').catch(() => null);
  if (text === null) return {};
  try {
    const payload: unknown = JSON.parse(text);
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
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

