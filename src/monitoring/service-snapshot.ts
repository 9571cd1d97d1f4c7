import { DeployError, describeError } from '../core/errors.js';
import { describeJsonFileProblem, parseJsonText } from '../core/json-file.js';
import { z } from 'zod';
import { monitoringSnapshotSchema, type MonitoringSnapshot } from './snapshot-schema.js';

/**
 * Reads `/monitoring` of a running `mlops serve`: what `mlops monitor --url` and the scheduled
 * monitor workflow judge. A service that cannot be reached or answers something else than the
 * report is a DeployError (exit 6), so a caller tells "the service is down" from "thresholds
 * crossed" (exit 3).
 */

/** `SERVICE_URL/monitoring` (with or without a trailing slash, query dropped); null unless an http(s) URL. */
export function monitoringUrl(serviceUrl: string): string | null {
  return serviceEndpoint(serviceUrl, 'monitoring');
}

/** `SERVICE_URL/<endpoint>` (with or without a trailing slash, query dropped); null unless an http(s) URL. */
export function serviceEndpoint(serviceUrl: string, endpoint: string): string | null {
  if (!URL.canParse(serviceUrl)) return null;
  const base = new URL(serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return null;
  base.search = '';
  base.hash = '';
  return new URL(endpoint, base).href;
}

/** Fetches and validates the monitoring report; `shown` is how the URL appears in messages. */
export function readServiceMonitoring(url: string, shown: string, timeoutMs: number): Promise<MonitoringSnapshot> {
  return readServiceJson(url, shown, timeoutMs, monitoringSnapshotSchema, 'a monitoring report');
}

/** The served version's training time, from `/model` (`lineage.created_at`): when its retrain ran. */
const servedTrainingSchema = z.object({ version: z.string(), lineage: z.object({ created_at: z.iso.datetime({ offset: true }) }) });

/** The served version and when it was trained, read from `SERVICE_URL/model`. */
export async function readServedTraining(url: string, shown: string, timeoutMs: number): Promise<{ version: string; trainedAt: Date }> {
  const model = await readServiceJson(url, shown, timeoutMs, servedTrainingSchema, 'the served model');
  return { version: model.version, trainedAt: new Date(model.lineage.created_at) };
}

/** Fetches JSON from the service and validates it; `what` names the expected answer in messages. */
async function readServiceJson<S extends z.ZodType>(url: string, shown: string, timeoutMs: number, schema: S, what: string): Promise<z.infer<S>> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : describeError(error);
    throw new DeployError(`Cannot read ${shown}: ${timedOut ? `no answer within ${timeoutMs / 1000} s` : cause}.`);
  }
  const text = await response.text().catch((error: unknown) => {
    throw new DeployError(`Cannot read ${shown}: the answer broke off (${describeError(error)}).`);
  });
  if (!response.ok) throw new DeployError(`${shown} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}: is it an mlops serve?`);
  return parseJsonText(text, shown, schema, (problem) => new DeployError(`${shown} did not answer ${what}: ${describeJsonFileProblem(problem)}`));
}
