import { ConfigError, describeError } from '../core/errors.js';

/**
 * The serving image's HEALTHCHECK, run by node itself (the image carries no curl or wget):
 * `GET /health` on loopback at the container's PORT. Liveness, not readiness: `/health`
 * answers as soon as the server listens, so a container is not restarted while its model loads.
 */

/** Port the server listens on when PORT is not set (the Dockerfile's default too). */
export const defaultServingPort = 8080;

/** The outcome of one probe. */
export interface HealthProbe {
  healthy: boolean;
  /** One line for `docker inspect`'s health log: the status code or why there was none. */
  detail: string;
}

/** The URL a probe uses: `http://127.0.0.1:<PORT>/health`. A PORT that is not a port number is a ConfigError. */
export function healthCheckUrl(env: NodeJS.ProcessEnv): string {
  const text = env.PORT?.trim();
  if (text === undefined || text === '') return `http://127.0.0.1:${defaultServingPort}/health`;
  const port = Number(text);
  if (!/^[0-9]+$/.test(text) || port < 1 || port > 65535) {
    throw new ConfigError(`Invalid PORT ${JSON.stringify(env.PORT)}: expected a port number from 1 to 65535.`);
  }
  return `http://127.0.0.1:${port}/health`;
}

/** GETs `url` and reports healthy on a 2xx answer within `timeoutMs`; never throws. */
export async function probeHealth(url: string, timeoutMs: number): Promise<HealthProbe> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await fetch(url, { signal: abort.signal, redirect: 'error' });
    await response.body?.cancel();
    return { healthy: response.ok, detail: `GET ${url}: ${response.status}` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { healthy: false, detail: `GET ${url} failed: ${describeError(error)}${cause}` };
  } finally {
    clearTimeout(timer);
  }
}
