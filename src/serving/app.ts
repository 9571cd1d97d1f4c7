import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { z } from 'zod';
import { dashboardPagePaths, mountDashboard } from '../dashboard/router.js';
import { RegistryError, describeError } from '../core/errors.js';
import { formatPredictions } from '../model/preprocessing.js';
import { ModelRegistry } from '../registry/registry.js';
import { mountAdminRoutes } from './admin-routes.js';
import { hostAllowed, type HostPolicy } from './allowed-hosts.js';
import type { ModelInfo, MonitoringSnapshot, VersionHistory } from './api-schema.js';
import type { MicroBatcher } from './batcher.js';
import { parseFeedbackBody } from './feedback-body.js';
import type { FeedbackHub } from './feedback.js';
import { clientClosedStatus, closeAfterResponse, lingeringClose, readBody, requireUtf8Charset } from './body-reader.js';
import { clientErrorAnswer, rawErrorResponse } from './client-errors.js';
import { RequestError, errorBody, fromHttpError } from './http-errors.js';
import type { ServingMetrics } from './metrics.js';
import type { ModelHandle, ModelHost } from './model-host.js';
import { RequestRecorder, type RequestRecord } from './request-log.js';
import { predictRequestSchema, type RequestLimits } from './request-validation.js';
import type { SampleLogWriter } from './sample-log-writer.js';
import type { TrafficStats } from './stats.js';
import { TurnQueue } from './turn-queue.js';
import { buildVersionHistory } from './version-history.js';

/**
 * The Express app of `mlops serve`. Routes:
 *
 *   POST /predict                     {"instances": [...]} or one instance → {"predictions", "model_version"};
 *                                     each prediction carries its `prediction_id`
 *   POST /feedback                    {"feedback": [{"prediction_id", "label"}]} → {"accepted", "duplicates", "rejected"}
 *   GET  /health                      200 while the process runs
 *   GET  /ready                       200 when a model is loaded and the server is not shutting down, else 503
 *   GET  /metrics                     Prometheus text
 *   GET  /model, /api/model.json      ModelInfo: version, card, lineage, evaluation, gate, features
 *   GET  /api/versions.json           VersionHistory: versions with metrics, champion moves, experiments
 *   GET  /monitoring, /api/monitoring.json   MonitoringSnapshot: drift of live traffic, live quality
 *   GET  /api/stats.json              ServingStats: traffic, latency percentiles, history
 *   GET  /api/request-schema.json     JSON Schema of a /predict body for the served model
 *   POST /admin/reload                check the registry now (Authorization: Bearer $MLOPS_ADMIN_TOKEN)
 *   GET  /admin/feedback              the labelled predictions of the prediction log, as log lines (same token)
 *   /                                 the dashboard (mounted after these routes)
 *
 * Every error is JSON `{"error": {"code", "message", "field"?, "instance"?}}`; client mistakes are
 * 4xx and never reach a 5xx, including those Node's HTTP layer catches (`onClientError`).
 * Responses carry `x-request-id` (a valid incoming one, else a new UUID),
 * `x-content-type-options: nosniff` and no `x-powered-by`; no CORS headers are sent. A request
 * whose `Host` the policy refuses gets 403 (DNS rebinding, see allowed-hosts.ts).
 */

/** What the app needs from the server around it. */
export interface ServingContext {
  host: ModelHost;
  batcher: MicroBatcher;
  metrics: ServingMetrics;
  stats: TrafficStats;
  log: PinoLogger;
  sampleLog: SampleLogWriter | null;
  /** Prediction ids, labels and live quality; null when feedback is off. */
  feedback: FeedbackHub | null;
  limits: RequestLimits & { maxBodyBytes: number; maxLabels: number };
  /** Bearer token of the /admin routes (checked by checkAdminToken); null disables them. */
  adminToken: string | null;
  /** Which `Host` headers are answered. */
  hosts: HostPolicy;
  /** True once shutdown began: /ready answers 503 and responses close their connections. */
  draining(): boolean;
}

