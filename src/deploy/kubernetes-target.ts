import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubernetesDeployConfig } from '../config/deploy-schema.js';
import { DeployError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DeployTarget } from './deploy.js';

const exec = promisify(execFile);

/**
 * The `kubernetes` target: `kubectl set image` on the Deployment of deploy/kubernetes/, then
 * `kubectl rollout status` until the new pods pass their readiness probe (`/ready`). The
 * command lines are pure functions of the config; kubectl runs with argument arrays.
 */

function globalArgs(config: KubernetesDeployConfig): string[] {
  return [...(config.context ? ['--context', config.context] : []), '--namespace', config.namespace];
}

/** `kubectl set image deployment/<d> <container>=<image>:<version>`. */
export function setImageArgs(config: KubernetesDeployConfig, imageReference: string): string[] {
  return [...globalArgs(config), 'set', 'image', `deployment/${config.deployment}`, `${config.container}=${imageReference}`];
}

/** `kubectl rollout status deployment/<d> --timeout=<n>s`. */
export function rolloutStatusArgs(config: KubernetesDeployConfig): string[] {
  return [...globalArgs(config), 'rollout', 'status', `deployment/${config.deployment}`, `--timeout=${config.rollout_timeout_s}s`];
}

/** `kubectl get deployment <d> -o jsonpath=…`: the image of the container now. */
export function currentImageArgs(config: KubernetesDeployConfig): string[] {
  return [
    ...globalArgs(config),
    'get',
    'deployment',
    config.deployment,
    '-o',
    `jsonpath={.spec.template.spec.containers[?(@.name=="${config.container}")].image}`,
  ];
}

/** The version tag of an image reference (`ghcr.io/o/r:1.2.0` → `1.2.0`), or null. */
export function versionOfImage(reference: string): string | null {
  const match = /:((?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*))$/.exec(reference.trim());
  return match ? match[1]! : null;
}

/** Options of {@link createKubernetesTarget}. */
export interface KubernetesTargetOptions {
  config: KubernetesDeployConfig;
  image: string;
  logger: Logger;
  /** The kubectl binary. */
  kubectl?: string;
  env?: NodeJS.ProcessEnv;
}

/** The kubernetes target. */
export function createKubernetesTarget(options: KubernetesTargetOptions): DeployTarget {
  const { config, logger } = options;
  const kubectl = options.kubectl ?? 'kubectl';
  const run = async (args: string[], timeoutMs: number): Promise<string> => {
    try {
      const { stdout } = await exec(kubectl, args, { timeout: timeoutMs, env: options.env ?? process.env, maxBuffer: 4 * 1024 * 1024 });
      return stdout.trim();
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stderr?: string };
      if (failure.code === 'ENOENT') throw new DeployError(`kubectl is not installed (looked for '${kubectl}'); the kubernetes target needs it and a kubeconfig.`);
      throw new DeployError(`kubectl ${args.join(' ')} failed: ${(failure.stderr ?? failure.message).trim().split('\n').slice(-3).join(' ')}`);
    }
  };
  return {
    name: 'kubernetes',
    describe: () => `deployment/${config.deployment} in namespace ${config.namespace}`,
    async current() {
      return versionOfImage(await run(currentImageArgs(config), 30_000));
    },
    async deploy(version) {
      const reference = `${options.image}:${version}`;
      await run(setImageArgs(config, reference), 60_000);
      logger.info(`Set deployment/${config.deployment} to ${reference}; waiting for the rollout.`);
      await run(rolloutStatusArgs(config), (config.rollout_timeout_s + 30) * 1000);
      return { url: config.service_url };
    },
  };
}
