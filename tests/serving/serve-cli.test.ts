import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { monitoringSnapshotSchema } from '../../src/serving/api-schema.js';
import { mlopsBin, runMlops, stackTraceLine, type CliRun } from '../helpers/project.js';
import { createServingProject, fixtureInstances, postPredict, removeServingProject, spawnServe, type ServeProcess, type ServingProject } from './fixture.js';
import { openRaw } from './raw-http.js';

let project: ServingProject;
/** Folders made by single tests, removed at the end. */
const scratch: string[] = [];

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

beforeAll(async () => {
  // The config turns the sample log on (every request) and lets the OS pick the port.
  project = await createServingProject([42], (config) => {
    config.serving = { port: 0 };
    config.monitoring = { min_samples: 50, sample_log: { path: 'logs/requests.jsonl', rate: 1 } };
  });
});

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  removeServingProject(project);
});

function expectCleanFailure(run: CliRun, code: number, message: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(stackTraceLine);
}

describe('mlops serve with a config file', () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await spawnServe([], { cwd: project.dir, env: { PORT: '' } });
  });

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGKILL');
      await serve.exited;
    }
  });

  test('prints its URL and serves on the port the config asked for (0: any free one)', () => {
    expect(serve.stdout()).toMatch(/^Serving telco-churn 1\.0\.0 at http:\/\/127\.0\.0\.1:\d+\n/);
    expect(serve.stderr()).toMatch(/"msg":"writing the request sample log"/);
  });

  test('mlops monitor computes the same drift report from the sample log as the server from its window', async () => {
    const shifted = fixtureInstances(300, 600).map((instance) => ({ ...instance, monthly_charges: (instance.monthly_charges as number) + 40 }));
    for (let i = 0; i < shifted.length; i += 10) {
      const response = await postPredict(serve.url, { instances: shifted.slice(i, i + 10) });
      expect(response.status).toBe(200);
    }
    // A refused request is neither in the window nor in the log.
    expect((await postPredict(serve.url, { tenure: 'x' })).status).toBe(400);
    const live = monitoringSnapshotSchema.parse(await (await fetch(`${serve.url}/api/monitoring.json`)).json());
    expect(live.window).toMatchObject({ requests: 30, instances: 300 });
    expect(live.features.filter((feature) => feature.drifted).map((feature) => feature.name)).toEqual(['monthly_charges']);

    // The log is written in the background: wait until it holds every request.
    const logPath = join(project.dir, 'logs/requests.jsonl');
    for (let i = 0; i < 100 && readLines(logPath) < 30; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const offline = await runMlops(['monitor', '--log', 'logs/requests.jsonl', '--json'], { cwd: project.dir });
    expect(offline.code, offline.stderr).toBe(0);
    const report = monitoringSnapshotSchema.parse(JSON.parse(offline.stdout));
    expect(report.features).toEqual(live.features);
    expect(report.predictions).toEqual(live.predictions);
    expect(report.alerts).toEqual(live.alerts);
    expect(report.thresholds).toEqual({ psi: 0.1, js: 0.1, linf: 0.1, min_samples: 50 });
    expect(report.window).toMatchObject({ requests: 30, instances: 300 });

    // Only feature values, predictions, the version and the time: no headers, ids or addresses.
    const first = JSON.parse(readFileSync(logPath, 'utf8').split('\n')[0]!);
    expect(Object.keys(first).sort()).toEqual(['instances', 'model_version', 'predictions', 'time']);
    expect(Object.keys(first.instances[0]).sort()).toEqual(Object.keys(shifted[0]!).sort());

    const text = await runMlops(['monitor', '--log', logPath, '--fail-on-drift'], { cwd: project.dir });
    expectCleanFailure(text, 3, /Drift against the training data of 1\.0\.0 on: monthly_charges\./);
    expect(text.stdout).toMatch(/^monthly_charges\s+numeric\s+300\s.*DRIFT$/m);
    expect(text.stdout).toMatch(/^alerts:\n {2}- monthly_charges: PSI /m);
  });

  test('SIGTERM: an in-flight request finishes, new connections are refused, the process exits 0', async () => {
    const { hostname, port } = new URL(serve.url);
    const body = JSON.stringify({ instances: fixtureInstances(3, 700) });
    const socket = connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    const half = Math.floor(body.length / 2);
    // With Expect: 100-continue the server says when it has the headers: from then on the request is in flight.
    socket.write(`POST /predict HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`);
    while (!response.includes('100 Continue')) await new Promise((resolve) => setTimeout(resolve, 10));
    socket.write(body.slice(0, half));

    serve.child.kill('SIGTERM');
    await serve.waitForLog(/"msg":"shutting down: no new connections; finishing in-flight requests"/);
    await expect(fetch(`${serve.url}/health`)).rejects.toThrow();

    socket.write(body.slice(half));
    await ended;
    const [interim, head, payload] = response.split('\r\n\r\n');
    expect(interim).toBe('HTTP/1.1 100 Continue');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(JSON.parse(payload!)).toMatchObject({ model_version: '1.0.0', predictions: [{}, {}, {}] });
    expect(await serve.exited).toBe(0);
    expect(serve.stdout()).toContain('Stopped (SIGTERM).');
    expect(serve.stderr()).toMatch(/"msg":"stopped"/);
  });

  test('SIGINT under concurrent load: every answered request is a 200, then exit 0', async () => {
    const second = await spawnServe(['--registry', project.registry, '--port', '0'], { cwd: project.dir });
    const instances = fixtureInstances(10, 800);
    const statuses: number[] = [];
    let stop = false;
    const client = async (i: number) => {
      while (!stop) {
        try {
          statuses.push((await postPredict(second.url, instances[i]!)).status);
        } catch {
          // Refused once the server stopped accepting: expected after the signal.
          return;
        }
      }
    };
    const clients = Array.from({ length: 10 }, (_, i) => client(i));
    while (statuses.length < 100) await new Promise((resolve) => setTimeout(resolve, 10));
    second.child.kill('SIGINT');
    const code = await second.exited;
    stop = true;
    await Promise.all(clients);
    expect(code).toBe(0);
    expect(statuses.length).toBeGreaterThanOrEqual(100);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('on a terminal', () => {
  // util-linux `script` runs the real CLI under a pseudo-terminal, as a person starting it would.
  test.skipIf(!hasScript)('logs are readable lines, not JSON; --allowed-hosts adds a name', async () => {
    const command = [process.execPath, mlopsBin, 'serve', '--registry', project.registry, '--port', '0', '--allowed-hosts', 'model.example.com'].map((arg) => `'${arg}'`).join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: project.dir, env: { ...process.env, LOG_FORMAT: '', NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    try {
      const waitFor = async (pattern: RegExp) => {
        for (let i = 0; i < 600 && !pattern.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(output).toMatch(pattern);
      };
      await waitFor(/Serving telco-churn 1\.0\.0 at http:\/\/127\.0\.0\.1:\d+/);
      const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
      const connection = await openRaw(url);
      await connection.write('GET /health HTTP/1.1\r\nHost: model.example.com\r\nConnection: close\r\n\r\n');
      expect((await connection.response()).status).toBe(200);
      await waitFor(/INFO {2}GET \/health 200 [\d.]+ ms/);
      expect(output).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}listening on http:\/\/127\.0\.0\.1:\d+ {2}url=/m);
      expect(output).toMatch(/allowed_hosts=\["model\.example\.com"\]/);
      expect(output).not.toMatch(/^\{"level"/m);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

function readLines(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0).length;
  } catch {
    return 0;
  }
}

describe('mistakes get an exit code and a message, never a stack trace', () => {
  test('serving an empty registry points at the pipeline', async () => {
    const empty = scratchDir('mlops-empty-registry-');
    expectCleanFailure(await runMlops(['serve', '--registry', empty, '--port', '0'], { cwd: empty }), 5, /no champion\. Run `mlops pipeline`/);
  });

  test('without a config file or --registry', async () => {
    const empty = scratchDir('mlops-no-config-');
    expectCleanFailure(await runMlops(['serve'], { cwd: empty }), 2, /No config file .*mlops\.config\.yaml and no --registry/);
  });

  test.each([
    { args: ['--version', '1.x'], env: {}, message: /Invalid version "1\.x"/ },
    { args: ['--version', '3.0.0'], env: {}, message: /Version 3\.0\.0 is not in the registry .*registered versions: 1\.0\.0/ },
    { args: ['--port', '70000'], env: {}, message: /--port must be a port number from 0 to 65535; got '70000'/ },
    { args: [], env: { PORT: 'eighty' }, message: /PORT must be a port number from 0 to 65535; got 'eighty'/ },
    { args: [], env: { MLOPS_ADMIN_TOKEN: 'changeme' }, message: /MLOPS_ADMIN_TOKEN has 8 characters; it needs at least 32: generate one with `openssl rand -hex 32`/ },
    { args: [], env: { MLOPS_ALLOWED_HOSTS: 'https://model.example.com' }, message: /MLOPS_ALLOWED_HOSTS has "https:\/\/model\.example\.com": expected host names without scheme or port/ },
    { args: ['--allowed-hosts', 'model.example.com:443'], env: {}, message: /--allowed-hosts has "model\.example\.com:443"/ },
    { args: [], env: { LOG_FORMAT: 'xml' }, message: /LOG_FORMAT must be json or pretty; got "xml"/ },
  ])('serve $args $env', async ({ args, env, message }) => {
    const run = await runMlops(['serve', '--registry', project.registry, ...args], { cwd: project.dir, env });
    expectCleanFailure(run, /not in the registry/.test(message.source) ? 5 : 2, message);
  });

  test('a port already in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      expectCleanFailure(await runMlops(['serve', '--registry', project.registry, '--port', String(port)], { cwd: project.dir }), 2, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      blocker.close();
    }
  });

  test.each([
    { args: ['rollback'], code: 2, message: /needs the version to serve/ },
    { args: ['rollback', '01.0.0'], code: 2, message: /Invalid version "01\.0\.0": expected MAJOR\.MINOR\.PATCH/ },
    { args: ['rollback', '9.9.9'], code: 5, message: /Version 9\.9\.9 is not in the registry .*; registered versions: 1\.0\.0\./ },
    { args: ['rollback', '1.0.0', 'extra'], code: 2, message: /unexpected argument 'extra'/ },
  ])('$args', async ({ args, code, message }) => {
    expectCleanFailure(await runMlops(args, { cwd: project.dir }), code, message);
  });

  test('rolling back to the champion changes nothing', async () => {
    const run = await runMlops(['rollback', '1.0.0'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('1.0.0 is already the champion; nothing changed.\n');
  });

  test('monitor: a missing log and a damaged line', async () => {
    expectCleanFailure(await runMlops(['monitor', '--log', 'nope.jsonl', '--version', '1.0.0'], { cwd: project.dir }), 3, /Sample log not found: .*nope\.jsonl/);
    mkdirSync(join(project.dir, 'bad'), { recursive: true });
    const record = { time: new Date().toISOString(), model_version: '1.0.0', instances: fixtureInstances(1), predictions: [{ label: 'No', probability: 0.1 }] };
    writeFileSync(join(project.dir, 'bad/log.jsonl'), `${JSON.stringify(record)}\n{"time": "yesterday"}\n`);
    expectCleanFailure(await runMlops(['monitor', '--log', 'bad/log.jsonl'], { cwd: project.dir }), 3, /bad\/log\.jsonl, line 2: not a sample record/);
    expectCleanFailure(await runMlops(['monitor'], { cwd: project.dir }), 2, /needs --url SERVICE_URL \(a running service\) or --log FILE/);
  });
});
