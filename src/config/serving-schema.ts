import { z } from 'zod';
import { qualityMonitoringSchema } from './feedback-schema.js';

/**
 * The `serving` and `monitoring` sections: how `mlops serve` answers requests and how it compares
 * live traffic with the training data. Every key has a default, so both sections may be left out.
 * A server started with only a registry (`mlops serve --registry DIR`, as in the container) reads
 * these sections from the served version's lineage (the config it was trained with).
 */

/** One entry of `serving.allowed_hosts`: a host name, `.suffix` (the name and its subdomains) or `*`. */
export const allowedHostSchema = z
  .string()
  .regex(/^(\*|\.?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$/, {
    message: 'expected a host name without scheme or port (model.example.com), .example.com for a domain and its subdomains, or *',
  });

/** The `serving` section: how `mlops serve` answers requests. */
export const servingSchema = z
  .strictObject({
    /** Port when neither --port nor PORT is given (0 picks a free port). */
    port: z.number().int().min(0).max(65535).default(8080),
    /** Address to listen on when --host is not given. Loopback by default; a container passes --host 0.0.0.0. */
    host: z.string().min(1).default('127.0.0.1'),
    /**
     * Longest time (milliseconds) a request waits for others to share its tensor predict, like
     * TF Serving's `batch_timeout_micros`; 0 batches only what arrived in the same event-loop turn.
     */
    batch_timeout_ms: z.number().min(0).max(1000).default(1),
    /** Most rows in one tensor predict, like TF Serving's `max_batch_size`. A larger request runs alone. */
    max_batch_size: z.number().int().min(1).max(100_000).default(1000),
    /** Most instances in one request; more is answered with 413. */
    max_instances: z.number().int().min(1).max(100_000).default(1000),
    /** Largest request body in bytes (after decompression); more is answered with 413. */
    max_body_bytes: z.number().int().min(1024).max(104_857_600).default(1_048_576),
    /** Longest string accepted for a categorical value; longer is answered with 400. */
    max_string_length: z.number().int().min(1).max(1_000_000).default(1000),
    /** How often (milliseconds) the server checks the registry for a new champion; 0 does not follow it. */
    poll_interval_ms: z.number().int().min(0).max(3_600_000).default(1000),
    /** How long (milliseconds) a shutdown waits for in-flight requests before closing their connections. */
    shutdown_timeout_ms: z.number().int().min(0).max(600_000).default(10_000),
    /** pino log level of the server's logs (one line per request at `info`). */
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * Host names a request's `Host` header may carry (DNS-rebinding protection), without port:
     * `model.example.com`, `.example.com` for it and its subdomains, `*` for any. IP literals
     * are always accepted (DNS rebinding cannot produce them), so probes by pod IP work. Null
     * (the default): `localhost` and `*.localhost` when the server listens on a loopback address,
     * any host otherwise (a container or a server on the network is reached by names it cannot
     * know in advance). `--allowed-hosts` and MLOPS_ALLOWED_HOSTS override it.
     */
    allowed_hosts: z.array(allowedHostSchema).min(1).nullable().default(null),
    /** How long (milliseconds) a client may take to send a request's headers; then 408. */
    headers_timeout_ms: z.number().int().min(100).max(600_000).default(20_000),
    /** How long (milliseconds) a client may take to send a whole request, headers and body; then 408. */
    request_timeout_ms: z.number().int().min(100).max(3_600_000).default(60_000),
  })
  .check((ctx) => {
    if (ctx.value.headers_timeout_ms > ctx.value.request_timeout_ms) {
      ctx.issues.push({
        code: 'custom',
        message: `headers_timeout_ms (${ctx.value.headers_timeout_ms}) must not be longer than request_timeout_ms (${ctx.value.request_timeout_ms})`,
        input: ctx.value.headers_timeout_ms,
        path: ['headers_timeout_ms'],
      });
    }
  })
  .prefault({});
export type ServingConfig = z.infer<typeof servingSchema>;

/** Thresholds above which a feature counts as drifted (TFDV and Evidently use 0.1). */
export const driftThresholdsSchema = z
  .strictObject({
    /** Population stability index of a numeric feature on the training histogram's bins. */
    psi: z.number().gt(0).default(0.1),
    /** Jensen–Shannon divergence (base 2, in [0, 1], as TFDV computes it) of a numeric feature on the same bins. */
    js: z.number().gt(0).max(1).default(0.1),
    /** L-infinity distance between the category frequencies of a categorical feature (TFDV). */
    linf: z.number().gt(0).max(1).default(0.1),
  })
  .prefault({});
export type DriftThresholds = z.infer<typeof driftThresholdsSchema>;

/** `monitoring.sample_log`: a bounded JSONL sample of requests (feature values and predictions only). */
export const sampleLogSchema = z.strictObject({
  /** The JSONL file, relative to the config file (or to the working directory without one). */
  path: z.string().min(1),
  /** Share of requests written, from 0 to 1. */
  rate: z.number().min(0).max(1).default(0.01),
  /** When the file would grow past this many bytes it is rotated to `<path>.1` (the previous `.1` is dropped). */
  max_bytes: z.number().int().min(1024).default(10_485_760),
});
export type SampleLogConfig = z.infer<typeof sampleLogSchema>;

/**
 * `monitoring.retrain_on`: when the monitor (`mlops monitor --url … --retrain-decision`, the
 * scheduled monitor workflow) says a retrain is due. Any signal that is on and fires makes it
 * due, unless the last retrain is less than `cooldown_hours` old.
 */
export const retrainOnSchema = z.strictObject({
  /** Retrain when a feature of the served traffic drifted (the drift alerts of /monitoring). */
  drift: z.boolean().default(false),
  /** Retrain when a rule of monitoring.quality.rules fails on the live labels. */
  quality: z.boolean().default(false),
  /** Retrain once the served version has received this many labels (new ground truth to train on); null: off. */
  min_new_labels: z.number().int().min(1).nullable().default(null),
  /** Hours after the last retrain during which no retrain is due, whatever the signals (0: none). */
  cooldown_hours: z.number().min(0).max(24 * 365).default(24),
});
export type RetrainOnConfig = z.infer<typeof retrainOnSchema>;

/** The `monitoring` section: drift of live traffic against the training profile, and live quality. */
export const monitoringSchema = z
  .strictObject({
    /** Drift is computed over the last this-many instances served by the current model (reset when the model changes). */
    window_size: z.number().int().min(1).max(1_000_000).default(10_000),
    /** A feature needs at least this many non-missing live values before it can be judged drifted. */
    min_samples: z.number().int().min(1).default(100),
    thresholds: driftThresholdsSchema,
    /** Off unless given. */
    sample_log: sampleLogSchema.nullable().default(null),
    /** Live quality over labelled predictions (`POST /feedback`). */
    quality: qualityMonitoringSchema,
    /** When a retrain is due; null (the default): never from monitoring, only on schedule, push or by hand. */
    retrain_on: retrainOnSchema.nullable().default(null),
  })
  .prefault({});
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
