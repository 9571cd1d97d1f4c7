import { z } from 'zod';

/**
 * The `deploy` section: where `mlops deploy` and the deploy action send a version, and how the
 * result is checked. Every target ends the same way: `/model` on the deployed service must
 * report the requested version within `verify.timeout_s`, or the previous version is deployed
 * again and the deploy fails (exit code 6).
 */

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name (letters, digits and _), not its value');

const httpUrl = z
  .string()
  .url('expected an absolute URL such as https://churn.example.com')
  .refine((url) => /^https?:\/\//.test(url), 'expected an http:// or https:// URL');

// Kubernetes object names (RFC 1123 labels): they reach kubectl as arguments, so nothing else.
const kubernetesName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a Kubernetes name: lowercase letters, digits and dashes');

/** `deploy.local`: run the serving image (podman/docker) or the server process on this machine. */
export const localDeploySchema = z
  .strictObject({
    /** `auto`: a container when podman or docker is present, else the `mlops serve` process. */
    runtime: z.enum(['auto', 'container', 'process']).default('auto'),
    /** Address the service listens on; loopback unless you mean to expose it. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port of the deployed service. */
    port: z.number().int().min(1).max(65535).default(8080),
    /**
     * Container runtime: the BASE_IMAGE the serving image is built from when it is neither
     * present locally nor pullable (the Dockerfile's node:20-bookworm-slim when absent).
     */
    base_image: z.string().min(1).optional(),
    /**
     * Container runtime, podman only: an absolute path to a warm npm cache, mounted so that the
     * image builds without reaching the npm registry (hosts whose build containers cannot).
     */
    offline_npm_cache: z.string().startsWith('/', 'expected an absolute path').optional(),
  })
  .default({ runtime: 'auto', host: '127.0.0.1', port: 8080 });

/**
 * `deploy.webhook`: a platform deploy hook (Render, Railway, Fly style). The hook URL is a secret,
 * so the config names the environment variable holding it, never the URL itself.
 */
export const webhookDeploySchema = z.strictObject({
  /** Environment variable with the deploy-hook URL (a repository secret in workflows). */
  url_env: envVarName.default('MLOPS_DEPLOY_WEBHOOK_URL'),
  /** Optional environment variable with a bearer token sent as `Authorization`. */
  token_env: envVarName.optional(),
  /** The service's public base URL; `/model` under it must report the deployed version. */
  service_url: httpUrl,
});

/** `deploy.kubernetes`: `kubectl set image` on a Deployment, then wait for the rollout. */
export const kubernetesDeploySchema = z.strictObject({
  namespace: kubernetesName.default('default'),
  /** The Deployment to update (see deploy/kubernetes/deployment.yaml). */
  deployment: kubernetesName.default('mlops-model'),
  /** The container inside the Deployment whose image is set. */
  container: kubernetesName.default('model'),
  /** kubeconfig context; the current context when absent. */
  context: z.string().regex(/^[A-Za-z0-9._@:/-]+$/, 'expected a kubeconfig context name').optional(),
  /** How long `kubectl rollout status` may wait, in seconds. */
  rollout_timeout_s: z.number().int().min(1).max(3600).default(300),
  /** Base URL where the Service (or its Ingress) answers, for the `/model` check. */
  service_url: httpUrl,
});

export const deploySchema = z
  .strictObject({
    /** Where a version goes: `local` (the embedded default), `webhook` or `kubernetes`. */
    target: z.enum(['local', 'webhook', 'kubernetes']).default('local'),
    /**
     * Image repository without a tag; the version is the tag. Defaults to
     * `ghcr.io/<owner>/<repo>` on GitHub (from GITHUB_REPOSITORY) and `localhost/<name>` elsewhere.
     */
    image: z
      .string()
      .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._/-][a-z0-9]+)*)*$/, 'expected an image repository such as ghcr.io/owner/repo, lowercase, without a tag')
      .optional(),
    /** The post-deploy check of `/model`. */
    verify: z
      .strictObject({
        /** Give up (and roll back) after this many seconds. */
        timeout_s: z.number().min(1).max(3600).default(120),
        /** Pause between polls, in milliseconds. */
        interval_ms: z.number().int().min(50).max(60_000).default(2000),
      })
      .default({ timeout_s: 120, interval_ms: 2000 }),
    local: localDeploySchema,
    webhook: webhookDeploySchema.optional(),
    kubernetes: kubernetesDeploySchema.optional(),
  })
  .superRefine((deploy, ctx) => {
    if (deploy.target === 'webhook' && !deploy.webhook) {
      ctx.addIssue({ code: 'custom', path: ['webhook'], message: "target 'webhook' needs a webhook section with at least service_url" });
    }
    if (deploy.target === 'kubernetes' && !deploy.kubernetes) {
      ctx.addIssue({ code: 'custom', path: ['kubernetes'], message: "target 'kubernetes' needs a kubernetes section with at least service_url" });
    }
  })
  .default({
    target: 'local',
    verify: { timeout_s: 120, interval_ms: 2000 },
    local: { runtime: 'auto', host: '127.0.0.1', port: 8080 },
  });
export type DeployConfig = z.infer<typeof deploySchema>;
export type DeployTargetName = DeployConfig['target'];
export type LocalDeployConfig = z.infer<typeof localDeploySchema>;
export type WebhookDeployConfig = z.infer<typeof webhookDeploySchema>;
export type KubernetesDeployConfig = z.infer<typeof kubernetesDeploySchema>;
