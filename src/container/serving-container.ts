import { z } from 'zod';
import { ConfigError, DeployError, describeError } from '../core/errors.js';
import { parseJsonText } from '../core/json-file.js';
import { runCommand, runEngine, type ContainerEngine } from './engine.js';
import { defaultServingPort } from './healthcheck.js';
import { inspectOutputError, parseImageReference } from './serving-image.js';

/**
 * Runs a serving image detached on this machine, waits until it answers `/ready`, and stops it
 * the way an orchestrator does (SIGTERM, then a grace period). Loopback by default: a container
 * is published to other machines only when asked.
 */

/** How to run a serving container. */
export interface ServingContainerOptions {
  image: string;
  /** Container name (letters, digits, `_`, `.`, `-`). */
  name: string;
  /** Host port the server is published on. */
  hostPort: number;
  /** Host address to publish on (an IPv4 literal). Default 127.0.0.1. */
  hostAddress?: string;
  /** Port inside the container (sets PORT). Default 8080, the image's own. */
  containerPort?: number;
}

/** A started container. */
export interface ServingContainer {
  id: string;
  name: string;
  /** Base URL of the server from this machine, e.g. `http://127.0.0.1:8080`. */
  url: string;
}

/** The state an engine reports for a container. */
export interface ContainerState {
  status: string;
  running: boolean;
  /** Meaningful once the container has exited. */
  exitCode: number;
  /** The HEALTHCHECK status (`starting`, `healthy`, `unhealthy`), when there is one. */
  health: string | null;
}

/** How a stop ended. */
export interface ContainerStop {
  exitCode: number;
  durationMs: number;
}

const containerNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const ipv4Pattern = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

/** Throws a ConfigError unless `name` is a valid container name. */
export function parseContainerName(name: string): string {
  if (!containerNamePattern.test(name)) {
    throw new ConfigError(`Invalid container name ${JSON.stringify(name)}: use letters, digits, '_', '.' and '-', starting with a letter or digit.`);
  }
  return name;
}

function parsePort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`Invalid ${what} ${port}: expected a port number from 1 to 65535.`);
  return port;
}

/** The `run` arguments: detached, named, published on the host address and port, PORT set when not the default. */
export function runContainerArgs(options: ServingContainerOptions): string[] {
  parseImageReference(options.image);
  parseContainerName(options.name);
  parsePort(options.hostPort, 'host port');
  const containerPort = parsePort(options.containerPort ?? defaultServingPort, 'container port');
  const address = options.hostAddress ?? '127.0.0.1';
  if (!ipv4Pattern.test(address)) throw new ConfigError(`Invalid host address ${JSON.stringify(address)}: expected an IPv4 address such as 127.0.0.1.`);
  const args = ['run', '--detach', '--name', options.name, '--publish', `${address}:${options.hostPort}:${containerPort}`];
  if (containerPort !== defaultServingPort) args.push('--env', `PORT=${containerPort}`);
  args.push(options.image);
  return args;
}

/** Starts a serving container detached; a failure to start (port taken, image missing) is a DeployError. */
export async function startServingContainer(engine: ContainerEngine, options: ServingContainerOptions): Promise<ServingContainer> {
  const args = runContainerArgs(options);
  const stdout = await runEngine(engine, args, { timeoutMs: 60_000 });
  const id = stdout.trim().split('\n').pop()?.trim() ?? '';
  const host = options.hostAddress === undefined || options.hostAddress === '0.0.0.0' ? '127.0.0.1' : options.hostAddress;
  return { id, name: options.name, url: `http://${host}:${options.hostPort}` };
}

/** The fields of `container inspect` output (docker and podman) that the state is read from. */
const inspectedContainersSchema = z.array(
  z
    .object({
      State: z
        .object({
          Status: z.string().nullish(),
          Running: z.boolean().nullish(),
          ExitCode: z.number().nullish(),
          Health: z.object({ Status: z.string().nullish() }).loose().nullish(),
          Healthcheck: z.object({ Status: z.string().nullish() }).loose().nullish(),
        })
        .loose()
        .nullish(),
    })
    .loose(),
);

