import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { pino } from 'pino';
import { createProject, defaultConfigText, mlopsBin, repoRoot, runMlops } from '../helpers/project.js';
import { resolveServeSettings, type ServeSettings } from '../../src/serving/settings.js';
import { startServer, type RunningServer } from '../../src/serving/server.js';
import type { FeatureRecord } from '../../src/model/preprocessing.js';

/**
 * Real registries for the serving tests: a temp project with the first 1500 telco rows (plus the
 * six later rows with a blank total_charges, so training surely sees missing values there), a
 * 3-epoch model, registered by the real `mlops pipeline`. More versions come from re-running the
 * pipeline with another model seed (a config change: a minor version).
 */

/** Data lines (1-based, header = 1) beyond the first 1500 rows whose total_charges is blank. */
const blankTotalChargesLines = [3333, 3828, 4382, 5220, 6672, 6756];

export interface ServingProject {
  dir: string;
  registry: string;
  /** Registered versions, oldest first. */
  versions: string[];
}

/** The fixture's config, as YAML text, with a model seed. */
export function fixtureConfig(seed: number, change: (config: Record<string, any>) => void = () => {}): string {
  const config = parse(defaultConfigText()) as Record<string, any>;
  config.model.max_epochs = 3;
  config.model.seed = seed;
  // Versions are compared with the champion; a 3-epoch model must not be rejected for being 0.01
  // worse, nor for trailing the in-run logistic baseline (a fixture for serving, not for the gate).
  config.gate = { overall: { auc: { min: 0.6 } }, per_slice: {}, baseline: { enabled: true, max_regression: 0.1 } };
  change(config);
  return stringify(config);
}

function fixtureData(): string {
  const lines = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n');
  return [...lines.slice(0, 1501), ...blankTotalChargesLines.map((line) => lines[line - 1]!)].join('\n') + '\n';
}

/** Creates the project and registers one version per seed (the last one is the champion). */
export async function createServingProject(seeds: number[] = [42], change?: (config: Record<string, any>) => void): Promise<ServingProject> {
  const dir = createProject({ 'mlops.config.yaml': fixtureConfig(seeds[0]!, change), 'data/telco-churn.csv': fixtureData() });
  const versions: string[] = [];
  for (const seed of seeds) {
    writeFileSync(join(dir, 'mlops.config.yaml'), fixtureConfig(seed, change));
    const run = await runMlops(['pipeline'], { cwd: dir });
    if (run.code !== 0) throw new Error(`pipeline failed (${run.code}):\n${run.stderr}`);
    const version = /version\s+(\d+\.\d+\.\d+)/.exec(run.stdout)?.[1];
    if (!version) throw new Error(`no version in pipeline output:\n${run.stdout}`);
    versions.push(version);
  }
  return { dir, registry: join(dir, '.mlops/registry'), versions };
}

/** Deletes a project made by {@link createServingProject} (call after its servers stopped). */
export function removeServingProject(project: ServingProject | undefined): void {
  if (project) rmSync(project.dir, { recursive: true, force: true });
}

/** Rows of the fixture's CSV as the server takes them (numbers for numeric features, strings else, null when blank). */
export function fixtureInstances(count: number, offset = 0): FeatureRecord[] {
  const config = parse(defaultConfigText()) as { features: { name: string; type: string }[] };
  const lines = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n');
  const header = lines[0]!.split(',').map((cell) => cell.replace(/"/g, ''));
  return lines.slice(1 + offset, 1 + offset + count).map((line) => {
    // The file quotes every text cell and no cell holds a comma.
    const cells = line.split(',').map((cell) => cell.replace(/"/g, ''));
    const row: Record<string, number | string | null> = {};
    for (const feature of config.features) {
      const cell = cells[header.indexOf(feature.name)]!;
      row[feature.name] = cell === '' ? null : feature.type === 'numeric' ? Number(cell) : cell;
    }
    return row;
  });
}

/** Log lines captured from an in-process server. */
export interface CapturedLog {
  lines: string[];
  text(): string;
}

/**
 * Starts the real server in this process on 127.0.0.1:0 for a registry, with the settings a
 * config-less `mlops serve --registry` would use, changed by `change`. Logs are captured. The
 * prediction log goes to `feedbackDir`, by default a new folder beside the registry.
 */
export async function startTestServer(
  registry: string,
  options: { change?: (settings: ServeSettings) => void; adminToken?: string; version?: string; feedbackDir?: string } = {},
): Promise<{ server: RunningServer; log: CapturedLog }> {
  const feedbackDir = options.feedbackDir ?? mkdtempSync(join(dirname(registry), 'feedback-'));
  const settings = await resolveServeSettings({ registry, version: options.version, port: '0', host: '127.0.0.1', cwd: repoRoot, env: {}, feedbackDir });
  options.change?.(settings);
  const lines: string[] = [];
  const log = pino({ level: 'info', base: null }, { write: (chunk: string) => void lines.push(chunk) });
  const server = await startServer({ settings, log, adminToken: options.adminToken ?? null });
  return { server, log: { lines, text: () => lines.join('') } };
}

/** POSTs JSON (or raw text) to /predict and returns the status and parsed body. */
export async function postPredict(url: string, body: unknown, init: { raw?: boolean; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ? (body as string) : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the test says what it expected.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** A running `mlops serve` child process and the URL it printed. */
export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves when stderr has a line matching the pattern. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Starts the real CLI: `mlops serve ...args` in `cwd`, and waits for its URL. */
export async function spawnServe(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<ServeProcess> {
  const child = spawn(process.execPath, [mlopsBin, 'serve', ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mlops serve printed no URL:\n${stdout}\n${stderr}`)), 60_000);
    const check = () => {
      const match = /at (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mlops serve exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    child,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForLog: (pattern, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no log line matching ${pattern}:\n${stderr.slice(-3000)}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
}

/** Reads one metric sample (first line matching name and label text) from Prometheus text. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const key = line.slice(0, space);
    if (key === `${name}${labels}` || (labels === '' && key === name)) return Number(line.slice(space + 1));
  }
  return undefined;
}
