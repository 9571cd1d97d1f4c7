import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { ConfigError, DeployError, describeError } from '../core/errors.js';

/**
 * The container engine: docker or podman, driven through its command-line client with argument
 * arrays (never a shell string), so that no value reaches a shell. Every call has a timeout.
 */

/** Engines this project drives, in the order auto-detection tries them. */
export const containerEngineNames = ['docker', 'podman'] as const;
export type ContainerEngineName = (typeof containerEngineNames)[number];

/** A working engine client. */
export interface ContainerEngine {
  name: ContainerEngineName;
  /** Absolute path of the client binary. */
  binary: string;
  /** The version the engine reports (the daemon's for docker). */
  version: string;
}

/** The outcome of {@link detectContainerEngine}: the engine, or why each candidate was passed over. */
export interface EngineDetection {
  engine: ContainerEngine | null;
  skipped: { name: ContainerEngineName; reason: string }[];
}

/** What a finished command printed. `code` is null when it was killed (see `timedOut`). */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Options of {@link runCommand}. */
export interface CommandOptions {
  /** Killed (SIGKILL) after this long. */
  timeoutMs: number;
  /** Receives each line of output as it arrives (build progress). */
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

// Builds print a lot; only the tail is kept for error messages, the rest went to onLine.
const maxKeptOutput = 64 * 1024;

/**
 * Runs `binary` with `args` and no shell. Resolves with the exit code and output whatever the
 * code; rejects only when the binary cannot be started.
 */
export function runCommand(binary: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = execFile(binary, [...args], { env: options.env ?? process.env, maxBuffer: Number.MAX_SAFE_INTEGER, encoding: 'utf8' });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const collect = (append: (text: string) => void) => {
      let partial = '';
      return (chunk: string) => {
        append(chunk);
        if (!options.onLine) return;
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onLine(line);
      };
    };
    child.stdout?.on('data', collect((text) => (stdout = keepTail(stdout + text))));
    child.stderr?.on('data', collect((text) => (stderr = keepTail(stderr + text))));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? null : code, stdout, stderr, timedOut });
    });
  });
}

function keepTail(text: string): string {
  return text.length > maxKeptOutput ? text.slice(-maxKeptOutput) : text;
}

/**
 * Runs an engine command and returns its stdout; a non-zero exit or a timeout is a DeployError
 * naming the command and the end of its error output.
 */
export async function runEngine(engine: ContainerEngine, args: readonly string[], options: CommandOptions): Promise<string> {
  const result = await runCommand(engine.binary, args, options);
  if (result.code === 0) return result.stdout;
  throw new DeployError(`${describeCommand(engine, args)} ${describeFailure(result, options.timeoutMs)}`);
}

/** `podman build --tag x …`, for messages. */
export function describeCommand(engine: ContainerEngine, args: readonly string[]): string {
  return `\`${[engine.name, ...args.slice(0, 4)].join(' ')}${args.length > 4 ? ' …' : ''}\``;
}

/** Why a command failed, with the last lines it printed. */
export function describeFailure(result: CommandResult, timeoutMs: number): string {
  const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-8).join('\n');
  const what = result.timedOut ? `did not finish within ${Math.round(timeoutMs / 1000)} s` : `failed with exit code ${result.code}`;
  return output ? `${what}:\n${output}` : `${what}.`;
}

/** The absolute path of an executable named `name` on `searchPath` (PATH syntax), or null. */
export async function findExecutable(name: string, searchPath: string | undefined): Promise<string | null> {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return null;
}

/** Reads an engine preference (`docker`, `podman` or `auto`), e.g. from MLOPS_CONTAINER_ENGINE. */
export function parseEnginePreference(text: string | undefined, source: string): ContainerEngineName | 'auto' {
  const value = text?.trim() ?? '';
  if (value === '' || value === 'auto') return 'auto';
  if ((containerEngineNames as readonly string[]).includes(value)) return value as ContainerEngineName;
  throw new ConfigError(`Invalid ${source} ${JSON.stringify(text)}: expected docker, podman or auto.`);
}

// docker's client answers without a daemon, so the probe asks for the server's version; podman
// has no daemon, and `info` proves its storage and runtime settings load.
const probeArgs: Record<ContainerEngineName, string[]> = {
  docker: ['version', '--format', '{{.Server.Version}}'],
  podman: ['info', '--format', '{{.Version.Version}}'],
};

/**
 * Finds a working engine: the preferred one (`preferred`, else MLOPS_CONTAINER_ENGINE), or
 * docker then podman, each on PATH and answering a version probe within `timeoutMs`. On
 * GitHub's runners that is docker; on a host with only a docker client and podman, podman.
 */
export async function detectContainerEngine(
  options: { preferred?: ContainerEngineName | 'auto'; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<EngineDetection> {
  const env = options.env ?? process.env;
  const preferred = options.preferred ?? parseEnginePreference(env.MLOPS_CONTAINER_ENGINE, 'MLOPS_CONTAINER_ENGINE');
  const candidates = preferred === 'auto' ? containerEngineNames : [preferred];
  const skipped: EngineDetection['skipped'] = [];
  for (const name of candidates) {
    const binary = await findExecutable(name, env.PATH);
    if (binary === null) {
      skipped.push({ name, reason: 'not on PATH' });
      continue;
    }
    try {
      const result = await runCommand(binary, probeArgs[name], { timeoutMs: options.timeoutMs ?? 15_000, env });
      const version = result.stdout.trim();
      if (result.code === 0 && version !== '') return { engine: { name, binary, version }, skipped };
      skipped.push({ name, reason: describeFailure(result, options.timeoutMs ?? 15_000).replace(/\n/g, ' ') });
    } catch (error) {
      skipped.push({ name, reason: describeError(error) });
    }
  }
  return { engine: null, skipped };
}

/** {@link detectContainerEngine}, or a DeployError listing why no engine could be used. */
export async function requireContainerEngine(options: Parameters<typeof detectContainerEngine>[0] = {}): Promise<ContainerEngine> {
  const detection = await detectContainerEngine(options);
  if (detection.engine) return detection.engine;
  const reasons = detection.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new DeployError(
    `No container engine is usable (${reasons}). Install docker or podman (on Debian as root: scripts/container/install-tools.sh).`,
  );
}