/** Incoming request ids that are echoed and logged; anything else is replaced by a new UUID. */
const requestIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Bodies this large or larger are parsed one per event-loop turn (TurnQueue), so small requests pass between them. */
const largeBodyBytes = 64 * 1024;

function locals(res: Response): RequestRecord {
  return res.locals as RequestRecord;
}

/** The serving app, and the handler of the HTTP layer's errors (the server's `clientError` event). */
export type ServingApp = Express & { onClientError(error: Error & { code?: string }, socket: Duplex): void };

/** Builds the app; the caller listens, and passes its `clientError` events to `onClientError`. */
export function createServingApp(context: ServingContext): ServingApp {
  const { host, metrics, stats, log } = context;
  const recorder = new RequestRecorder(metrics, stats, log);
  /** The response in progress on each connection, for errors the HTTP layer reports on the connection. */
  const inFlight = new WeakMap<object, Response>();
  const largeParses = new TurnQueue();
  const app = express();
  app.disable('x-powered-by');
  // ETags would hash every prediction body for nothing: predictions are never cached.
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    Object.assign(res.locals, { requestId, route: 'unmatched', started } satisfies RequestRecord);
    res.setHeader('x-request-id', requestId);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    if (context.draining()) res.setHeader('connection', 'close');
    closeWhenBodyUnread(req, res);
    const socket = req.socket;
    inFlight.set(socket, res);
    res.on('close', () => {
      if (inFlight.get(socket) === res) inFlight.delete(socket);
      recorder.finish(req.method, req.path.length, locals(res), { statusCode: res.statusCode, finished: res.writableFinished });
    });
    if (!hostAllowed(context.hosts, req.headers.host)) {
      throw new RequestError(403, 'host_not_allowed', 'This server does not answer for the name in the Host header: use localhost or an IP address, or add the name to serving.allowed_hosts (MLOPS_ALLOWED_HOSTS).');
    }
    next();
  });

  /** Marks the route for metrics and logs (a fixed name, never the raw path). */
  const route = (name: string) => (_req: Request, res: Response, next: NextFunction) => {
    locals(res).route = name;
    next();
  };

  app.post('/predict', async (req: Request, res: Response) => {
    locals(res).route = '/predict';
    requireJson(req);
    requireModel(host);
    const body = await readBody(req, res, context.limits.maxBodyBytes);
    const handle = requireModel(host);
    handle.acquire();
    try {
      await predict(handle, body, res);
    } finally {
      handle.release();
    }
  });

  const predict = async (handle: ModelHandle, body: Buffer, res: Response) => {
    const model = handle.model;
    const local = locals(res);
    local.modelVersion = model.version;
    const rows = body.length >= largeBodyBytes ? await largeParses.run(() => model.parseBody(body)) : model.parseBody(body);
    local.instances = rows.length;
    const outputs = await context.batcher.predict(handle, rows);
    for (let i = 0; i < outputs.length; i++) {
      if (!Number.isFinite(outputs[i]!)) {
        const instance = model.spec.target.type === 'multiclass' ? Math.floor(i / model.spec.target.classes.length) : i;
        throw new RequestError(400, 'unscorable_instance', `Instance ${instance} has values too extreme for the model to score (its output is not a finite number).`, { instance });
      }
    }
    const predictions = formatPredictions(model.spec, outputs);
    handle.window.addRequest(rows, predictions);
    metrics.observePredictions(model.spec.target, predictions);
    context.sampleLog?.offer(model.version, rows, predictions);
    // Answered once the log has the predictions: a label for them survives a restart.
    if (context.feedback) await context.feedback.recordPredictions(model, rows, outputs, predictions);
    res.json({ predictions, model_version: model.version });
  };

  app.post('/feedback', async (req: Request, res: Response) => {
    locals(res).route = '/feedback';
    const feedback = context.feedback;
    if (!feedback) throw new RequestError(404, 'feedback_disabled', 'POST /feedback is off: feedback.enabled is false in the config.');
    requireJson(req);
    const body = await readBody(req, res, context.limits.maxBodyBytes);
    const entries = parseFeedbackBody(body, context.limits.maxLabels);
    locals(res).instances = entries.length;
    res.json(await feedback.receive(entries));
  });

  app.get('/health', route('/health'), (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/ready', route('/ready'), (_req, res) => {
    const handle = host.current;
    if (context.draining()) res.status(503).json({ status: 'not_ready', reason: 'shutting down' });
    else if (!handle) res.status(503).json({ status: 'not_ready', reason: 'no model loaded yet' });
    else res.json({ status: 'ready', model_version: handle.model.version });
  });

  app.get('/metrics', route('/metrics'), async (_req, res) => {
    const text = await metrics.render();
    res.setHeader('content-type', metrics.contentType);
    res.send(text);
  });

  app.get(['/model', '/api/model.json'], route('/model'), (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(modelInfo(requireModel(host), host.servesChampion));
  });

  let history: { at: number; value: Promise<VersionHistory> } | null = null;
  app.get('/api/versions.json', route('/api/versions.json'), async (_req, res) => {
    const served = host.current?.model.version ?? null;
    // Cached for a second: the dashboard polls, and each build reads every version's metrics.
    if (!history || Date.now() - history.at > 1000) {
      const value = ModelRegistry.open(host.registryRoot).then((registry) => buildVersionHistory(registry, served));
      history = { at: Date.now(), value };
      value.catch(() => (history = null));
    }
    let result: VersionHistory;
    try {
      result = await history.value;
    } catch (error) {
      // A registry being repaired is not the client's fault, nor a bug of the server.
      if (error instanceof RegistryError) throw new RequestError(503, 'not_ready', `The registry cannot be read: ${error.message}`);
      throw error;
    }
    res.setHeader('cache-control', 'no-store');
    res.json({ ...result, served });
  });

  app.get(['/monitoring', '/api/monitoring.json'], route('/monitoring'), (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(monitoringSnapshot(requireModel(host), context.feedback));
  });

  app.get('/api/stats.json', route('/api/stats.json'), (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(stats.snapshot());
  });

  app.get('/api/request-schema.json', route('/api/request-schema.json'), (_req, res) => {
    const handle = requireModel(host);
    res.setHeader('cache-control', 'no-store');
    res.json(z.toJSONSchema(predictRequestSchema(handle.model.features, context.limits), { io: 'input', unrepresentable: 'any' }));
  });

  mountAdminRoutes(app, { host, log, adminToken: context.adminToken, feedback: context.feedback }, route);

  // Known paths with another method: 405 naming the allowed ones.
  const allow = (methods: string) => (_req: Request, res: Response) => {
    res.setHeader('allow', methods);
    throw new RequestError(405, 'method_not_allowed', `Use ${methods.split(', ')[0]} for this path.`);
  };
  app.all(['/predict', '/feedback', '/admin/reload'], route('method_not_allowed'), allow('POST'));
  app.all(
    ['/health', '/ready', '/metrics', '/model', '/api/model.json', '/api/versions.json', '/monitoring', '/api/monitoring.json', '/api/stats.json', '/api/request-schema.json', '/admin/feedback'],
    route('method_not_allowed'),
    allow('GET, HEAD'),
  );

  mountDashboard(app);
  app.all([...dashboardPagePaths], route('method_not_allowed'), allow('GET, HEAD'));

  app.use((_req: Request, _res: Response) => {
    throw new RequestError(404, 'not_found', 'No such path. Predictions: POST /predict; see GET /model for the served model.');
  });

  /** Answers a client's mistake, unless the client is gone; counts it by its code. */
  const answer = (res: Response, error: RequestError) => {
    const local = locals(res);
    local.errorCode = error.code;
    // Only a served feature's name is logged: an unknown key is client data.
    if (error.field !== undefined && isServedFeature(host, error.field)) local.errorField = error.field;
    metrics.observeError(error.code);
    if (error.status === clientClosedStatus || res.headersSent) return;
    res.status(error.status).json(errorBody(error));
  };

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const requestError = error instanceof RequestError ? error : fromHttpError(error);
    if (requestError) {
      answer(res, requestError);
      return;
    }
    const local = locals(res);
    local.errorCode = 'internal';
    metrics.observeError('internal');
    log.error({ req_id: local.requestId, route: local.route, err_message: describeError(error), stack: error instanceof Error ? error.stack : undefined }, 'internal error');
    if (res.headersSent) res.destroy();
    else res.status(500).json(errorBody(new RequestError(500, 'internal', `Internal error; the server log has its cause under request id ${local.requestId}.`)));
  });

  const onClientError = (error: Error & { code?: string }, socket: Duplex) => {
    const problem = clientErrorAnswer(error.code);
    const res = inFlight.get(socket);
    if (problem === null || !socket.writable) {
      // The connection broke: a request in progress is recorded as 499 when its response closes.
      socket.destroy();
    } else if (res) {
      if (res.headersSent) socket.destroy();
      else {
        closeAfterResponse(res);
        answer(res, problem);
      }
    } else {
      recorder.unrouted(problem.status, problem.code);
      lingeringClose(socket as Socket, rawErrorResponse(problem));
    }
  };

  return Object.assign(app, { onClientError });
}

