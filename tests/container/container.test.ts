import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRecordingLogger } from '../../src/core/logger.js';
import { readBrowserModules } from '../../src/dashboard/browser-assets.js';
import { dashboardPaths } from '../../src/dashboard/paths.js';
import { selectBackend } from '../../src/model/backend.js';
import { loadModel } from '../../src/model/model-io.js';
import { predictRows } from '../../src/model/predict.js';
import { requireContainerEngine, type ContainerEngine } from '../../src/container/engine.js';
import { buildServingImage, inspectImage, removeImage, type BuiltImage } from '../../src/container/serving-image.js';
import {
  containerLogs,
  inspectContainerState,
  removeContainer,
  runHealthcheckOnce,
  startServingContainer,
  stopContainer,
  waitForContainerReady,
  type ServingContainer,
} from '../../src/container/serving-container.js';
import { readJson, repoRoot } from '../helpers/project.js';
import { freePort } from '../../src/core/free-port.js';
import { execFileAsync, projectWithTwoVersions, sampleInstances } from './support.js';

/**
 * The serving container end to end, with podman on this machine: a project registers two
 * versions (1.0.0, then 1.1.0 as champion); the image is built for 1.0.0 — not the champion —
 * on a locally built Node.js base (Docker Hub is out of reach here) with dependencies from the
 * host's npm cache; the container runs on loopback, predicts like version 1.0.0 does on the host,
 * runs as an unprivileged user, passes its HEALTHCHECK and stops on SIGTERM with exit code 0.
 * Containers and images it creates are removed; the cached base image stays.
 */

const builtVersion = '1.0.0';
const name = `mlops-container-test-${process.pid}`;
const image = `localhost/mlops-container-test-${process.pid}:${builtVersion}`;
const logger = createRecordingLogger();

let engine: ContainerEngine;
let project: string;
let built: BuiltImage | undefined;
let container: ServingContainer;

beforeAll(async () => {
  engine = await requireContainerEngine({ preferred: 'podman' });
  project = await projectWithTwoVersions({ buildInputs: true });

  const base =
    process.env.MLOPS_TEST_BASE_IMAGE ??
    (
      await execFileAsync('bash', [join(repoRoot, 'scripts', 'container', 'build-base-image.sh')], { timeout: 300_000 })
    ).stdout.trim().split('\n').pop()!;
  const npmCache = (await execFileAsync('npm', ['config', 'get', 'cache'], { timeout: 30_000 })).stdout.trim();
  if (!existsSync(join(npmCache, '_cacache'))) {
    throw new Error(`The npm cache ${npmCache} is empty: run \`npm ci\` on this host first; the image build installs from it offline.`);
  }

  try {
    built = await buildServingImage(
      engine,
      {
        contextDir: project,
        image,
        modelVersion: builtVersion,
        baseImage: base,
        offlineNpmCache: npmCache,
        layers: false,
        revision: '0123456789abcdef0123456789abcdef01234567',
        sourceUrl: 'https://github.com/example/churn-model',
      },
      logger,
      600_000,
    );
  } catch (error) {
    const progress = logger.lines.filter((l) => l.level === 'progress').slice(-40).map((l) => l.message);
    throw new Error(`${String(error)}\n--- build output (end) ---\n${progress.join('\n')}`);
  }
  const size = (await inspectImage(engine, image)).sizeBytes;
  console.log(`serving image ${image}: built in ${(built.durationMs / 1000).toFixed(0)} s, ${(size / 1e6).toFixed(0)} MB, on base ${base}`);

  container = await startServingContainer(engine, { image, name, hostPort: await freePort() });
  await waitForContainerReady(engine, container, { timeoutMs: 120_000 });
});

afterAll(async () => {
  if (engine) {
    await removeContainer(engine, name).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    await removeImage(engine, image).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  }
  if (project) rmSync(project, { recursive: true, force: true });
});

async function exec(...command: string[]): Promise<string> {
  return (await execFileAsync(engine.binary, ['exec', name, ...command], { timeout: 30_000 })).stdout;
}

