import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { z } from 'zod';
import { mountDashboard } from '../dashboard/router.js';
import { RegistryError, describeError } from '../core/errors.js';
import { formatPredictions } from '../model/preprocessing.js';
import { ModelRegistry } from '../registry/registry.js';
import type { ModelInfo, MonitoringSnapshot, VersionHistory } from './api-schema.js';
import type { MicroBatcher } from './batcher.js';
import { RequestError, errorBody, fromBodyParserError } from './http-errors.js';
import type { ServingMetrics } from './metrics.js';
import type { ModelHandle, ModelHost } from './model-host.js';
import { predictRequestSchema, type RequestLimits } from './request-validation.js';
import type { SampleLogWriter } from './sample-log-writer.js';
import type { TrafficStats } from './stats.js';
import { buildVersionHistory } from './version-history.js';

/**
 * The Express app of `mlops serve`. Routes:
 *
 *   POST /predict                     {"instances": [...]} or one instance → {"predictions", "model_version"}
 *   GET  /health                      200 while the process runs
 *   GET  /ready                       200 when a model is loaded and the server is not shutting down, else 503
 *   GET  /metrics                     Prometheus text
 *   GET  /model, /api/model.json      ModelInfo: version, card, lineage, evaluation, gate, features
 *   GET  /api/versions.json           VersionHistory: versions with metrics, champion moves, experiments
 *   GET  /monitoring, /api/monitoring.json   MonitoringSnapshot: drift of live traffic
 *   GET  /api/stats.json              ServingStats: traffic, latency percentiles, history
 *   GET  /api/request-schema.json     JSON Schema of a /predict body for the served model
 *   POST /admin/reload                check the registry now (Authorization: Bearer $MLOPS_ADMIN_TOKEN)
 *   /                                 the dashboard (mounted after these routes)
 *
 * Every error is JSON `{"error": {"code", "message", "field"?, "instance"?}}`; client mistakes are
 * 4xx and never reach a 5xx. Responses carry `x-request-id` (a valid incoming one, else a new
 * UUID), `x-content-type-options: nosniff` and no `x-powered-by`; no CORS headers are sent.
 */

/** What the app needs from the server around it. */
export interface ServingContext {
  host: ModelHost;
  batcher: MicroBatcher;
  metrics: ServingMetrics;
  stats: TrafficStats;
  log: PinoLogger;
  sampleLog: SampleLogWriter | null;
  limits: RequestLimits & { maxBodyBytes: number };
  /** Bearer token of POST /admin/reload; null disables it. */
  adminToken: string | null;
  /** True once shutdown began: /ready answers 503 and responses close their connections. */
  draining(): boolean;
}

/** Incoming request ids that are echoed and logged; anything else is replaced by a new UUID. */
const requestIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

interface RequestLocals {
  requestId: string;
  route: string;
  started: number;
  modelVersion?: string;
  instances?: number;
  errorCode?: string;
  errorField?: string;
}

function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

