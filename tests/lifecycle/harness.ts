import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { StateStore } from '../../src/gha/state/store.js';
import { stateSummary } from '../../src/gha/state/summary.js';
import type { GitHubState, StoredRun } from '../../src/gha/state/schema.js';
import { repoRoot } from '../helpers/project.js';

const exec = promisify(execFile);

/**
 * A repository made from this template, living on the simulated GitHub of `npm run gha`, and the
 * person who maintains it: a clone to commit and push from, the `gha` CLI to deliver events
 * (each run through the real workflow files of this checkout), and readers for what the
 * simulated GitHub, the registry and the deployed service hold afterwards.
 *
 * The template repository is this working tree (tracked and untracked-but-not-ignored files, so
 * uncommitted changes are tested too) with one difference: a small `model` section (one hidden
 * layer, four epochs) so that training takes seconds; and a production target: the `local`
 * target's container on a free loopback port, which is production when the deploy job runs on
 * the self-hosted runner (repository variable MLOPS_DEPLOY_RUNNER).
 */

export const repository = 'octo-org/churn-model';
/** The model's name in the template's config (the container is mlops-<name>). */
export const modelName = 'churn-lifecycle';
const ghaBin = join(repoRoot, 'bin', 'gha.js');
const commandTimeoutMs = 8 * 60_000;
const fullData = readFileSync(join(repoRoot, 'data', 'telco-churn.csv'), 'utf8').split('\n').filter(Boolean);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What one `gha` command did. */
export interface GhaResult {
  code: number | null;
  output: string;
  ms: number;
}

export class Lifecycle {
  private constructor(
    readonly root: string,
    readonly stateDir: string,
    readonly clone: string,
    readonly port: number,
  ) {}

  /** Creates the template repository and the simulated GitHub (created "from the template"). */
  static async create(): Promise<Lifecycle> {
    const root = mkdtempSync(join(tmpdir(), 'gha-lifecycle-'));
    const template = join(root, 'template');
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) {
      if (!existsSync(join(repoRoot, file))) continue;
      mkdirSync(dirname(join(template, file)), { recursive: true });
      cpSync(join(repoRoot, file), join(template, file));
    }
    const port = await freePort();
    const config = parse(readFileSync(join(template, 'mlops.config.yaml'), 'utf8')) as Record<string, any>;
    config.name = modelName;
    config.model = { ...config.model, hidden_units: [8], max_epochs: 4 };
    config.deploy = { target: 'local', verify: { timeout_s: 60, interval_ms: 500 }, local: { runtime: 'container', host: '127.0.0.1', port } };
    writeFileSync(join(template, 'mlops.config.yaml'), stringify(config));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: template, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=Template', '-c', 'user.email=template@example.com', 'commit', '-qm', 'The template');
    const stateDir = join(root, 'github');
    const lifecycle = new Lifecycle(root, stateDir, join(root, 'maintainer'), port);
    const init = await lifecycle.gha(['init', '--repo', repository, '--template', '--from', template]);
    if (init.code !== 0) throw new Error(`gha init failed:\n${init.output}`);
    execFileSync('git', ['clone', '-q', join(stateDir, 'origin.git'), lifecycle.clone], { stdio: 'pipe' });
    lifecycle.git('config', 'user.name', 'Maintainer');
    lifecycle.git('config', 'user.email', 'maintainer@example.com');
    return lifecycle;
  }

  /** Runs the gha CLI on this state folder. */
  async gha(args: string[], cwd = existsSync(this.clone) ? this.clone : repoRoot): Promise<GhaResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [ghaBin, ...args, '--state', this.stateDir], { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      // A hung command fails the event with its output instead of stalling the tier.
      const timer = setTimeout(() => {
        output += `\n(gha ${args[0]} killed after ${commandTimeoutMs / 1000} s)\n`;
        child.kill('SIGKILL');
      }, commandTimeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output, ms: Date.now() - started });
      });
    });
  }

  /** Delivers an event to a workflow of the maintainer's clone (`.github/workflows/<file>`). */
  run(workflow: string, event: string, ...extra: string[]): Promise<GhaResult> {
    return this.gha(['run', `.github/workflows/${workflow}`, '--event', event, ...extra]);
  }

  /** git in the maintainer's clone. */
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  }

  /** The first `rows` data rows of the default dataset (with its header), as the data file. */
  dataRows(rows: number): string {
    return `${[fullData[0]!, ...fullData.slice(1, 1 + rows)].join('\n')}\n`;
  }

  /** Commits files on a branch of the clone (main by default) and pushes it, after pulling what the bot pushed. */
  commitAndPush(files: Record<string, string>, message: string, branch = 'main'): string {
    this.git('fetch', '-q', 'origin');
    if (branch === 'main') {
      this.git('checkout', '-q', 'main');
      this.git('reset', '-q', '--hard', 'origin/main');
    } else this.git('checkout', '-q', '-B', branch, 'origin/main');
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.clone, path)), { recursive: true });
      writeFileSync(join(this.clone, path), content);
    }
    this.git('add', '-A');
    this.git('commit', '-qm', message);
    this.git('push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    return this.git('rev-parse', 'HEAD');
  }

  /** The simulated GitHub's state, read afresh. */
  async store(): Promise<StateStore> {
    return StateStore.open(this.stateDir);
  }

  async state(): Promise<GitHubState> {
    return (await this.store()).state;
  }

  /** `gha state --json`, as a value. */
  async summary(): Promise<Record<string, any>> {
    return stateSummary(await this.store());
  }

  /** The runs started since `since` runs existed. */
  async runsSince(since: number): Promise<StoredRun[]> {
    return (await this.state()).runs.slice(since);
  }

  /** The version the production service reports, or null when nothing answers. */
  async servingVersion(): Promise<string | null> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}/model`, { signal: AbortSignal.timeout(3000) });
      if (!response.ok) return null;
      return ((await response.json()) as { version?: string }).version ?? null;
    } catch {
      return null;
    }
  }

  /** Stops the production container and removes the temporary folders. */
  async dispose(): Promise<void> {
    await exec('podman', ['rm', '--force', '--time', '0', `mlops-${modelName}`]).catch(() => undefined);
    if (!process.env.GHA_LIFECYCLE_KEEP) rmSync(this.root, { recursive: true, force: true });
  }
}