describe('the serving image', () => {
  test('labels and environment carry the version it was built for; OCI labels carry the source and revision', async () => {
    const description = await inspectImage(engine, image);
    expect(description.labels).toMatchObject({
      'org.opencontainers.image.version': builtVersion,
      'mlops.model.version': builtVersion,
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.source': 'https://github.com/example/churn-model',
    });
    expect(description.env.MODEL_VERSION).toBe(builtVersion);
    expect(description.env.PORT).toBe('8080');
  });

  test('runs as a numeric non-root user, stops with SIGTERM, and checks its health with node', async () => {
    const description = await inspectImage(engine, image);
    expect(description.user).toBe('10001:10001');
    expect(description.stopSignal).toBe('SIGTERM');
    expect(description.healthcheck).toEqual(['CMD', 'node', 'dist/src/container/healthcheck-main.js']);
  });

  test('holds only the version it was built for, as the champion of its own registry', async () => {
    const index = JSON.parse(await exec('node', '-e', 'process.stdout.write(require("fs").readFileSync("/app/registry/registry.json", "utf8"))'));
    expect(index.champion).toBe(builtVersion);
    expect(index.versions.map((v: { version: string }) => v.version)).toEqual([builtVersion]);
    const versions = JSON.parse(await exec('node', '-e', 'process.stdout.write(JSON.stringify(require("fs").readdirSync("/app/registry/versions")))'));
    expect(versions).toEqual([builtVersion]);
    // The project's champion is another version: the image did not simply take the champion.
    expect(readJson<{ champion: string }>(join(project, '.mlops', 'registry', 'registry.json')).champion).toBe('1.1.0');
  });
});

describe('the running container', () => {
  test('answers /health, /ready and /model with the baked version', async () => {
    expect((await fetch(`${container.url}/health`)).status).toBe(200);
    expect((await fetch(`${container.url}/ready`)).status).toBe(200);
    const model = (await (await fetch(`${container.url}/model`)).json()) as { version: string; champion: boolean };
    expect(model.version).toBe(builtVersion);
  });

  test('serves the dashboard: the page and every browser module it loads', async () => {
    const page = await fetch(`${container.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`src="${dashboardPaths.moduleEntry}"`);
    for (const path of readBrowserModules().keys()) {
      const response = await fetch(`${container.url}/${dashboardPaths.modules}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(/^text\/javascript/);
    }
  });

  test('predicts what version 1.0.0 predicts on the host, and not what 1.1.0 does', async () => {
    const instances = sampleInstances(5);
    const response = await fetch(`${container.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: { label: string; probability: number }[]; model_version: string };
    expect(body.model_version).toBe(builtVersion);
    expect(body.predictions).toHaveLength(instances.length);

    await selectBackend('cpu', createRecordingLogger());
    const registry = join(project, '.mlops', 'registry', 'versions');
    const expected = await loadModel(join(registry, builtVersion));
    const other = await loadModel(join(registry, '1.1.0'));
    const expectedProbabilities = Array.from(predictRows(expected.network, expected.spec, instances));
    const otherProbabilities = Array.from(predictRows(other.network, other.spec, instances));
    body.predictions.forEach((prediction, i) => {
      expect(prediction.probability).toBeCloseTo(expectedProbabilities[i]!, 4);
      expect(prediction.label).toBe(expectedProbabilities[i]! >= 0.5 ? 'Yes' : 'No');
    });
    // The comparison can tell the versions apart: 1.1.0 is off by more than the tolerance somewhere.
    expect(Math.max(...otherProbabilities.map((p, i) => Math.abs(p - expectedProbabilities[i]!)))).toBeGreaterThan(1e-3);
  });

  test('refuses a bad request with a 4xx naming the field, and keeps serving', async () => {
    const [instance] = sampleInstances(1);
    const response = await fetch(`${container.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [{ ...instance, tenure: 'twelve' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('tenure');
    expect((await fetch(`${container.url}/ready`)).status).toBe(200);
  });

  test('the server is PID 1, node, running as uid 10001', async () => {
    const status = await exec('node', '-e', 'process.stdout.write(require("fs").readFileSync("/proc/1/status", "utf8"))');
    expect(status).toMatch(/^Uid:\s+10001\s+10001\s+10001\s+10001$/m);
    expect(status).toMatch(/^Gid:\s+10001\s+10001\s+10001\s+10001$/m);
    const commandLine = (await exec('node', '-e', 'process.stdout.write(require("fs").readFileSync("/proc/1/cmdline", "utf8"))')).split('\0');
    expect(commandLine.slice(0, 3)).toEqual(['node', 'bin/mlops.js', 'serve']);
    expect((await exec('node', '-e', 'process.stdout.write(String(process.getuid()))')).trim()).toBe('10001');
  });

  test('passes its HEALTHCHECK', async () => {
    expect(await runHealthcheckOnce(engine, name)).toBe(true);
    expect((await inspectContainerState(engine, name))?.health).toBe('healthy');
  });

  test('stops on SIGTERM with exit code 0, not killed at the end of the grace period', async () => {
    const stop = await stopContainer(engine, name, 10);
    console.log(`container stopped in ${stop.durationMs} ms with exit code ${stop.exitCode}`);
    // A server that ignored SIGTERM would be killed after 10 s with code 137.
    expect(stop.exitCode).toBe(0);
    const state = await inspectContainerState(engine, name);
    expect(state?.running).toBe(false);
    expect(await containerLogs(engine, name)).toContain('Stopped (SIGTERM)');
  });
});
