import { spawn } from 'node:child_process';
import { ConfigError, DataError } from '../core/errors.js';
import { writeChunksToFile, type FetchedBytes } from './fetch-sink.js';

/**
 * Runs a program that writes a CSV to its standard output (a warehouse export script) and streams
 * that output to a file with a size limit and a timeout. The program is run directly, never
 * through a shell, so nothing in its arguments is interpreted; its standard error is shown when it
 * fails.
 */

export interface CommandRun {
  /** The program and its arguments. */
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  maxBytes: number;
  timeoutMs: number;
  /** Where its output goes. */
  outPath: string;
  /** How the source is named in messages (`data.source[2]`). */
  name: string;
}

/** Characters of the program's standard error kept for the error message. */
const stderrTail = 2000;

/** Runs the program; a DataError (or ConfigError when it cannot be started) names the source. */
export async function runSourceCommand(run: CommandRun): Promise<FetchedBytes> {
  const [program, ...args] = run.argv;
  const shown = run.argv.join(' ');
  const child = spawn(program!, args, { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-stderrTail)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  }, run.timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error: Error | null }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal, error: null }));
  });
  let written: FetchedBytes | null = null;
  let writeError: unknown = null;
  try {
    written = await writeChunksToFile(child.stdout, run.outPath, run.maxBytes, `${run.name}: the output of ${shown}`);
  } catch (error) {
    writeError = error;
    child.kill('SIGKILL');
  }
  const outcome = await exited;
  clearTimeout(timer);
  if (outcome.error) {
    const code = (outcome.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${run.name}: cannot run '${program}': no such program (run: ${JSON.stringify(run.argv)}; it is run without a shell, in ${run.cwd}).`);
    throw new ConfigError(`${run.name}: cannot run '${program}': ${outcome.error.message}`);
  }
  if (writeError) throw writeError;
  const said = stderr.trim() === '' ? '' : `; it said:\n${stderr.trim()}`;
  if (timedOut) throw new DataError(`${run.name}: ${shown} did not finish within ${run.timeoutMs / 1000} s (timeout_s)${said}`);
  if (outcome.code !== 0) throw new DataError(`${run.name}: ${shown} failed (${outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.code}`})${said}`);
  return written!;
}
