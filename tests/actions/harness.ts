import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../helpers/project.js';

/**
 * Runs an action's compiled entry the way the runner does: `node dist/src/actions/<name>.js`
 * in a child process, with the inputs as INPUT_* variables (action.yml defaults filled in, as
 * the runner fills them), fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the GITHUB_*
 * variables of a run. Outputs are read back from the output file's heredoc format.
 */

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface RunActionOptions {
  /** The checkout (GITHUB_WORKSPACE and the working directory). */
  cwd: string;
  inputs?: Record<string, string>;
  /** GITHUB_API_URL: the simulator. */
  apiUrl?: string;
  /** GITHUB_EVENT_NAME and the payload file. */
  event?: { name: string; path: string };
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The test repository, as GITHUB_REPOSITORY. */
export const testRepository = 'octo-org/churn-model';
/** The token the runner would put in `${{ github.token }}`. */
export const testToken = 'ghs_test_token_not_a_secret';

/** `INPUT_` + upper-cased name, spaces as `_`, dashes kept: what the runner sets. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** The action's inputs with defaults, as the runner evaluates them. */
export function runnerInputs(action: string, given: Record<string, string>): Record<string, string> {
  const metadata = parse(readFileSync(join(repoRoot, 'actions', action, 'action.yml'), 'utf8')) as { inputs?: Record<string, { default?: string }> };
  const values: Record<string, string> = {};
  for (const [name, input] of Object.entries(metadata.inputs ?? {})) {
    const fallback = input.default ?? '';
    values[name] = fallback === '${{ github.token }}' ? testToken : fallback;
  }
  for (const [name, value] of Object.entries(given)) {
    if (!(name in values)) throw new Error(`actions/${action} has no input '${name}'`);
    values[name] = value;
  }
  return values;
}

/** Parses a GITHUB_OUTPUT file (`name<<DELIM`…`DELIM` blocks and `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`output ${name}: delimiter ${delimiter} never closes`);
      outputs[name!] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** Runs `dist/src/actions/<action>.js` as the runner would. */
export function runActionEntry(action: string, options: RunActionOptions): Promise<ActionRun> {
  const files = mkdtempSync(join(tmpdir(), `runner-${action}-`));
  const outputFile = join(files, 'output');
  const summaryFile = join(files, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GITHUB_') && !key.startsWith('INPUT_') && !key.startsWith('RUNNER_')) env[key] = value;
  }
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.cwd,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: testRepository,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: options.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REF_NAME: 'main',
    GITHUB_SHA: gitHead(options.cwd) ?? '0'.repeat(40),
    GITHUB_EVENT_NAME: options.event?.name ?? 'workflow_dispatch',
    RUNNER_TEMP: files,
    ...(options.event ? { GITHUB_EVENT_PATH: options.event.path } : {}),
    ...options.env,
  });
  for (const [name, value] of Object.entries(runnerInputs(action, options.inputs ?? {}))) env[inputVariable(name)] = value;
  const entry = join(repoRoot, 'dist', 'src', 'actions', `${action}.js`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, outputs: parseOutputFile(readFileSync(outputFile, 'utf8')), summary: readFileSync(summaryFile, 'utf8') });
    });
  });
}

function gitHead(dir: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

interface WebhookExample {
  name: string;
  examples: Record<string, unknown>[];
}
const webhookExamples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookExample[];

/**
 * A real payload from @octokit/webhooks-examples (the first example of the event, with the
 * given `action` when there is one), changed by `patch`, written to a file for GITHUB_EVENT_PATH.
 */
export function eventPayload(event: string, action: string | null, patch: (payload: any) => void = () => {}): { name: string; path: string; payload: any } {
  const group = webhookExamples.find((e) => e.name === event);
  const example = group?.examples.find((e) => action === null || e.action === action);
  if (!example) throw new Error(`@octokit/webhooks-examples has no ${event}${action ? `.${action}` : ''} example`);
  const payload = structuredClone(example) as any;
  patch(payload);
  const dir = mkdtempSync(join(tmpdir(), 'event-'));
  const path = join(dir, `${event}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return { name: event, path, payload };
}

/** The test config: the telco features, a small fast network, and gates a 1,200-row excerpt passes. */
export function testConfig(changes: (config: any) => void = () => {}): string {
  const config = parse(readFileSync(join(repoRoot, 'mlops.config.yaml'), 'utf8')) as any;
  config.data.path = 'data/telco.csv';
  config.slices = ['contract'];
  config.model = { ...config.model, hidden_units: [8], max_epochs: 12, batch_size: 128, backend: 'cpu' };
  config.gate = {
    primary_metric: 'auc',
    overall: { auc: { min: 0.6, max_regression: 0.2 } },
    per_slice: {},
    min_slice_rows: 20,
    bootstrap: { resamples: 100, confidence: 0.95, seed: 7 },
  };
  changes(config);
  return stringify(config);
}

/** The first `rows` data rows of the default dataset (real rows, header included). */
export function telcoRows(rows: number, skip = 0): string {
  const lines = readFileSync(join(repoRoot, 'data/telco-churn.csv'), 'utf8').split('\n');
  return [lines[0]!, ...lines.slice(1 + skip, 1 + skip + rows)].join('\n') + '\n';
}

/** Writes a file inside a project, creating folders. */
export function writeProjectFile(project: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), content);
}