/** Builds the app; the caller listens. */
export function createServingApp(context: ServingContext): Express {
  const { host, metrics, stats, log } = context;
  const app = express();
  app.disable('x-powered-by');
  // ETags would hash every prediction body for nothing: predictions are never cached.
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    Object.assign(res.locals, { requestId, route: 'unmatched', started });
    res.setHeader('x-request-id', requestId);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    if (context.draining()) res.setHeader('connection', 'close');
    res.on('close', () => finishRequest(req, res));
    next();
  });

  const finishRequest = (req: Request, res: Response) => {
    const local = locals(res);
    const latencyMs = performance.now() - local.started;
    const aborted = !res.writableFinished;
    const status = aborted ? 499 : res.statusCode;
    metrics.observeRequest(local.route, req.method, status, latencyMs / 1000);
    stats.record(status, latencyMs);
    // Chosen fields only: never the body, headers, query string or client-supplied strings.
    const entry: Record<string, unknown> = {
      req_id: local.requestId,
      method: req.method,
      route: local.route,
      status,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
    };
    if (local.route === 'unmatched') entry.path_length = req.path.length;
    if (local.modelVersion !== undefined) entry.model_version = local.modelVersion;
    if (local.instances !== undefined) entry.instances = local.instances;
    if (local.errorCode !== undefined) entry.error = local.errorCode;
    if (local.errorField !== undefined) entry.field = local.errorField;
    if (aborted) log.info(entry, 'request aborted by the client');
    else if (status >= 500) log.error(entry, 'request failed');
    else log.info(entry, 'request');
  };

  /** Marks the route for metrics and logs (a fixed name, never the raw path). */
  const route = (name: string) => (_req: Request, res: Response, next: NextFunction) => {
    locals(res).route = name;
    next();
  };

  const jsonBody = express.json({ limit: context.limits.maxBodyBytes, strict: true, type: () => true });

  /** Marks the route and checks the content type, in one middleware (one router layer less per request). */
  const predictEntry = (req: Request, res: Response, next: NextFunction) => {
    locals(res).route = '/predict';
    requireJson(req);
    next();
  };

  app.post('/predict', predictEntry, jsonBody, async (req: Request, res: Response) => {
    const handle = host.current;
    if (!handle) throw new RequestError(503, 'not_ready', 'No model is loaded yet.');
    handle.acquire();
    try {
      await predict(handle, req, res);
    } finally {
      handle.release();
    }
  });

  const predict = async (handle: ModelHandle, req: Request, res: Response) => {
    const model = handle.model;
    const local = locals(res);
    local.modelVersion = model.version;
    const rows = model.parseRequest(req.body);
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
    res.json({ predictions, model_version: model.version });
  };

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
    res.json(monitoringSnapshot(requireModel(host)));
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

  app.post('/admin/reload', route('/admin/reload'), async (req, res) => {
    if (context.adminToken === null) {
      throw new RequestError(404, 'admin_disabled', 'POST /admin/reload is disabled: start the server with MLOPS_ADMIN_TOKEN set to enable it.');
    }
    if (!bearerMatches(req.headers.authorization, context.adminToken)) {
      res.setHeader('www-authenticate', 'Bearer realm="mlops"');
      throw new RequestError(401, 'unauthorized', 'POST /admin/reload needs the header Authorization: Bearer <MLOPS_ADMIN_TOKEN>.');
    }
    const outcome = await host.refresh(true);
    if (outcome.status === 'refused') {
      throw new RequestError(409, 'model_refused', `Version ${outcome.version} was refused; still serving ${outcome.serving ?? 'nothing'}: ${outcome.cause}`);
    }
    log.info({ outcome: outcome.status, version: outcome.version }, 'admin reload');
    res.json(outcome.status === 'swapped' ? { status: 'swapped', model_version: outcome.version, previous: outcome.from } : { status: 'unchanged', model_version: outcome.version });
  });

  // Known paths with another method: 405 naming the allowed ones.
  const allow = (methods: string) => (_req: Request, res: Response) => {
    res.setHeader('allow', methods);
    throw new RequestError(405, 'method_not_allowed', `Use ${methods.split(', ')[0]} for this path.`);
  };
  app.all(['/predict', '/admin/reload'], route('method_not_allowed'), allow('POST'));
  app.all(
    ['/health', '/ready', '/metrics', '/model', '/api/model.json', '/api/versions.json', '/monitoring', '/api/monitoring.json', '/api/stats.json', '/api/request-schema.json'],
    route('method_not_allowed'),
    allow('GET, HEAD'),
  );

  mountDashboard(app);

  app.use((_req: Request, _res: Response) => {
    throw new RequestError(404, 'not_found', 'No such path. Predictions: POST /predict; see GET /model for the served model.');
  });

  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const local = locals(res);
    const requestError = error instanceof RequestError ? error : fromBodyParserError(error);
    if (requestError) {
      local.errorCode = requestError.code;
      // Only a served feature's name is logged: an unknown key is client data.
      if (requestError.field !== undefined && isServedFeature(host, requestError.field)) local.errorField = requestError.field;
      metrics.observeError(requestError.code);
      res.status(requestError.status).json(errorBody(requestError));
      return;
    }
    local.errorCode = 'internal';
    metrics.observeError('internal');
    log.error({ req_id: local.requestId, route: local.route, err_message: describeError(error), stack: error instanceof Error ? error.stack : undefined }, 'internal error');
    res.status(500).json(errorBody(new RequestError(500, 'internal', `Internal error; the server log has its cause under request id ${local.requestId}.`)));
  });

  return app;
}

/** 415 unless the body is declared as application/json (any charset parameter is checked by the parser). */
function requireJson(req: Request): void {
  const type = req.headers['content-type'];
  const semicolon = type === undefined ? -1 : type.indexOf(';');
  const media = type === undefined ? '' : (semicolon === -1 ? type : type.slice(0, semicolon)).trim().toLowerCase();
  if (media !== 'application/json') {
    throw new RequestError(415, 'unsupported_media_type', `Send the body as Content-Type: application/json${type === undefined ? '' : `, not ${JSON.stringify(media.slice(0, 60))}`}.`);
  }
}

function requireModel(host: ModelHost): ModelHandle {
  const handle = host.current;
  if (!handle) throw new RequestError(503, 'not_ready', 'No model is loaded yet.');
  return handle;
}

function isServedFeature(host: ModelHost, field: string): boolean {
  return host.current?.model.features.some((feature) => feature.name === field) ?? false;
}

/** Compares a bearer token in constant time (digests of equal length, whatever was sent). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  const given = createHash('sha256').update(match?.[1] ?? '').digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected) && match !== null;
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

/** `/monitoring` for a served model. */
export function monitoringSnapshot(handle: ModelHandle): MonitoringSnapshot {
  return handle.window.snapshot();
}
