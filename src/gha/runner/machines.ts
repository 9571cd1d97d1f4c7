import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledProgram } from '../compiled.js';
import { WorkflowError } from '../workflow/errors.js';
import { killTrackedProcesses } from './processes.js';

/**
 * The machines jobs run on. A GitHub-hosted runner is a fresh folder per job (its own
 * workspace path, temp, HOME and tool folder) destroyed afterwards with every process and
 * container the job started, as GitHub destroys its VM. A self-hosted runner is a persistent
 * folder in the state (`runners/<name>`): one job at a time, the same `_work` path every job,
 * containers it started keep running (like docker's daemon-owned containers), while other
 * processes left behind are killed by RUNNER_TRACKING_ID, as the runner does.
 */

const hostedLabels = new Set(['ubuntu-latest', 'ubuntu-24.04', 'ubuntu-22.04', 'linux']);

/** The `docker` stand-in (docker-shim.js, compiled beside this folder). */
const dockerShim = compiledProgram(import.meta.url, join('..', 'docker', 'docker-shim.js'));

/** A machine holding one job. */
export interface Machine {
  name: string;
  environment: 'github-hosted' | 'self-hosted';
  root: string;
  workRoot: string;
  temp: string;
  home: string;
  toolCache: string;
  bin: string;
  trackingId: string;
  /** A file the docker stand-in appends what it created to (for the hosted runner's cleanup). */
  dockerLog: string;
  release(): Promise<void>;
}

/** Where the docker stand-in sends ghcr.io, and where it finds what builds need. */
export interface DockerShimConfig {
  registryHost: string | null;
  log: string;
  /** The npm cache mounted into image builds (build containers here cannot reach the registry). */
  npmCache: string | null;
  /** The local image standing for the Dockerfile's Docker Hub base image. */
  baseImage: string | null;
}

export class Machines {
  private readonly busy = new Map<string, Promise<void>>();
  private counter = 0;

  constructor(
    private readonly runnersDir: string,
    private readonly selfHosted: { name: string; labels: string[] }[],
    private readonly shimConfig: (jobName: string) => Omit<DockerShimConfig, 'log'>,
  ) {}

  /** A machine for `runs-on` labels; throws when no runner has them (GitHub would wait forever). */
  async acquire(labels: string[], signal: AbortSignal, jobName: string): Promise<Machine> {
    if (labels.length > 0 && labels.every((label) => hostedLabels.has(label))) return this.hosted(jobName);
    const runner = this.selfHosted.find((r) => labels.every((label) => r.labels.includes(label)));
    if (!runner) {
      throw new WorkflowError(
        `No runner has the labels [${labels.join(', ')}]: GitHub would queue the job until one appears. Hosted labels here: ${[...hostedLabels].join(', ')}; self-hosted runners: ${this.selfHosted.map((r) => `${r.name} [${r.labels.join(', ')}]`).join('; ') || 'none'}.`,
      );
    }
    // One job at a time per self-hosted runner.
    for (;;) {
      const current = this.busy.get(runner.name);
      if (!current) break;
      await current;
      if (signal.aborted) throw new Error('cancelled while waiting for a runner');
    }
    let free!: () => void;
    this.busy.set(runner.name, new Promise<void>((resolve) => (free = resolve)));
    try {
      return await this.selfHostedMachine(runner.name, jobName, () => {
        this.busy.delete(runner.name);
        free();
      });
    } catch (error) {
      this.busy.delete(runner.name);
      free();
      throw error;
    }
  }

  private async hosted(jobName: string): Promise<Machine> {
    const root = await mkdtemp(join(tmpdir(), 'gha-hosted-'));
    const machine = await this.layout(`GitHub Actions ${++this.counter}`, 'github-hosted', root, join(root, 'work'), join(root, 'home'), jobName);
    return {
      ...machine,
      release: async () => {
        await killTrackedProcesses(machine.trackingId);
        await removeDockerLeftovers(machine.dockerLog);
        await rm(root, { recursive: true, force: true });
      },
    };
  }

  private async selfHostedMachine(name: string, jobName: string, free: () => void): Promise<Machine> {
    const root = join(this.runnersDir, name);
    const machine = await this.layout(name, 'self-hosted', root, join(root, '_work'), join(root, 'home'), jobName);
    await rm(machine.temp, { recursive: true, force: true });
    await mkdir(machine.temp, { recursive: true });
    return {
      ...machine,
      release: async () => {
        // Containers outlive the job (their monitor, conmon, is spared); other leftovers do not.
        await killTrackedProcesses(machine.trackingId, (command) => command === 'conmon');
        await rm(machine.temp, { recursive: true, force: true });
        free();
      },
    };
  }

  private async layout(name: string, environment: Machine['environment'], root: string, workRoot: string, home: string, jobName: string): Promise<Omit<Machine, 'release'>> {
    const temp = join(workRoot, '_temp');
    const toolCache = join(workRoot, '_tool');
    const bin = join(root, 'bin');
    for (const dir of [workRoot, temp, toolCache, home, bin]) await mkdir(dir, { recursive: true });
    const dockerLog = join(temp, `docker-created-${randomBytes(4).toString('hex')}.jsonl`);
    const config: DockerShimConfig = { ...this.shimConfig(jobName), log: dockerLog };
    await writeFile(join(bin, 'docker-shim.json'), JSON.stringify(config));
    const wrapper = join(bin, 'docker');
    await writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${dockerShim}" "${join(bin, 'docker-shim.json')}" "$@"\n`);
    await chmod(wrapper, 0o755);
    return { name, environment, root, workRoot, temp, home, toolCache, bin, trackingId: `github_${randomBytes(16).toString('hex')}`, dockerLog };
  }
}

/**
 * Removes the containers and the image names a hosted job created through the docker stand-in,
 * so that no later job finds them (`docker run` of a ghcr.io image pulls it again). The image
 * content stays on this machine as untagged layers: podman's build cache, as a builder with a
 * layer cache (`cache-from`) keeps it. Removing it would not make a later job behave otherwise
 * (images are found by name only), but every build would write and push every layer anew, and
 * every deploy pull them again, with the year's retrains paying that each time.
 */
async function removeDockerLeftovers(log: string): Promise<void> {
  const text = await readFile(log, 'utf8').catch(() => '');
  if (text === '') return;
  const { execFile } = await import('node:child_process');
  const run = (args: string[]) => new Promise<void>((resolve) => execFile('podman', args, () => resolve()));
  const entries = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { kind: 'container' | 'image'; name: string });
  for (const entry of entries.filter((e) => e.kind === 'container')) await run(['rm', '--force', '--time', '0', entry.name]);
  for (const entry of entries.filter((e) => e.kind === 'image')) await run(['untag', entry.name, entry.name]);
}
