import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `docker` on the local runner's machines: podman standing in (as root, runc), with what a
 * GitHub-hosted runner's docker has that this machine lacks:
 *  - ghcr.io is the simulated registry: `login`, `push`, `pull` (and `run` of an image that is
 *    not local) go to its loopback address, plain HTTP, with the credentials of this job's
 *    `docker login` (kept in $HOME/.docker/config.json, per job as on GitHub);
 *  - the Docker Hub base image of the Dockerfile is the locally built stand-in (tagged under the
 *    Docker Hub name), and image builds install npm packages from this machine's npm cache,
 *    because build containers here reach neither Docker Hub nor the npm registry;
 *  - `build` uses the docker image format (podman's default OCI format has no HEALTHCHECK).
 * What it creates (images, containers) is logged so that a hosted runner's end removes it.
 * Everything else passes to podman unchanged.
 */

interface ShimConfig {
  registryHost: string | null;
  log: string;
  npmCache: string | null;
  baseImage: string | null;
  breakImages?: string[];
}

const [configPath, ...args] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath!, 'utf8')) as ShimConfig;
const authFile = join(process.env.HOME ?? '/root', '.docker', 'config.json');
const ghcr = 'ghcr.io/';
const dockerHubBase = 'docker.io/library/node:20-bookworm-slim';

function log(kind: 'image' | 'container', name: string): void {
  appendFileSync(config.log, `${JSON.stringify({ kind, name })}\n`);
}

function podman(podmanArgs: string[], input?: string): number {
  const result = spawnSync('podman', podmanArgs, { stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'], input });
  return result.status ?? 1;
}

function quiet(podmanArgs: string[]): number {
  return spawnSync('podman', podmanArgs, { stdio: 'ignore' }).status ?? 1;
}

function registryRef(image: string): string {
  if (!config.registryHost) {
    process.stderr.write(`docker (local runner): ghcr.io is not available: the simulated container registry is not running (is docker-registry installed?)\n`);
    process.exit(1);
  }
  return `${config.registryHost}/${image.slice(ghcr.length)}`;
}

const transport = ['--tls-verify=false', '--authfile', authFile];

function pull(image: string): number {
  if (!image.startsWith(ghcr)) return podman(['pull', image]);
  const remote = registryRef(image);
  const code = podman(['pull', ...transport, `docker://${remote}`]);
  if (code !== 0) return code;
  quiet(['tag', remote, image]);
  quiet(['untag', remote, remote]);
  log('image', image);
  return 0;
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

function main(): number {
  const command = args[0];
  switch (command) {
    case 'login': {
      const rest = args.slice(1);
      const server = rest.filter((a, i) => !a.startsWith('-') && !['-u', '--username', '-p', '--password'].includes(rest[i - 1] ?? '')).pop() ?? '';
      if (server !== 'ghcr.io') return podman(['login', ...rest]);
      const mapped = rest.map((a) => (a === server ? registryRef(`${ghcr}x`).split('/')[0]! : a));
      spawnSync('mkdir', ['-p', join(process.env.HOME ?? '/root', '.docker')]);
      const stdin = rest.includes('--password-stdin') ? readStdin() : undefined;
      return podman(['login', ...transport, ...mapped], stdin);
    }
    case 'push': {
      const image = args.at(-1) ?? '';
      if (!image.startsWith(ghcr)) return podman(args);
      return podman(['push', ...transport, image, `docker://${registryRef(image)}`]);
    }
    case 'pull':
      return pull(args.at(-1) ?? '');
    case 'build':
    case 'buildx': {
      const buildArgs = command === 'buildx' ? args.slice(2) : args.slice(1);
      if (command === 'buildx' && args[1] !== 'build') return podman(args);
      if (config.baseImage && quiet(['image', 'exists', dockerHubBase]) !== 0 && quiet(['image', 'exists', config.baseImage]) === 0) quiet(['tag', config.baseImage, dockerHubBase]);
      const extra = ['--format', 'docker'];
      if (config.npmCache) extra.push('--build-arg', 'NPM_OFFLINE=true', '--volume', `${config.npmCache}:/root/.npm:O`);
      for (let i = 0; i < buildArgs.length; i++) if (buildArgs[i] === '-t' || buildArgs[i] === '--tag') log('image', buildArgs[i + 1]!);
      return podman(['build', ...extra, ...buildArgs]);
    }
    case 'run':
    case 'create': {
      const nameIndex = args.findIndex((a) => a === '--name');
      if (nameIndex > 0) log('container', args[nameIndex + 1]!);
      const image = args.slice(1).find((a, i, all) => !a.startsWith('-') && !/^--?(name|publish|p|e|env|v|volume|label|network|user|u|w|workdir|entrypoint|restart|health-cmd)$/.test(all[i - 1] ?? ''));
      if (image?.startsWith(ghcr) && quiet(['image', 'exists', image]) !== 0) {
        const code = pull(image);
        if (code !== 0) return code;
      }
      if (image && (config.breakImages ?? []).some((match) => match !== '' && image.includes(match))) {
        // The deploy-check fault: the server cannot bind PORT=1 as a non-root user and exits.
        process.stderr.write(`docker (local runner): injected deploy-check fault: ${image} starts with PORT=1\n`);
        const at = args.indexOf(image);
        return podman([...args.slice(0, at), '--env', 'PORT=1', ...args.slice(at)]);
      }
      return podman(args);
    }
    case 'tag':
      if (args[2]) log('image', args[2]);
      return podman(args);
    default:
      return podman(args);
  }
}



process.exitCode = main();
