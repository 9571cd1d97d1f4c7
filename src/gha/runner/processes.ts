import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/**
 * Child processes of steps: each in its own process group (killed whole on timeout or
 * cancellation), output handed over line by line. Processes a step left running are found the
 * way GitHub's runner finds them: by the RUNNER_TRACKING_ID in their environment.
 */

/** How a step's process ended. */
export interface ProcessOutcome {
  code: number | null;
  timedOut: boolean;
  cancelled: boolean;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal: AbortSignal;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  stdin?: string;
}

/** Runs `file` with `args`, no shell. */
export function runProcess(file: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    let timedOut = false;
    let cancelled = false;
    const child = spawn(file, [...args], { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killGroup();
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) onAbort();
    const lines = (stream: 'stdout' | 'stderr') => {
      let partial = '';
      return {
        data(chunk: Buffer) {
          const parts = (partial + chunk.toString('utf8')).split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) options.onLine(line.replace(/\r$/, ''), stream);
        },
        end() {
          if (partial !== '') options.onLine(partial, stream);
          partial = '';
        },
      };
    };
    const out = lines('stdout');
    const err = lines('stderr');
    child.stdout.on('data', out.data);
    child.stderr.on('data', err.data);
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
    child.on('error', (error) => {
      options.onLine(`Cannot start ${file}: ${error.message}`, 'stderr');
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      resolve({ code, timedOut, cancelled });
    });
  });
}

/** Kills every process whose environment carries `RUNNER_TRACKING_ID=<id>` (except `keep`). */
export async function killTrackedProcesses(trackingId: string, keep: (command: string) => boolean = () => false): Promise<string[]> {
  const killed: string[] = [];
  const needle = `RUNNER_TRACKING_ID=${trackingId}\0`;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (!environ.includes(needle)) continue;
    const command = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (keep(command)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed.push(`${command} (${entry})`);
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}
