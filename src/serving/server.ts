import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { ConfigError, describeError } from '../core/errors.js';
import { selectBackend } from '../model/backend.js';
import { checkAdminToken } from './admin-auth.js';
import { hostPolicy } from './allowed-hosts.js';
import { createServingApp } from './app.js';
import { MicroBatcher } from './batcher.js';
import { markAwaitingContinue } from './body-reader.js';
import { FeedbackHub } from './feedback.js';
import { registerFeedbackMetrics } from './feedback-metrics.js';
import { coreLoggerFor } from './log.js';
import { ServingMetrics } from './metrics.js';
import { ModelHost } from './model-host.js';
import { SampleLogWriter } from './sample-log-writer.js';
import type { ServedModel } from './served-model.js';
import type { ServeSettings } from './settings.js';
import type { ServingConfig } from '../config/serving-schema.js';
import { TrafficStats } from './stats.js';

/**
 * Starts `mlops serve`: loads the model (refusing to start without one), opens the sample log,
 * listens, and follows the registry's champion. `shutdown` stops accepting connections, lets
 * in-flight requests finish (closing connections still open after `serving.shutdown_timeout_ms`),
 * then releases the model and flushes the sample log. Signals are the caller's business.
 */

export interface StartServerOptions {
  settings: ServeSettings;
  log: PinoLogger;
  /**
   * Bearer token of POST /admin/reload (MLOPS_ADMIN_TOKEN); null or empty disables the endpoint.
   * One shorter than 32 characters is a ConfigError: the server does not start.
   */
  adminToken?: string | null;
}

export interface RunningServer {
  /** http://host:port of the listening socket (the real port when 0 was asked for). */
  url: string;
  port: number;
  app: Express;
  server: Server;
  host: ModelHost;
  metrics: ServingMetrics;
  /** The model served at start. */
  model: ServedModel;
  /** Prediction ids, labels and live quality; null when feedback is off. */
  feedback: FeedbackHub | null;
  /** Stops gracefully; resolves when every connection is closed. Repeated calls share the same shutdown. */
  shutdown(reason?: string): Promise<void>;
  /** Closes every connection now (a second signal during shutdown). */
  forceClose(): void;
}

/** Keep-alive longer than the usual load-balancer idle timeout (60 s), so the proxy closes first. */
const keepAliveTimeoutMs = 65_000;

/**
 * How often Node checks connections for the header and request timeouts. Its default, 30 s, let
 * a 20 s header timeout fire at 48 s; a quarter of the shorter timeout, at most a second, makes
 * them fire within a second of their setting.
 */
