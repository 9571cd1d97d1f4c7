import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { requireContainerEngine } from '../../src/container/engine.js';
import { removeImage } from '../../src/container/serving-image.js';
import { repoRoot } from '../helpers/project.js';
import { execFileAsync } from './support.js';

/**
 * scripts/container/build-base-image.sh, on a repository of its own so that the cached base the
 * serving test uses is left alone: it builds an image whose node is this host's, caches it by a
 * hash of its inputs, and builds a new one (dropping the old) when an input changes.
 */

const script = join(repoRoot, 'scripts', 'container', 'build-base-image.sh');
const repository = `localhost/mlops-base-test-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'mlops-base-'));
const created = new Set<string>();

afterAll(async () => {
  const engine = await requireContainerEngine({ preferred: 'podman' });
  for (const image of [...created, `${repository}:latest`]) await removeImage(engine, image);
  rmSync(dir, { recursive: true, force: true });
});

async function build(scriptPath: string): Promise<{ tag: string; log: string }> {
  const { stdout, stderr } = await execFileAsync('bash', [scriptPath, repository], { timeout: 300_000, env: { ...process.env, ENGINE: 'podman' } });
  const tag = stdout.trim();
  created.add(tag);
  return { tag, log: stderr };
}

async function podman(...args: string[]): Promise<string> {
  return (await execFileAsync('podman', args, { timeout: 60_000 })).stdout;
}

describe('build-base-image.sh', () => {
  test("builds an image with this host's node and npm, an sh, and root as the default user", async () => {
    const { tag, log } = await build(script);
    expect(tag).toMatch(new RegExp(`^${repository}:node${process.versions.node.split('.')[0]}-[0-9a-f]{12}$`));
    expect(log).toMatch(/building|is up to date/);
    const npmVersion = (await execFileAsync('npm', ['--version'], { timeout: 30_000 })).stdout.trim();
    const answer = await podman('run', '--rm', tag, 'sh', '-c', 'node -p "process.version + \' \' + process.getuid()" && npm --version');
    expect(answer.split('\n').filter(Boolean)).toEqual([`${process.version} 0`, npmVersion]);
  });

  test('reuses the image while its inputs are unchanged', async () => {
    const first = await build(script);
    const second = await build(script);
    expect(second.tag).toBe(first.tag);
    expect(second.log).toContain(`${first.tag} is up to date`);
  });

  test('builds a new image when an input changes, and removes the superseded one', async () => {
    const { tag: before } = await build(script);
    const changed = join(dir, 'build-base-image.sh');
    copyFileSync(script, changed);
    writeFileSync(changed, `${readFileSync(changed, 'utf8')}\n# a changed input\n`);
    const { tag: after, log } = await build(changed);
    expect(after).not.toBe(before);
    expect(log).toContain(`built ${after}`);
    const tags = (await podman('images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${repository}`)).split('\n').filter(Boolean);
    expect(tags.sort()).toEqual([after, `${repository}:latest`].sort());
  });
});
