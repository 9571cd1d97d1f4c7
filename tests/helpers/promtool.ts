import { spawnSync } from 'node:child_process';

/**
 * Prometheus's `promtool` (Debian's `prometheus` package). Tests that need it skip where it is
 * not installed, except in CI (`CI` set), where .ci/run installs it and its absence is a failure.
 */
export const promtool: string | null = (() => {
  const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return 'promtool';
  if (process.env.CI) throw new Error('promtool is not installed: CI must install it (apt-get install -y --no-install-recommends prometheus).');
  return null;
})();

/** Runs promtool with `input` on its standard input; its exit status and both outputs. */
export function runPromtool(args: string[], options: { input?: string; cwd?: string } = {}): { status: number | null; output: string } {
  if (promtool === null) throw new Error('promtool is not installed');
  const run = spawnSync(promtool, args, { encoding: 'utf8', input: options.input, cwd: options.cwd });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The `mlops_*` families of a /metrics text (HELP, TYPE and samples), what `promtool check metrics` is asked about. */
export function mlopsFamilies(exposition: string): string {
  return `${exposition
    .split('\n')
    .filter((line) => /^(# (HELP|TYPE) )?mlops_/.test(line))
    .join('\n')}\n`;
}
