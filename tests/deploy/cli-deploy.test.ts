import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readLocalDeployState, stopProcess } from '../../src/deploy/local-target.js';
import { createProject, runMlops, stackTraceLine } from '../helpers/project.js';
import { telcoRows, testConfig } from '../actions/harness.js';

/** `mlops deploy`, the CLI edge of the deploy code: a real registry, a real `mlops serve`. */

let project: string;
let port: number;

beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  project = createProject({
    'mlops.config.yaml': testConfig((c) => {
      c.deploy = { target: 'local', verify: { timeout_s: 60, interval_ms: 250 }, local: { runtime: 'process', port } };
    }),
    'data/telco.csv': telcoRows(500),
  });
  const pipeline = await runMlops(['pipeline'], { cwd: project });
  expect(pipeline.code, pipeline.stderr).toBe(0);
});

afterAll(async () => {
  const state = project ? await readLocalDeployState(project) : null;
  if (state?.pid) await stopProcess(state.pid);
});

describe('mlops deploy', () => {
  test('starts the server for the version and checks that /model reports it', async () => {
    const run = await runMlops(['deploy', '--version', 'v1.0.0'], { cwd: project });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`deployed: 1.0.0 at http://127.0.0.1:${port}\n`);
    const model = (await (await fetch(`http://127.0.0.1:${port}/model`)).json()) as { version: string };
    expect(model.version).toBe('1.0.0');
    expect(await readLocalDeployState(project)).toMatchObject({ version: '1.0.0', runtime: 'process', url: `http://127.0.0.1:${port}` });
  });

  test.each([
    [['deploy'], /needs --version/],
    [['deploy', '--version', '1.0'], /Invalid release tag "1\.0"/],
    [['deploy', '--version', '1.0.0', '--target', 'heroku'], /Invalid --target 'heroku': expected one of local, webhook, kubernetes/],
  ])('%j is a usage error (exit 2) without a stack', async (args, message) => {
    const run = await runMlops(args, { cwd: project });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(stackTraceLine);
  });

  test('a version that is not registered is a registry error (exit 5), as for rollback and serve', async () => {
    const run = await runMlops(['deploy', '--version', '2.0.0'], { cwd: project });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/Version 2\.0\.0 is not in the registry at .*; registered versions: 1\.0\.0\./);
    expect(run.stderr).not.toMatch(stackTraceLine);
  });
});
