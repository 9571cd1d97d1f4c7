import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { freePort } from '../../src/core/free-port.js';
import { eventFor, type EventRequest } from '../../src/gha/runner/event-for.js';
import type { WorkflowSource } from '../../src/gha/runner/model.js';
import { Simulation } from '../../src/gha/runner/simulation.js';
import { loadWorkflow } from '../../src/gha/workflow/load.js';
import type { StateStore } from '../../src/gha/state/store.js';
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
 * One simulation session (src/gha/runner/simulation.ts, what `npm run gha -- run` starts per
 * command) serves the whole year, so the simulated GitHub's server starts once; events go through
 * the same code as the CLI (eventFor, trigger, rerun). Between events the maintainer works in a
 * clone and pushes to the origin's path, as another terminal would.
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

/** What one `gha` command did. */
export interface GhaResult {
  code: number | null;
  output: string;
  ms: number;
}

export class Lifecycle {
  private simulation: Simulation | null = null;
  private readonly log: string[] = [];

  private constructor(
    readonly root: string,
    readonly stateDir: string,
    readonly clone: string,
    readonly port: number,
  ) {}

  /** The running session (started after `gha init`). */
  get session(): Simulation {
    if (!this.simulation) throw new Error('the simulation is not started');
    return this.simulation;
  }

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
    // The sweep's three legs as the defaults name them (default, wider, linear), with a "wider"
    // that stays small: the year exercises the matrix, not the model's capacity.
    config.sweep = { candidates: [{ id: 'default' }, { id: 'wider', overrides: { 'model.hidden_units': [16] } }, { id: 'linear', overrides: { 'model.kind': 'linear' } }] };
    // Four epochs keep the year short; such a model may trail the in-run logistic baseline.
    config.gate = { ...config.gate, baseline: { enabled: true, max_regression: 0.1 } };
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
    lifecycle.simulation = await Simulation.start({ stateDir, print: (line) => lifecycle.log.push(line) });
    return lifecycle;
  }

  /** The progress lines printed since the last call (what `gha run` prints). */
  takeOutput(): string {
    return this.log.splice(0).join('\n');
  }

  /** The workflows as the maintainer's working tree has them (what `gha run <file>` reads). */
  private source(): WorkflowSource {
    return { label: 'the working tree', sha: null, read: (path) => Promise.resolve(readFileSync(join(this.clone, path), 'utf8')) };
  }

  /**
   * Delivers an event to `.github/workflows/<file>` (as `gha run <file> --event <name>` does) and
   * waits for every run it starts. Returns what was printed.
   */
  async deliver(workflow: string, request: EventRequest, inputs: Record<string, string> = {}): Promise<string> {
    const path = `.github/workflows/${workflow}`;
    const source = this.source();
    const loaded = await loadWorkflow(path, await source.read(path));
    const event = await eventFor(this.session, loaded, request);
    await this.session.trigger(path, source, event, { inputs });
    await this.session.idle();
    return this.takeOutput();
  }

  /** Several events at once (as `gha together` does). */
  async together(events: { workflow: string; request: EventRequest; inputs?: Record<string, string> }[]): Promise<string> {
    const source = this.source();
    const prepared = [];
    for (const item of events) {
      const path = `.github/workflows/${item.workflow}`;
      prepared.push({ path, inputs: item.inputs ?? {}, event: await eventFor(this.session, await loadWorkflow(path, await source.read(path)), item.request) });
    }
    await Promise.all(prepared.map((p) => this.session.trigger(p.path, source, p.event, { inputs: p.inputs })));
    await this.session.idle();
    return this.takeOutput();
  }

  /** Re-runs a run (as `gha rerun <id> [--failed]`). */
  async rerun(id: number, failedOnly: boolean): Promise<string> {
    await this.session.rerun(id, failedOnly);
    await this.session.idle();
    return this.takeOutput();
  }

  /** Changes the simulated GitHub's settings through src/gha/state/admin.ts, saved for the origin's hooks. */
  async admin(change: (store: StateStore) => Promise<unknown>): Promise<void> {
    await change(this.session.store);
    await this.session.save();
  }

  /** Runs the gha CLI on this state folder (only while no session holds it). */
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

  /** The simulated GitHub's state (the session's, current). */
  async store(): Promise<StateStore> {
    return this.session.store;
  }

  async state(): Promise<GitHubState> {
    return this.session.store.state;
  }

  /** `gha state --json`, as a value. */
  async summary(): Promise<Record<string, any>> {
    return stateSummary(await this.store());
  }

  /** The runs started since `since` runs existed. */
  async runsSince(since: number): Promise<StoredRun[]> {
    return (await this.state()).runs.slice(since);
  }

  /** The version the production service reports (this model's service only), or null. */
  async servingVersion(): Promise<string | null> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}/model`, { signal: AbortSignal.timeout(3000) });
      if (!response.ok) return null;
      const model = (await response.json()) as { version?: string; name?: string; model_name?: string };
      const name = model.name ?? model.model_name;
      if (name !== undefined && name !== modelName) return `(another service: ${name})`;
      return model.version ?? null;
    } catch {
      return null;
    }
  }

  /** Stops the production container and removes the temporary folders. */
  async dispose(): Promise<void> {
    await this.simulation?.close().catch(() => undefined);
    await exec('podman', ['rm', '--force', '--time', '0', `mlops-${modelName}`]).catch(() => undefined);
    if (!process.env.GHA_LIFECYCLE_KEEP) rmSync(this.root, { recursive: true, force: true });
  }
}
