import { readFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadModel } from '../../src/model/model-io.js';
import { predictRows } from '../../src/model/predict.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { MicroBatcher } from '../../src/serving/batcher.js';
import { ModelHost } from '../../src/serving/model-host.js';
import { runMlops, stackTraceLine } from '../helpers/project.js';
import { createServingProject, fixtureInstances, metricValue, postPredict, removeServingProject, spawnServe, type ServeProcess, type ServingProject } from './fixture.js';

let project: ServingProject;

beforeAll(async () => {
  // 1.0.0 (seed 42), then 1.1.0 (seed 7, a config change), promoted.
  project = await createServingProject([42, 7]);
});

afterAll(() => removeServingProject(project));

describe('swapping in-process: in-flight work finishes on the model it started with', () => {
  test('a held handle keeps its network until released; then it is disposed', async () => {
    expect(project.versions).toEqual(['1.0.0', '1.1.0']);
    const registry = await ModelRegistry.open(project.registry);
    const host = new ModelHost({
      registryRoot: project.registry,
      pinnedVersion: null,
      limits: { maxInstances: 100, maxStringLength: 100 },
      drift: { windowSize: 100, minSamples: 10, thresholds: { psi: 0.1, js: 0.1, linf: 0.1 } },
      log: pino({ level: 'silent' }),
    });
    await host.start();
    const old = host.current!.acquire();
    expect(old.model.version).toBe('1.1.0');
    const rows = fixtureInstances(5, 300);
    try {
      await registry.setChampion('1.0.0', 'test');
      expect(await host.refresh()).toEqual({ status: 'swapped', version: '1.0.0', from: '1.1.0' });
      expect(host.current!.model.version).toBe('1.0.0');
      // The request validated against 1.1.0 is still scored by 1.1.0.
      expect(old.isDisposed).toBe(false);
      const batcher = new MicroBatcher({ maxBatchSize: 100, batchTimeoutMs: 1 });
      const outputs = await batcher.predict(old, rows);
      const reference = await loadModel(join(project.registry, 'versions/1.1.0'));
      expect(Array.from(outputs)).toEqual(Array.from(predictRows(reference.network, reference.spec, rows)));
      reference.network.dispose();
    } finally {
      old.release();
    }
    expect(old.isDisposed).toBe(true);
    expect(host.current!.isDisposed).toBe(false);
    await host.stop();
    await registry.setChampion('1.1.0', 'restore the fixture');
  });
});

describe('mlops serve follows the registry', () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await spawnServe(['--registry', project.registry, '--port', '0'], { cwd: project.dir });
  });

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  test('a rollback while the server is under load fails no request and changes the served version', async () => {
    expect(((await (await fetch(`${serve.url}/model`)).json()) as { version: string }).version).toBe('1.1.0');
    const instances = fixtureInstances(20, 400);
    const versions: string[] = [];
    const failures: string[] = [];
    let sent = 0;
    let stop = false;
    // At least 2,000 requests from 20 concurrent clients; more only while the rollback is still on its way.
    const cap = 20_000;
    const client = async (i: number) => {
      while (!stop && sent < cap) {
        sent++;
        try {
          const response = await postPredict(serve.url, { instances: [instances[i]!] });
          if (response.status === 200) versions.push(response.body.model_version);
          else failures.push(`${response.status} ${JSON.stringify(response.body)}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const clients = Array.from({ length: 20 }, (_, i) => client(i));
    while (versions.length < 200 && failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const rollback = await runMlops(['rollback', '1.0.0', '--registry', project.registry, '--reason', 'bad 1.1.0 in production'], { cwd: project.dir });
    const rolledBackAt = versions.length;
    while ((versions.length < 2000 || versions.length < rolledBackAt + 300 || !versions.includes('1.0.0')) && sent < cap && failures.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stop = true;
    await Promise.all(clients);

    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain('champion: 1.1.0 → 1.0.0 (bad 1.1.0 in production)');
    expect(failures).toEqual([]);
    expect(versions.length).toBeGreaterThanOrEqual(2000);
    expect(versions[0]).toBe('1.1.0');
    expect(versions[versions.length - 1]).toBe('1.0.0');
    // The swap happened once: after the first 1.0.0 answer, only requests already in flight answer 1.1.0.
    const firstNew = versions.indexOf('1.0.0');
    expect(versions.slice(firstNew).filter((version) => version === '1.1.0').length).toBeLessThanOrEqual(20);

    const model = await (await fetch(`${serve.url}/model`)).json();
    expect(model).toMatchObject({ version: '1.0.0', champion: true });
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metricValue(metrics, 'mlops_model_loads_total', '{outcome="loaded"}')).toBe(2);
    expect(metrics).not.toMatch(/mlops_http_requests_total\{route="\/predict",method="POST",status="[45]\d\d"\}/);
    await serve.waitForLog(/"msg":"now serving telco-churn 1\.0\.0 \(was 1\.1\.0\)"/);
    const history = await ModelRegistry.open(project.registry).then((registry) => registry.aliasHistory());
    expect(history[history.length - 1]).toMatchObject({ from: '1.1.0', to: '1.0.0', reason: 'bad 1.1.0 in production' });
  });

  test('a corrupt version is refused by rollback; forced to champion, the server refuses it and keeps serving', async () => {
    const weights = join(project.registry, 'versions/1.1.0/weights.bin');
    const size = statSync(weights).size;
    truncateSync(weights, size - 100);

    const refused = await runMlops(['rollback', '1.1.0', '--registry', project.registry], { cwd: project.dir });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`Version 1.1.0 cannot be served: ${weights} has ${size - 100} bytes but model.json describes ${size}`);
    expect(refused.stderr).not.toMatch(stackTraceLine);
    expect((await (await ModelRegistry.open(project.registry)).champion())?.version).toBe('1.0.0');

    const forced = await runMlops(['rollback', '1.1.0', '--registry', project.registry, '--force'], { cwd: project.dir });
    expect(forced.code, forced.stderr).toBe(0);
    await serve.waitForLog(/"msg":"refused model 1\.1\.0; still serving 1\.0\.0"/);
    const line = serve.stderr().split('\n').find((entry) => entry.includes('refused model 1.1.0'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 'error', version: '1.1.0', serving: '1.0.0' });
    expect(JSON.parse(line).err_message).toContain('model.json describes');

    const [instance] = fixtureInstances(1, 500);
    const response = await postPredict(serve.url, instance);
    expect(response.status).toBe(200);
    expect(response.body.model_version).toBe('1.0.0');
    expect(await (await fetch(`${serve.url}/model`)).json()).toMatchObject({ version: '1.0.0', champion: false });
    expect((await fetch(`${serve.url}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metricValue(metrics, 'mlops_model_load_failures_total', '{version="1.1.0"}')).toBe(1);
    expect(metricValue(metrics, 'mlops_model_info', '{name="telco-churn",version="1.0.0",champion="false"}')).toBe(1);
    // Refused once: the poll does not reload it every second.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(serve.stderr().split('\n').filter((entry) => entry.includes('refused model 1.1.0'))).toHaveLength(1);
  });

  test('SIGTERM stops it with exit code 0', async () => {
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stdout()).toContain('Stopped (SIGTERM).');
    expect(readFileSync(join(project.registry, 'registry.json'), 'utf8')).toContain('"champion": "1.1.0"');
  });
});
