import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deploySchema, kubernetesDeploySchema } from '../../src/config/deploy-schema.js';
import { ConfigError, DeployError } from '../../src/core/errors.js';
import { createRecordingLogger, silentLogger } from '../../src/core/logger.js';
import { deployVersion, type DeploymentRecorder } from '../../src/deploy/deploy.js';
import { createKubernetesTarget, currentImageArgs, rolloutStatusArgs, setImageArgs, versionOfImage } from '../../src/deploy/kubernetes-target.js';
import { serveArguments } from '../../src/deploy/local-target.js';
import { imageRepository } from '../../src/deploy/targets.js';
import { probeServedVersion, waitForServedVersion } from '../../src/deploy/verify.js';
import { createWebhookTarget, webhookPayload, webhookUrl } from '../../src/deploy/webhook-target.js';
import { repoRoot } from '../helpers/project.js';

/** A real HTTP server on loopback whose handler a test sets. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('the deploy config section', () => {
  test('defaults to the local target with a /model check', () => {
    expect(deploySchema.parse(undefined)).toEqual({
      target: 'local',
      verify: { timeout_s: 120, interval_ms: 2000 },
      local: { runtime: 'auto', host: '127.0.0.1', port: 8080 },
    });
  });
  test.each([
    [{ target: 'webhook' }, /webhook section/],
    [{ target: 'kubernetes' }, /kubernetes section/],
    [{ target: 'heroku' }, /Invalid option|expected one of/],
    [{ image: 'ghcr.io/Owner/Repo:1.0.0' }, /image repository/],
    [{ webhook: { service_url: 'ftp://x.example' } }, /http/],
    [{ webhook: { service_url: 'https://x.example', url_env: 'https://hooks.example/secret' } }, /environment variable name/],
    [{ kubernetes: { service_url: 'https://x.example', deployment: 'Bad_Name' } }, /Kubernetes name/],
    [{ local: { port: 70000 } }, /65535|too big/i],
  ])('refuses %j', (section, message) => {
    const parsed = deploySchema.safeParse(section);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(message);
  });
  test.each([
    [{}, {}, 'localhost/churn'],
    [{}, { GITHUB_REPOSITORY: 'Octo-Org/Churn-Model' }, 'ghcr.io/octo-org/churn-model'],
    [{ image: 'registry.example.com:5000/team/churn' }, { GITHUB_REPOSITORY: 'o/r' }, 'registry.example.com:5000/team/churn'],
  ])('image repository for %j with %j is %s', (section, env, expected) => {
    expect(imageRepository(deploySchema.parse(section), 'churn', env)).toBe(expected);
  });
});

describe('the kubernetes target', () => {
  const config = kubernetesDeploySchema.parse({ service_url: 'https://churn.example.com', namespace: 'ml', context: 'prod' });
  test('builds the kubectl command lines from the config', () => {
    expect(setImageArgs(config, 'ghcr.io/o/r:1.2.0')).toEqual(['--context', 'prod', '--namespace', 'ml', 'set', 'image', 'deployment/mlops-model', 'model=ghcr.io/o/r:1.2.0']);
    expect(rolloutStatusArgs(config)).toEqual(['--context', 'prod', '--namespace', 'ml', 'rollout', 'status', 'deployment/mlops-model', '--timeout=300s']);
    expect(currentImageArgs(config).slice(-3)).toEqual(['mlops-model', '-o', 'jsonpath={.spec.template.spec.containers[?(@.name=="model")].image}']);
  });
  test.each([
    ['ghcr.io/o/r:1.2.0', '1.2.0'],
    ['registry:5000/o/r:10.0.3', '10.0.3'],
    ['ghcr.io/o/r:latest', null],
    ['ghcr.io/o/r', null],
    ['ghcr.io/o/r:01.2.0', null],
  ])('the version of image %s is %s', (image, version) => {
    expect(versionOfImage(image)).toBe(version);
  });
  test('fails with a DeployError when kubectl is missing', async () => {
    const target = createKubernetesTarget({ config, image: 'ghcr.io/o/r', logger: silentLogger, kubectl: 'kubectl-that-does-not-exist' });
    await expect(target.deploy('1.2.0')).rejects.toThrow(/kubectl is not installed/);
  });
  test('the manifests have the probes, security context and names the target expects', () => {
    const docs = ['deployment.yaml', 'service.yaml'].flatMap((f) => parseAllDocuments(readFileSync(join(repoRoot, 'deploy/kubernetes', f), 'utf8')).map((d) => d.toJS()));
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const service = docs.find((d) => d.kind === 'Service');
    const defaults = kubernetesDeploySchema.parse({ service_url: 'https://x.example' });
    expect(deployment.metadata.name).toBe(defaults.deployment);
    const pod = deployment.spec.template.spec;
    const container = pod.containers.find((c: any) => c.name === defaults.container);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(container.ports.map((p: any) => p.name)).toContain(service.spec.ports[0].targetPort);
  });
});

describe('the post-deploy check', () => {
  let url: string;
  let answer: { status: number; body: string } = { status: 200, body: '{"version":"1.0.0"}' };
  beforeAll(async () => {
    const started = await startServer((req, res) => {
      if (req.url !== '/model') return res.writeHead(404).end();
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    servers.push(started.server);
    url = started.url;
  });
  test.each([
    [{ status: 200, body: '{"version":"1.0.0"}' }, { ok: true, version: '1.0.0' }],
    [{ status: 503, body: '{"error":"loading"}' }, { ok: false, reason: expect.stringMatching(/HTTP 503/) }],
    [{ status: 200, body: 'not json' }, { ok: false, reason: expect.stringMatching(/did not answer JSON/) }],
    [{ status: 200, body: '{"name":"x"}' }, { ok: false, reason: expect.stringMatching(/without a version/) }],
  ])('reads %j as %j', async (response, probe) => {
    answer = response;
    expect(await probeServedVersion(url)).toEqual(probe);
  });
  test('an address nobody listens on is "did not answer"', async () => {
    const closed = await startServer(() => {});
    await new Promise((resolve) => closed.server.close(resolve));
    expect(await probeServedVersion(closed.url)).toEqual({ ok: false, reason: expect.stringMatching(/did not answer \(ECONNREFUSED\)/) });
  });
  test('times out naming the version it saw, or stops at once when the deployment died', async () => {
    answer = { status: 200, body: '{"version":"1.0.0"}' };
    await expect(waitForServedVersion(url, '1.1.0', { timeoutMs: 300, intervalMs: 50 })).rejects.toThrow(/did not report version 1\.1\.0 within 0 s: it reports version 1\.0\.0/);
    await expect(waitForServedVersion(url, '1.1.0', { timeoutMs: 60_000, intervalMs: 50, failFast: async () => 'the server process exited' })).rejects.toThrow(/the server process exited/);
    await expect(waitForServedVersion(url, '1.0.0', { timeoutMs: 300, intervalMs: 50 })).resolves.toBeUndefined();
  });
});

describe('the webhook target against a platform stand-in', () => {
  // A PaaS cannot run here: this server plays one. Its hook switches the version its /model
  // reports, unless the test makes it ignore one version (a failed platform build).
  let platform: { url: string; served: string; hooks: { body: any; auth: string | undefined }[]; ignore: Set<string> };
  beforeAll(async () => {
    const state = { url: '', served: '1.0.0', hooks: [] as { body: any; auth: string | undefined }[], ignore: new Set<string>() };
    const started = await startServer((req, res, body) => {
      if (req.method === 'POST' && req.url === '/hook/secret-key') {
        const payload = JSON.parse(body);
        state.hooks.push({ body: payload, auth: req.headers.authorization });
        if (!state.ignore.has(payload.version)) state.served = payload.version;
        return res.writeHead(202).end();
      }
      if (req.url === '/model') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: state.served }));
      res.writeHead(404).end();
    });
    servers.push(started.server);
    state.url = started.url;
    platform = state;
  });
  const target = (env: NodeJS.ProcessEnv) =>
    createWebhookTarget({
      config: { url_env: 'HOOK_URL', token_env: 'HOOK_TOKEN', service_url: platform.url },
      image: 'ghcr.io/o/r',
      modelName: 'churn',
      env,
      logger: silentLogger,
    });
  const env = () => ({ HOOK_URL: `${platform.url}/hook/secret-key`, HOOK_TOKEN: 't0k' });

  test('posts the image and version, then waits until /model reports it; the recorder sees each stage', async () => {
    const calls: string[] = [];
    const recorder: DeploymentRecorder = {
      start: async (record) => (calls.push(`start ${record.ref} ${record.image}`), calls.length),
      status: async (id, state) => void calls.push(`${id} ${state}`),
    };
    const outcome = await deployVersion({ target: target(env()), version: '1.1.0', verify: { timeoutMs: 5000, intervalMs: 50 }, imageFor: (v) => `ghcr.io/o/r:${v}`, recorder, logger: silentLogger });
    expect(outcome).toMatchObject({ version: '1.1.0', previous: '1.0.0', url: platform.url });
    expect(platform.hooks.at(-1)).toEqual({ body: webhookPayload('ghcr.io/o/r', '1.1.0', 'churn'), auth: 'Bearer t0k' });
    expect(calls).toEqual(['start v1.1.0 ghcr.io/o/r:1.1.0', '1 in_progress', '1 success']);
  });

  test('when the service never reports the new version, re-deploys the previous one and fails loudly', async () => {
    platform.ignore.add('1.2.0');
    const logger = createRecordingLogger();
    const error = await deployVersion({ target: target(env()), version: '1.2.0', verify: { timeoutMs: 600, intervalMs: 50 }, logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).exitCode).toBe(6);
    expect((error as Error).message).toMatch(/Deploy of 1\.2\.0 to webhook failed: .*it reports version 1\.1\.0.*Rolled back: 1\.1\.0 runs again/);
    expect(platform.hooks.slice(-2).map((h) => h.body.version)).toEqual(['1.2.0', '1.1.0']);
    expect(platform.served).toBe('1.1.0');
    expect(logger.lines.some((l) => l.level === 'warn' && /Restoring the previous version 1\.1\.0/.test(l.message))).toBe(true);
  });

  test('a missing hook secret is a ConfigError naming the variable, never the URL', () => {
    expect(() => webhookUrl({ url_env: 'HOOK_URL', service_url: 'https://x.example' }, {})).toThrow(ConfigError);
    expect(() => webhookUrl({ url_env: 'HOOK_URL', service_url: 'https://x.example' }, {})).toThrow(/HOOK_URL/);
    expect(() => webhookUrl({ url_env: 'HOOK_URL', service_url: 'https://x.example' }, { HOOK_URL: 'javascript:secret' })).toThrow(/^HOOK_URL does not hold an http\(s\) URL\.$/);
  });

  test('a hook that refuses is a DeployError with the status, and nothing to restore is said so', async () => {
    const error = await deployVersion({
      target: target({ HOOK_URL: `${platform.url}/hook/wrong`, HOOK_TOKEN: 'x' }),
      version: '1.3.0',
      previous: null,
      verify: { timeoutMs: 500, intervalMs: 50 },
      logger: silentLogger,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/answered HTTP 404.*no previous version to restore/);
  });
});

test('the local target starts `mlops serve` pinned to the version, on the configured address', () => {
  expect(serveArguments({ version: '1.2.0', registry: '/r', config: '/c.yaml', host: '127.0.0.1', port: 8123 })).toEqual([
    'serve', '--version', '1.2.0', '--registry', '/r', '--config', '/c.yaml', '--host', '127.0.0.1', '--port', '8123',
  ]);
});

test('the kubernetes target fails cleanly against a cluster that does not answer', async (context) => {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    context.skip(); // kubectl is not installed on this machine
  }
  const dir = mkdtempSync(join(tmpdir(), 'kube-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]\ncontexts: [{name: prod, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: prod\n',
  );
  const config = kubernetesDeploySchema.parse({ service_url: 'http://127.0.0.1:9', rollout_timeout_s: 5 });
  const target = createKubernetesTarget({ config, image: 'ghcr.io/o/r', logger: silentLogger, env: { ...process.env, KUBECONFIG: kubeconfig } });
  await expect(target.deploy('1.2.0')).rejects.toThrow(/kubectl --namespace default set image deployment\/mlops-model model=ghcr\.io\/o\/r:1\.2\.0 failed/);
});