/** The container's status, exit code and health, or null when no such container exists. */
export async function inspectContainerState(engine: ContainerEngine, name: string): Promise<ContainerState | null> {
  parseContainerName(name);
  const result = await runCommand(engine.binary, ['container', 'inspect', name], { timeoutMs: 30_000 });
  if (result.code !== 0) return null;
  const command = `${engine.name} container inspect ${name}`;
  const parsed = parseJsonText(result.stdout, command, inspectedContainersSchema, (problem) => inspectOutputError(command, problem));
  const state = parsed[0]?.State;
  if (!state) return null;
  const health = state.Health?.Status ?? state.Healthcheck?.Status ?? null;
  return {
    status: state.Status ?? 'unknown',
    running: state.Running === true,
    exitCode: state.ExitCode ?? -1,
    health: health === '' ? null : health,
  };
}

/** The container's output (stdout and stderr), at most the last `tail` lines. */
export async function containerLogs(engine: ContainerEngine, name: string, tail = 200): Promise<string> {
  parseContainerName(name);
  const result = await runCommand(engine.binary, ['logs', '--tail', String(tail), name], { timeoutMs: 30_000 });
  return `${result.stdout}${result.stderr}`;
}

/**
 * Polls `GET <url>/ready` until it answers 200. Gives up with a DeployError, carrying the end of
 * the container's log, when the container stops or `timeoutMs` passes.
 */
export async function waitForContainerReady(
  engine: ContainerEngine,
  container: ServingContainer,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const answer = await getStatus(`${container.url}/ready`, 2000);
    if (answer === 200) return;
    last = typeof answer === 'number' ? `/ready answered ${answer}` : answer;
    const state = await inspectContainerState(engine, container.name);
    if (!state?.running) {
      const logs = await containerLogs(engine, container.name, 30);
      throw new DeployError(
        `Container ${container.name} ${state ? `exited with code ${state.exitCode}` : 'is gone'} before it was ready (${last}). Its last output:\n${logs.trim()}`,
      );
    }
    if (Date.now() >= deadline) {
      const logs = await containerLogs(engine, container.name, 30);
      throw new DeployError(
        `Container ${container.name} was not ready within ${Math.round(options.timeoutMs / 1000)} s (${last}). Its last output:\n${logs.trim()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

/** The status code of a GET, or why there was none. */
async function getStatus(url: string, timeoutMs: number): Promise<number | string> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await fetch(url, { signal: abort.signal });
    await response.body?.cancel();
    return response.status;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : describeError(error);
    return `GET ${url}: ${cause}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops a container the way orchestrators do: its STOPSIGNAL (SIGTERM), then SIGKILL after
 * `graceSeconds`. Returns its exit code (0 for a clean shutdown, 137 when it had to be killed)
 * and how long the stop took.
 */
export async function stopContainer(engine: ContainerEngine, name: string, graceSeconds = 10): Promise<ContainerStop> {
  parseContainerName(name);
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 600) {
    throw new ConfigError(`Invalid stop grace period ${graceSeconds} s: expected whole seconds from 0 to 600.`);
  }
  const started = Date.now();
  await runEngine(engine, ['stop', '--time', String(graceSeconds), name], { timeoutMs: (graceSeconds + 30) * 1000 });
  const durationMs = Date.now() - started;
  const state = await inspectContainerState(engine, name);
  if (!state) throw new DeployError(`Container ${name} vanished while stopping; its exit code is unknown.`);
  return { exitCode: state.exitCode, durationMs };
}

/** Removes a container, running or not; one that does not exist is not an error. */
export async function removeContainer(engine: ContainerEngine, name: string): Promise<void> {
  parseContainerName(name);
  if ((await inspectContainerState(engine, name)) === null) return;
  await runEngine(engine, ['rm', '--force', name], { timeoutMs: 60_000 });
}

/**
 * Runs the image's HEALTHCHECK once, now (`podman healthcheck run`), and returns whether it
 * passed. docker has no such command: it runs the check on its own schedule, whose result
 * {@link inspectContainerState} reports as `health`.
 */
export async function runHealthcheckOnce(engine: ContainerEngine, name: string): Promise<boolean> {
  parseContainerName(name);
  if (engine.name !== 'podman') {
    throw new ConfigError(`${engine.name} cannot run a HEALTHCHECK on demand; read the health status from inspectContainerState instead.`);
  }
  const result = await runCommand(engine.binary, ['healthcheck', 'run', name], { timeoutMs: 30_000 });
  return result.code === 0;
}
