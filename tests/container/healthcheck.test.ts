import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { healthCheckUrl, probeHealth } from '../../src/container/healthcheck.js';
import { repoRoot } from '../helpers/project.js';
import { freePort } from '../../src/core/free-port.js';

/** A loopback server whose /health answers with the status the test sets (or never answers). */
let server: Server;
let port: number;
let healthStatus: number | 'hang' = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/health') {
      res.writeHead(404).end();
    } else if (healthStatus !== 'hang') {
      res.writeHead(healthStatus, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('healthCheckUrl', () => {
  test.each<[string | undefined, string]>([
    [undefined, 'http://127.0.0.1:8080/health'],
    ['', 'http://127.0.0.1:8080/health'],
    ['9000', 'http://127.0.0.1:9000/health'],
    [' 65535 ', 'http://127.0.0.1:65535/health'],
  ])('PORT=%j probes %s', (value, url) => {
    expect(healthCheckUrl(value === undefined ? {} : { PORT: value })).toBe(url);
  });

  test.each(['0', '65536', '80.5', '-1', 'http', '8080; rm'])('refuses PORT=%j', (value) => {
    expect(() => healthCheckUrl({ PORT: value })).toThrow(ConfigError);
  });
});

describe('probeHealth against a real server', () => {
  test.each<[number, boolean]>([
    [200, true],
    [204, true],
    [503, false],
    [500, false],
  ])('status %i is healthy: %s', async (status, healthy) => {
    healthStatus = status;
    const probe = await probeHealth(`http://127.0.0.1:${port}/health`, 2000);
    expect(probe).toEqual({ healthy, detail: `GET http://127.0.0.1:${port}/health: ${status}` });
  });

  test('a server that does not answer in time is unhealthy', async () => {
    healthStatus = 'hang';
    const probe = await probeHealth(`http://127.0.0.1:${port}/health`, 300);
    expect(probe.healthy).toBe(false);
    expect(probe.detail).toContain('failed');
  });

  test('a closed port is unhealthy, with the connection error', async () => {
    const closed = await freePort();
    const probe = await probeHealth(`http://127.0.0.1:${closed}/health`, 2000);
    expect(probe.healthy).toBe(false);
    expect(probe.detail).toContain('ECONNREFUSED');
  });
});

/** The compiled HEALTHCHECK command, as the image runs it (`npm run test:container` builds dist/ first). */
function runHealthcheckMain(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'container', 'healthcheck-main.js')], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

describe('healthcheck-main (the HEALTHCHECK command)', () => {
  test('exits 0 when /health at PORT answers 200', async () => {
    healthStatus = 200;
    expect(await runHealthcheckMain({ PORT: String(port) })).toEqual({ code: 0, stdout: `GET http://127.0.0.1:${port}/health: 200\n` });
  });

  test('exits 1 when /health answers 503', async () => {
    healthStatus = 503;
    expect((await runHealthcheckMain({ PORT: String(port) })).code).toBe(1);
  });

  test('exits 1 with the reason when PORT is not a port', async () => {
    const result = await runHealthcheckMain({ PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Invalid PORT "eighty"');
  });
});
