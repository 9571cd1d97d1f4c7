import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { DeployError } from '../core/errors.js';
import { safeParseJsonText } from '../core/json-file.js';

/**
 * The post-deploy check: `/model` on the deployed service must report the requested version.
 * It polls, because every target switches over asynchronously (a process loading its model, a
 * platform rolling out an image), and it reports what it last saw when it gives up.
 */

/** Options of {@link waitForServedVersion}. */
export interface VerifyOptions {
  timeoutMs: number;
  intervalMs: number;
  /**
   * Asked between polls: a reason when the deployment can no longer come up (its process
   * exited), so the check fails at once instead of waiting out the timeout.
   */
  failFast?: () => Promise<string | null>;
  /** Per-request timeout. Default 5 s. */
  requestTimeoutMs?: number;
}

/** The part of `/model`'s answer the check reads (the rest is the serving API's business). */
const modelAnswerSchema = z.object({ version: z.string() }).loose();

/** One look at `/model`: the version it reported, or why there was none. */
export type ModelProbe = { ok: true; version: string } | { ok: false; reason: string };

/** The `/model` URL under a service's base URL. */
export function modelUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/model`;
}

/** Asks `/model` once. */
export async function probeServedVersion(baseUrl: string, requestTimeoutMs = 5000): Promise<ModelProbe> {
  const url = modelUrl(baseUrl);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(requestTimeoutMs), headers: { accept: 'application/json' } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, reason: `${url} did not answer (${cause ?? (error as Error).message})` };
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) return { ok: false, reason: `${url} answered HTTP ${response.status}` };
  const body = safeParseJsonText(text, url, modelAnswerSchema);
  if (body.success) return { ok: true, version: body.data.version };
  return { ok: false, reason: body.problem.kind === 'not-json' ? `${url} did not answer JSON` : `${url} answered JSON without a version` };
}

/**
 * Polls `/model` until it reports `version`. Throws a DeployError naming the URL, the expected
 * version and what was last seen (another version, an HTTP status, no answer) on timeout or
 * when `failFast` gives a reason.
 */
export async function waitForServedVersion(baseUrl: string, version: string, options: VerifyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const probe = await probeServedVersion(baseUrl, options.requestTimeoutMs);
    if (probe.ok && probe.version === version) return;
    last = probe.ok ? `it reports version ${probe.version}` : probe.reason;
    const fatal = await options.failFast?.();
    if (fatal) throw new DeployError(`${modelUrl(baseUrl)} never reported version ${version}: ${fatal} (last check: ${last}).`);
    if (Date.now() + options.intervalMs > deadline) {
      throw new DeployError(`${modelUrl(baseUrl)} did not report version ${version} within ${Math.round(options.timeoutMs / 1000)} s: ${last}.`);
    }
    await sleep(options.intervalMs);
  }
}
