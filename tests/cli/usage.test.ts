import { Writable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { createProject, defaultConfigText } from '../helpers/project.js';

/** Runs the CLI in this process with `cwd` as its working directory (never process.cwd()). */
async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await runCli(args, { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)), env: {}, cwd });
  return { code, stdout, stderr };
}

describe('usage errors name the option and exit 2', () => {
  test.each([
    [['experiments', '--limit', 'ten'], /^error: Invalid --limit 'ten': expected a positive whole number\.\n\nUsage: mlops experiments/],
    [['init', '--data', 'x.csv', '--target', 'y', '--task', 'ranking'], /^error: Invalid --task 'ranking': expected one of binary, multiclass, regression\./],
    [['deploy', '--version', '1.0.0', '--target', 'heroku'], /^error: Invalid --target 'heroku': expected one of local, webhook, kubernetes\./],
    [['validate', '--dta', 'x.csv'], /^error: Unknown option '--dta'/],
    [['rollback', '1.0.0', 'extra'], /^error: unexpected argument 'extra'/],
  ])('mlops %j', async (args, message) => {
    const run = await cli(args, createProject({}));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  test('--help wins over a bad value', async () => {
    const run = await cli(['experiments', '--limit', 'ten', '--help'], createProject({}));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: mlops experiments/);
  });
});

describe('paths are relative to the working directory the CLI was given', () => {
  test('--config and --work-dir resolve against the same cwd, and a step error speaks CLI', async () => {
    const project = createProject({ 'sub/mlops.config.yaml': defaultConfigText() });
    const run = await cli(['train', '--config', 'sub/mlops.config.yaml', '--work-dir', 'w'], project);
    expect(run.code).toBe(5);
    expect(run.stderr).toBe(`error: ${join(project, 'w', 'run.json')} is missing: run \`mlops validate\` first (with the same --work-dir).\n`);
  });

  test('the default work dir is .mlops/work beside the config', async () => {
    const project = createProject({ 'sub/mlops.config.yaml': defaultConfigText() });
    const run = await cli(['evaluate', '-c', 'sub/mlops.config.yaml'], project);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(join(project, 'sub', '.mlops', 'work', 'run.json'));
  });

  test('a command without a step finds its config the same way', async () => {
    const project = createProject({ 'sub/mlops.config.yaml': defaultConfigText() });
    const run = await cli(['versions', '--config', 'sub/mlops.config.yaml'], project);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/No versions registered yet/);
  });
});
