import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI launcher (npm test builds dist/ first). */
export const mlopsBin = join(repoRoot, 'bin', 'mlops.js');

/** The repository's default config text. */
export function defaultConfigText(): string {
  return readFileSync(join(repoRoot, 'mlops.config.yaml'), 'utf8');
}

/**
 * A throwaway project folder: the given files (text, or `{ copy: path-in-repo }`), optionally a
 * real git repository with one commit, as a forker's checkout would be.
 */
export function createProject(files: Record<string, string | { copy: string }>, options: { git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-project-'));
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof content === 'string') writeFileSync(target, content);
    else cpSync(join(repoRoot, content.copy), target);
  }
  if (options.git) {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'add', '-A');
    git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-qm', 'fixture');
  }
  return dir;
}

/** The current commit of a project created with `git: true`. */
export function headCommit(dir: string): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `mlops` CLI in a child process. */
export function runMlops(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    // A run inside GitHub Actions would otherwise leak its run id and URL into the lineage.
    for (const key of Object.keys(env)) if (key.startsWith('GITHUB_') && !(options.env && key in options.env)) delete env[key];
    const child = spawn(process.execPath, [mlopsBin, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Reads a JSON file. */
export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A line that only a stack trace prints. */
export const stackTraceLine = /^\s+at .+\(.+:\d+:\d+\)$/m;
