import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { LocalDeployConfig } from '../config/deploy-schema.js';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { DeployError } from '../core/errors.js';
import { safeReadJsonFile } from '../core/json-file.js';
import type { Logger } from '../core/logger.js';
import { detectContainerEngine } from '../container/engine.js';
import { removeContainer } from '../container/serving-container.js';
import type { DeployTarget } from './deploy.js';

/**
 * The `local` target's server-process runtime: `mlops serve --version V` started detached, its
 * pid, log and state under `.mlops/deploy/`, so a later `mlops deploy` (another process) finds
 * and replaces it. The container runtime (podman/docker) lives in container-target.ts.
 */

/** What `.mlops/deploy/state.json` records about the running deployment. */
export const localDeployStateSchema = z.object({
  version: z.string(),
  runtime: z.enum(['process', 'container']),
  /** Process id (process runtime). */
  pid: z.number().int().positive().optional(),
  /** Container name (container runtime). */
  container: z.string().optional(),
  /** Container engine binary (container runtime). */
  engine: z.string().optional(),
  url: z.string(),
  started_at: z.string(),
  log: z.string().optional(),
});
export type LocalDeployState = z.infer<typeof localDeployStateSchema>;

/** Files of the local deployment, under `<baseDir>/.mlops/deploy/`. */
export function localDeployPaths(baseDir: string): { dir: string; state: string; pid: string; log: string } {
  const dir = join(baseDir, '.mlops', 'deploy');
  return { dir, state: join(dir, 'state.json'), pid: join(dir, 'server.pid'), log: join(dir, 'server.log') };
}

/** Reads the state file; null when absent or unreadable (nothing deployed here). */
export async function readLocalDeployState(baseDir: string): Promise<LocalDeployState | null> {
  const read = await safeReadJsonFile(localDeployPaths(baseDir).state, localDeployStateSchema);
  return read.success ? read.data : null;
}

/** Whether a process id is alive (signal 0; EPERM means alive but not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The `mlops` launcher of this installation (bin/mlops.js above the compiled module). */
export function mlopsLauncher(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'bin', 'mlops.js');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new DeployError(`Cannot find bin/mlops.js above ${from}; run from a built checkout (npm ci builds it).`);
}

/** The `mlops serve` arguments for a version (pure, so the command line is testable). */
export function serveArguments(options: { version: string; registry: string; config: string; host: string; port: number }): string[] {
  return ['serve', '--version', options.version, '--registry', options.registry, '--config', options.config, '--host', options.host, '--port', String(options.port)];
}

/** Options of {@link createLocalProcessTarget}. */
export interface LocalProcessTargetOptions {
  config: LocalDeployConfig;
  /** Folder holding `.mlops/deploy/` (the config's folder). */
  baseDir: string;
  configPath: string;
  registryRoot: string;
  logger: Logger;
  /** Extra environment for the server process. */
  env?: NodeJS.ProcessEnv;
}

/** Stops a process by pid: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!isProcessAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Exited between the check and the kill.
  }
}

/** The local target running `mlops serve` as a detached process. */
export function createLocalProcessTarget(options: LocalProcessTargetOptions): DeployTarget & { stop(): Promise<void> } {
  const paths = localDeployPaths(options.baseDir);
  const url = `http://${options.config.host.includes(':') ? `[${options.config.host}]` : options.config.host}:${options.config.port}`;
  let started: { pid: number; exited: boolean } | null = null;

  const stop = async (): Promise<void> => {
    const state = await readLocalDeployState(options.baseDir);
    if (state?.runtime === 'process' && state.pid !== undefined) await stopProcess(state.pid);
    if (state?.runtime === 'container' && state.container) {
      // A container deployed earlier holds the port: remove it with the engine that ran it.
      const { engine } = await detectContainerEngine({ preferred: state.engine === 'podman' || state.engine === 'docker' ? state.engine : 'auto' });
      if (engine) await removeContainer(engine, state.container);
    }
    await rm(paths.pid, { force: true });
  };

  return {
    name: 'local',
    describe: () => `a local server process on ${url}`,
    async current() {
      const state = await readLocalDeployState(options.baseDir);
      if (!state || state.runtime !== 'process' || state.pid === undefined) return null;
      return isProcessAlive(state.pid) ? state.version : null;
    },
    async deploy(version) {
      await stop();
      await mkdir(paths.dir, { recursive: true });
      const log = await open(paths.log, 'a');
      try {
        await log.write(`\n--- ${new Date().toISOString()} mlops serve ${version}\n`);
        const child = spawn(process.execPath, [mlopsLauncher(), ...serveArguments({ version, registry: options.registryRoot, config: options.configPath, host: options.config.host, port: options.config.port })], {
          cwd: options.baseDir,
          detached: true,
          stdio: ['ignore', log.fd, log.fd],
          env: { ...process.env, ...options.env },
        });
        if (child.pid === undefined) throw new DeployError(`Could not start mlops serve for ${version}.`);
        const current = { pid: child.pid, exited: false };
        started = current;
        child.on('exit', () => {
          current.exited = true;
        });
        child.unref();
        await writeJsonAtomic(paths.pid, child.pid);
        await writeJsonAtomic(paths.state, {
          version,
          runtime: 'process',
          pid: child.pid,
          url,
          started_at: new Date().toISOString(),
          log: paths.log,
        } satisfies LocalDeployState);
        options.logger.info(`Started mlops serve ${version} (pid ${child.pid}); log ${paths.log}.`);
      } finally {
        await log.close();
      }
      return { url };
    },
    async failFast() {
      if (!started || (!started.exited && isProcessAlive(started.pid))) return null;
      const tail = (await readFile(paths.log, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-5).join(' | ');
      return `the server process exited; last lines of ${paths.log}: ${tail}`;
    },
    stop,
  };
}
