import { once } from 'node:events';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { bearerMatches, FailureLimiter } from './admin-auth.js';
import type { FeedbackHub } from './feedback.js';
import { RequestError } from './http-errors.js';
import type { ModelHost } from './model-host.js';

/**
 * The routes that need the admin token (`Authorization: Bearer $MLOPS_ADMIN_TOKEN`):
 *
 *   POST /admin/reload     check the registry for a new champion now
 *   GET  /admin/feedback   the labelled predictions of the prediction log (model and label lines,
 *                          application/x-ndjson), which the `feedback` data source reads
 *
 * Without a token they answer 404. Wrong tokens are limited per address (5 a minute, then 429
 * until the minute ends, even with the right token, or guessing would go on).
 */

/** Wrong admin tokens a client address may send per minute. */
const adminFailuresPerMinute = 5;

export interface AdminContext {
  host: ModelHost;
  log: PinoLogger;
  adminToken: string | null;
  feedback: FeedbackHub | null;
}

type RouteMarker = (name: string) => (req: Request, res: Response, next: NextFunction) => void;

/** Mounts the admin routes; `route` marks a request's route for metrics and logs. */
export function mountAdminRoutes(app: Express, context: AdminContext, route: RouteMarker): void {
  const failures = new FailureLimiter({ maxFailures: adminFailuresPerMinute, windowMs: 60_000, maxClients: 10_000 });

  /** Refuses the request unless it carries the admin token (404 when there is none). */
  const requireAdmin = (req: Request, res: Response, what: string): void => {
    if (context.adminToken === null) {
      throw new RequestError(404, 'admin_disabled', `${what} is disabled: start the server with MLOPS_ADMIN_TOKEN set to enable it.`);
    }
    const client = req.socket.remoteAddress ?? 'unknown';
    const waitMs = failures.retryAfterMs(client);
    if (waitMs > 0) {
      res.setHeader('retry-after', String(Math.ceil(waitMs / 1000)));
      throw new RequestError(429, 'too_many_requests', `Too many wrong admin tokens from this address: try again in ${Math.ceil(waitMs / 1000)} s.`);
    }
    if (!bearerMatches(req.headers.authorization, context.adminToken)) {
      failures.fail(client);
      res.setHeader('www-authenticate', 'Bearer realm="mlops"');
      throw new RequestError(401, 'unauthorized', `${what} needs the header Authorization: Bearer <MLOPS_ADMIN_TOKEN>.`);
    }
  };

  app.post('/admin/reload', route('/admin/reload'), async (req, res) => {
    requireAdmin(req, res, 'POST /admin/reload');
    const outcome = await context.host.refresh(true);
    if (outcome.status === 'refused') {
      throw new RequestError(409, 'model_refused', `Version ${outcome.version} was refused; still serving ${outcome.serving ?? 'nothing'}: ${outcome.cause}`);
    }
    context.log.info({ outcome: outcome.status, version: outcome.version }, 'admin reload');
    res.json(outcome.status === 'swapped' ? { status: 'swapped', model_version: outcome.version, previous: outcome.from } : { status: 'unchanged', model_version: outcome.version });
  });

  app.get('/admin/feedback', route('/admin/feedback'), async (req, res) => {
    requireAdmin(req, res, 'GET /admin/feedback');
    const feedback = context.feedback;
    if (!feedback) throw new RequestError(404, 'feedback_disabled', 'There are no labelled predictions: feedback.enabled is false in the config.');
    res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    for await (const line of feedback.labelledLines()) {
      if (res.destroyed) return;
      if (!res.write(`${line}\n`)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  });
}
