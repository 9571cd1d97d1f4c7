import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../core/free-port.js';
import type { GitHubService } from '../github/service.js';
import type { TokenRegistry } from '../github/tokens.js';
import type { StateStore } from '../state/store.js';
import { registryIssuer, registryService, tokenHandler } from './token-service.js';

const exec = promisify(execFile);

/**
 * The container registry standing for ghcr.io: Debian's `docker-registry` (the CNCF distribution
 * registry) on a loopback port, its storage in the state folder (images persist between gha
 * sessions), authenticated by the simulated GitHub's token service (see token-service.ts).
 */

export interface RunningRegistry {
  /** host:port of the registry. */
  host: string;
  /** A local image standing for the Dockerfile's Docker Hub base image, when one is built. */
  baseImage: string | null;
  /** The handler of the token service (GET /_registry/token on the simulated GitHub). */
  tokenHandler(service: GitHubService): ReturnType<typeof tokenHandler>;
  close(): Promise<void>;
}

async function ensureKeys(dir: string): Promise<{ key: string; cert: string; certPath: string }> {
  await mkdir(dir, { recursive: true });
  const keyPath = join(dir, 'token-key.pem');
  const certPath = join(dir, 'token-cert.pem');
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '3650', '-subj', `/CN=${registryIssuer}`]);
  }
  return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8'), certPath };
}

/** Stops a registry an earlier gha session left running (it was killed before it could stop it). */
async function stopStaleRegistry(pidFile: string, config: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  if (cmdline[0]?.endsWith('docker-registry') && cmdline.includes(config)) process.kill(pid, 'SIGTERM');
}

/** Starts docker-registry for the state folder; throws when it is not installed. */
export async function startContainerRegistry(store: StateStore, _tokens: TokenRegistry, serverUrl: string): Promise<RunningRegistry> {
  await exec('docker-registry', ['--version']).catch(() => {
    throw new Error('docker-registry is not installed (apt-get install docker-registry); image pushes and pulls will fail');
  });
  const keys = await ensureKeys(store.paths.registryAuth);
  const port = await freePort();
  const config = join(store.paths.registryAuth, 'config.yml');
  await mkdir(store.paths.registry, { recursive: true });
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${store.paths.registry}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      'auth:',
      '  token:',
      `    realm: ${serverUrl}/_registry/token`,
      `    service: ${registryService}`,
      `    issuer: ${registryIssuer}`,
      `    rootcertbundle: ${keys.certPath}`,
      '',
    ].join('\n'),
  );
  await stopStaleRegistry(join(store.paths.registryAuth, 'registry.pid'), config);
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid) await writeFile(join(store.paths.registryAuth, 'registry.pid'), String(child.pid));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await fetch(`http://${host}/v2/`).then((r) => r.status, () => 0);
    if (status === 401 || status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const baseImage = process.env.GHA_BASE_IMAGE ?? 'localhost/mlops-node-base:latest';
  return {
    host,
    baseImage,
    tokenHandler: (service) => tokenHandler(service, keys),
    async close() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}