export function connectionsCheckingInterval(serving: Pick<ServingConfig, 'headers_timeout_ms' | 'request_timeout_ms'>): number {
  return Math.max(25, Math.min(1000, Math.floor(Math.min(serving.headers_timeout_ms, serving.request_timeout_ms) / 4)));
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { settings, log } = options;
  const { serving, monitoring } = settings;
  const adminToken = checkAdminToken(options.adminToken);
  for (const warning of settings.warnings) log.warn(warning);
  await selectBackend(settings.backend, coreLoggerFor(log));

  const retiredOutOfVocabulary = new Map<string, number>();
  let host: ModelHost | null = null;
  let feedback: FeedbackHub | null = null;
  const metrics = new ServingMetrics({
    monitoring: () => (host?.current ? host.current.window.snapshot() : null),
    model: () => {
      const model = host?.current?.model;
      return model && host ? { name: model.name, version: model.version, champion: host.servesChampion, loadedAt: model.loadedAt } : null;
    },
    outOfVocabularyTotals: () => {
      const totals = new Map(retiredOutOfVocabulary);
      const window = host?.current?.window;
      window?.featureNames.forEach((name, i) => totals.set(name, (totals.get(name) ?? 0) + window.outOfVocabularyTotals[i]!));
      return totals;
    },
  });
  host = new ModelHost({
    registryRoot: settings.registryRoot,
    pinnedVersion: settings.pinnedVersion,
    limits: { maxInstances: serving.max_instances, maxStringLength: serving.max_string_length },
    drift: { windowSize: monitoring.window_size, minSamples: monitoring.min_samples, thresholds: monitoring.thresholds },
    log,
    events: {
      onLoaded: (model) => metrics.observeModelLoad('loaded', model.version),
      onRefused: (version) => metrics.observeModelLoad('refused', version),
      onReplaced: (previous) => {
        const window = previous.window;
        window.featureNames.forEach((name, i) => retiredOutOfVocabulary.set(name, (retiredOutOfVocabulary.get(name) ?? 0) + window.outOfVocabularyTotals[i]!));
      },
    },
  });
  const model = await host.start();
  if (settings.feedbackDir !== null) {
    feedback = await FeedbackHub.start({ feedback: settings.feedback, quality: monitoring.quality, dir: settings.feedbackDir }, log);
    const hub = feedback;
    registerFeedbackMetrics(metrics.registry, {
      hub,
      quality: () => {
        const current = host?.current;
        return current ? hub.quality(current.model) : null;
      },
    });
  }

  let sampleLog: SampleLogWriter | null = null;
  if (settings.sampleLogPath && monitoring.sample_log) {
    try {
      sampleLog = await SampleLogWriter.open(settings.sampleLogPath, monitoring.sample_log, log);
    } catch (error) {
      // Sampling is an aid, not the service: a read-only disk must not stop predictions.
      log.error({ sample_log: settings.sampleLogPath, err_message: describeError(error) }, 'cannot open the request sample log; serving without it');
    }
  }

  const batcher = new MicroBatcher({
    maxBatchSize: serving.max_batch_size,
    batchTimeoutMs: serving.batch_timeout_ms,
    onBatch: ({ rows, requests, durationMs }) => metrics.observeBatch(rows, requests, durationMs / 1000),
  });
  let draining = false;
  const app = createServingApp({
    host,
    batcher,
    metrics,
    stats: new TrafficStats(),
    log,
    sampleLog,
    feedback,
    limits: {
      maxInstances: serving.max_instances,
      maxStringLength: serving.max_string_length,
      maxBodyBytes: serving.max_body_bytes,
      maxLabels: settings.feedback.max_labels_per_request,
    },
    adminToken,
    hosts: hostPolicy(settings.allowedHosts, settings.host),
    draining: () => draining,
  });

  // Bounded header and request times keep slow clients (slowloris) from holding connections forever.
  const server = createServer(
    {
      keepAliveTimeout: keepAliveTimeoutMs,
      headersTimeout: serving.headers_timeout_ms,
      requestTimeout: serving.request_timeout_ms,
      connectionsCheckingInterval: connectionsCheckingInterval(serving),
    },
    app,
  );
  // Timeouts and malformed requests are answered with the usual JSON error, and recorded.
  server.on('clientError', app.onClientError);
  // A client that waits for 100 Continue gets it only once its body is going to be read.
  server.on('checkContinue', (req, res) => {
    markAwaitingContinue(req);
    app(req, res);
  });
  try {
    await listen(server, settings.port, settings.host);
  } catch (error) {
    await host.stop();
    await sampleLog?.close();
    await feedback?.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
  host.follow(settings.pinnedVersion === null ? serving.poll_interval_ms : 0);
  log.info(
    {
      url,
      version: model.version,
      pinned: settings.pinnedVersion !== null,
      settings: settings.source,
      admin_reload: adminToken !== null,
      allowed_hosts: settings.allowedHosts ?? 'default',
      prediction_log: settings.feedbackDir ?? 'off',
    },
    `listening on ${url}`,
  );

  let closing: Promise<void> | null = null;
  const shutdown = (reason = 'shutdown'): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      host.stopFollowing();
      log.info({ reason, requests_in_flight: host.current?.inFlight ?? 0 }, 'shutting down: no new connections; finishing in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Connections become idle as their last response ends; close them then rather than at keep-alive timeout.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => {
        log.warn({ timeout_ms: serving.shutdown_timeout_ms }, 'closing connections still open at the shutdown timeout');
        server.closeAllConnections();
      }, serving.shutdown_timeout_ms);
      await closed;
      clearInterval(idle);
      clearTimeout(force);
      batcher.flush();
      await host.stop();
      await sampleLog?.close();
      await feedback?.close();
      log.info({ reason }, 'stopped');
    })();
    return closing;
  };

  return { url, port, app, server, host, metrics, model, feedback, shutdown, forceClose: () => server.closeAllConnections() };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new ConfigError(`Port ${port} on ${host} is already in use: pass --port (or PORT) with a free port, or 0 for any.`));
      else if (error.code === 'EACCES') reject(new ConfigError(`Not allowed to listen on ${host}:${port}: ports below 1024 need privileges; use a higher --port.`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new ConfigError(`Cannot listen on host '${host}': not an address of this machine.`));
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
