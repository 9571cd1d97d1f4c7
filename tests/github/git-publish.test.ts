import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { publishModelCard } from '../../src/github/git-publish.js';

/**
 * A re-run of a release job: its checkout is the event's commit (before the card commit), so the
 * card it writes again is an untracked file there, and the tag the first attempt pushed exists.
 * Real git with a bare origin.
 */

const root = mkdtempSync(join(tmpdir(), 'git-publish-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

function checkout(name: string, origin: string): string {
  const dir = join(root, name);
  git(root, 'clone', '-q', origin, dir);
  return dir;
}

function writeCard(dir: string, text: string): string[] {
  mkdirSync(join(dir, 'model-cards'), { recursive: true });
  writeFileSync(join(dir, 'model-cards', '1.1.0.md'), text);
  writeFileSync(join(dir, 'model-cards', '1.1.0.json'), '{"version": "1.1.0"}\n');
  return [join(dir, 'model-cards', '1.1.0.json'), join(dir, 'model-cards', '1.1.0.md')];
}

describe('publishModelCard on a re-run', () => {
  const origin = join(root, 'origin.git');
  git(root, 'init', '-q', '--bare', '--initial-branch=main', origin);
  const seed = checkout('seed', origin);
  writeFileSync(join(seed, 'README.md'), 'x\n');
  git(seed, 'add', '-A');
  git(seed, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'event commit');
  git(seed, 'push', '-q', 'origin', 'HEAD:main');
  const options = (dir: string, files: string[]) => ({ repoDir: dir, version: '1.1.0', files, branch: 'main', modelName: 'churn', logger: silentLogger, candidateRun: 'run-1', workflowRun: '7' });

  test('adopts the tag its first attempt pushed when the card is the same, though the card is untracked in its checkout', async () => {
    const first = checkout('attempt-1', origin);
    const firstPublished = await publishModelCard(options(first, writeCard(first, '# Model card 1.1.0\n')));
    expect(firstPublished.committed).toBe(true);
    const rerun = checkout('attempt-2', origin);
    git(rerun, 'checkout', '-q', 'HEAD~1');
    const adopted = await publishModelCard(options(rerun, writeCard(rerun, '# Model card 1.1.0\n')));
    expect(adopted).toMatchObject({ tag: 'v1.1.0', commit: firstPublished.commit, committed: false, adopted: true });
  });

  test('refuses another card for the same tag, naming the file and the first differing line', async () => {
    const other = checkout('attempt-3', origin);
    git(other, 'checkout', '-q', 'HEAD~1');
    await expect(publishModelCard(options(other, writeCard(other, '# Model card 1.1.0 (retrained)\n')))).rejects.toThrow(
      /Tag v1\.1\.0 already exists on [0-9a-f]{12} with another model card \(model-cards\/1\.1\.0\.md line 1: tagged "# Model card 1\.1\.0", here "# Model card 1\.1\.0 \(retrained\)"\)/,
    );
  });
});