/** Unread bodies up to this size are drained after the response (Node's default), keeping the connection. */
const drainedBodyBytes = 64 * 1024;

/**
 * Closes the connection after a response sent before the request's body was read to its end (a
 * refusal) when the rest may be large: draining it could mean reading gigabytes. A body of known,
 * small length is drained by Node as usual and its connection stays open.
 */
function closeWhenBodyUnread(req: Request, res: Response): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    if (!req.complete) {
      const length = req.headers['content-length'];
      if (length === undefined ? req.headers['transfer-encoding'] !== undefined : Number(length) > drainedBodyBytes) closeAfterResponse(res);
    }
    return writeHead.apply(this, args);
  } as Response['writeHead'];
}

/** 415 unless the body is declared as application/json, in UTF-8 when a charset is named. */
function requireJson(req: Request): void {
  const type = req.headers['content-type'];
  const semicolon = type === undefined ? -1 : type.indexOf(';');
  const media = type === undefined ? '' : (semicolon === -1 ? type : type.slice(0, semicolon)).trim().toLowerCase();
  if (media !== 'application/json') {
    throw new RequestError(415, 'unsupported_media_type', `Send the body as Content-Type: application/json${type === undefined ? '' : `, not ${JSON.stringify(media.slice(0, 60))}`}.`);
  }
  requireUtf8Charset(type);
}

function requireModel(host: ModelHost): ModelHandle {
  const handle = host.current;
  if (!handle) throw new RequestError(503, 'not_ready', 'No model is loaded yet.');
  return handle;
}

function isServedFeature(host: ModelHost, field: string): boolean {
  return host.current?.model.features.some((feature) => feature.name === field) ?? false;
}

/** `/model` for a served model. */
export function modelInfo(handle: ModelHandle, champion: boolean): ModelInfo {
  const model = handle.model;
  return {
    name: model.name,
    version: model.version,
    champion,
    loaded_at: model.loadedAt.toISOString(),
    task: { ...model.lineage.task },
    features: model.features,
    lineage: model.lineage,
    evaluation: model.evaluation,
    gate: model.gate,
    card: model.card,
  };
}

/** `/monitoring` for a served model: drift, and live quality when feedback is on. */
export function monitoringSnapshot(handle: ModelHandle, feedback: FeedbackHub | null): MonitoringSnapshot {
  return { ...handle.window.snapshot(), quality: feedback ? feedback.quality(handle.model) : null };
}
