import { mkdir } from 'node:fs/promises';
import type { LocalDeployConfig } from '../config/deploy-schema.js';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { runEngine, type ContainerEngine } from '../container/engine.js';
import { containerLogs, inspectContainerState, removeContainer, startServingContainer } from '../container/serving-container.js';
import { buildServingImage, inspectImage } from '../container/serving-image.js';
import type { DeployTarget } from './deploy.js';
import { isProcessAlive, localDeployPaths, readLocalDeployState, stopProcess, type LocalDeployState } from './local-target.js';

/**
 * The `local` target's container runtime: the serving image of the version (found locally,
 * pulled, or built from the registry with the repository's Dockerfile) run detached with
 * podman or docker, published on the configured loopback address and port. One container per
 * model, named `mlops-<name>`, replaced on each deploy; its state is in `.mlops/deploy/`.
 */

/** The container name for a model. */
export function deployContainerName(modelName: string): string {
  return `mlops-${modelName}`;
}

/** Options of {@link createLocalContainerTarget}. */
export interface LocalContainerTargetOptions {
  engine: ContainerEngine;
  config: LocalDeployConfig;
  /** The project folder: build context (Dockerfile) and home of `.mlops/deploy/`. */
  baseDir: string;
  registryRoot: string;
  /** Image repository without tag. */
  image: string;
  modelName: string;
  logger: Logger;
}

/** The local target running the serving container. */
export function createLocalContainerTarget(options: LocalContainerTargetOptions): DeployTarget {
  const { engine, config, logger } = options;
  const name = deployContainerName(options.modelName);
  const paths = localDeployPaths(options.baseDir);
  const url = `http://${config.host}:${config.port}`;

  const ensureImage = async (reference: string, version: string): Promise<void> => {
    if (await inspectImage(engine, reference).then(() => true, () => false)) return;
    try {
      await runEngine(engine, ['pull', reference], { timeoutMs: 10 * 60_000 });
      logger.info(`Pulled ${reference}.`);
      return;
    } catch (error) {
      logger.info(`${reference} is not local and could not be pulled (${describeError(error).split('\n')[0]}); building it from the registry.`);
    }
    await buildServingImage(
      engine,
      {
        contextDir: options.baseDir,
        image: reference,
        modelVersion: version,
        registryDir: options.registryRoot,
        ...(config.base_image ? { baseImage: config.base_image } : {}),
        ...(config.offline_npm_cache ? { offlineNpmCache: config.offline_npm_cache } : {}),
      },
      logger,
    );
  };

  return {
    name: 'local',
    describe: () => `a ${engine.name} container (${name}) on ${url}`,
    async current() {
      const state = await readLocalDeployState(options.baseDir);
      if (!state) return null;
      if (state.runtime === 'process') return state.pid !== undefined && isProcessAlive(state.pid) ? state.version : null;
      if (!state.container) return null;
      return (await inspectContainerState(engine, state.container))?.running ? state.version : null;
    },
    async deploy(version) {
      const reference = `${options.image}:${version}`;
      await ensureImage(reference, version);
      const previous = await readLocalDeployState(options.baseDir);
      // A server process deployed earlier holds the port: stop it before the container starts.
      if (previous?.runtime === 'process' && previous.pid !== undefined) await stopProcess(previous.pid);
      await removeContainer(engine, name);
      const container = await startServingContainer(engine, { image: reference, name, hostPort: config.port, hostAddress: config.host });
      await mkdir(paths.dir, { recursive: true });
      await writeJsonAtomic(paths.state, {
        version,
        runtime: 'container',
        container: name,
        engine: engine.name,
        url,
        started_at: new Date().toISOString(),
      } satisfies LocalDeployState);
      logger.info(`Started container ${name} (${container.id.slice(0, 12)}) from ${reference}.`);
      return { url };
    },
    async failFast() {
      const state = await inspectContainerState(engine, name);
      if (state?.running) return null;
      const logs = (await containerLogs(engine, name, 5).catch(() => '')).trim().split('\n').join(' | ');
      return `container ${name} ${state ? `exited with code ${state.exitCode}` : 'is gone'}; its last output: ${logs}`;
    },
  };
}
