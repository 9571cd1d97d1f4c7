import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/project.js';

/**
 * `npm run gha` end to end on small workflows (the lifecycle tier runs the real ones): the CLI
 * in a child process, a repository pushed to a fresh simulated GitHub, the state read back.
 */

const gha = join(repoRoot, 'bin', 'gha.js');
let repo: string;
let state: string;

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
}

function run(...args: string[]): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, [gha, ...args, '--state', state], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function github(): any {
  return JSON.parse(readFileSync(join(state, 'github.json'), 'utf8'));
}

const lastRun = () => github().runs.at(-1);
const job = (name: string) => lastRun().jobs.find((j: { name: string }) => j.name === name);

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'gha-repo-'));
  state = join(mkdtempSync(join(tmpdir(), 'gha-state-')), 'github');
  write({
    '.github/workflows/basics.yml': `name: Basics
on:
  workflow_dispatch:
    inputs:
      fail: { type: boolean, default: false }
permissions: {}
env:
  LEVEL: workflow
jobs:
  first:
    runs-on: ubuntu-latest
    env:
      LEVEL: job
    outputs:
      text: \${{ steps.out.outputs.text }}
      pipefail: \${{ steps.pipe.outcome }}/\${{ steps.pipe.conclusion }}
      default-shell: \${{ steps.plain.outcome }}
    steps:
      - id: out
        env:
          STEP: step
        run: |
          test "$LEVEL" = job && test "$STEP" = step && test "$CI" = true && test -n "$GITHUB_RUN_ID"
          echo "text<<END" >> "$GITHUB_OUTPUT"
          printf 'two\\nlines\\n' >> "$GITHUB_OUTPUT"
          echo "END" >> "$GITHUB_OUTPUT"
          echo "ADDED=yes" >> "$GITHUB_ENV"
          mkdir -p "$RUNNER_TEMP/bin" && printf '#!/bin/sh\\necho tool' > "$RUNNER_TEMP/bin/mytool" && chmod +x "$RUNNER_TEMP/bin/mytool"
          echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
      - run: test "$ADDED" = yes && test "$(mytool)" = tool
      - run: exit 3
        continue-on-error: true
      - if: \${{ inputs.fail }}
        run: exit 1
      - id: pipe
        shell: bash
        continue-on-error: true
        run: false | true
      - id: plain
        run: false | true
      - if: failure()
        run: echo "runs only after a failure"
  matrix:
    needs: first
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2]
    steps:
      - env:
          TEXT: \${{ needs.first.outputs.text }}
          N: \${{ matrix.n }}
        run: test "$TEXT" = "$(printf 'two\\nlines')" && test -n "$N"
  after-failure:
    needs: first
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo cleanup
  call:
    needs: first
    uses: ./.github/workflows/called.yml
    with:
      word: \${{ needs.first.outputs.text }}
  use-call:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - env:
          ECHO: \${{ needs.call.outputs.echoed }}
        run: 'test "$ECHO" = "called: two"'
`,
    '.github/workflows/called.yml': `name: Called
on:
  workflow_call:
    inputs:
      word: { type: string, required: true }
    outputs:
      echoed:
        value: \${{ jobs.inner.outputs.echoed }}
permissions: {}
jobs:
  inner:
    runs-on: ubuntu-latest
    outputs:
      echoed: \${{ steps.e.outputs.echoed }}
    steps:
      - id: e
        env:
          WORD: \${{ inputs.word }}
        run: |
          echo "echoed=called: $(printf '%s' "$WORD" | head -1)" >> "$GITHUB_OUTPUT"
`,
    '.github/workflows/tokens.yml': `name: Tokens
on: workflow_dispatch
permissions:
  contents: read
jobs:
  read-only:
    runs-on: ubuntu-latest
    steps:
      - env:
          GH_TOKEN: \${{ github.token }}
        run: |
          code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "authorization: token $GH_TOKEN" -H 'content-type: application/json' -d '{"tag_name":"v9.9.9"}' "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/releases")
          test "$code" = 403
  issues-and-dispatch:
    runs-on: ubuntu-latest
    permissions:
      issues: write
      actions: write
    steps:
      - env:
          GH_TOKEN: \${{ github.token }}
        run: |
          api="$GITHUB_API_URL/repos/$GITHUB_REPOSITORY"
          curl -sf -X POST -H "authorization: token $GH_TOKEN" -H 'content-type: application/json' -d '{"title":"model-monitoring","labels":["model-monitoring"]}' "$api/issues" > /dev/null
          curl -sf -H "authorization: token $GH_TOKEN" "$api/issues?labels=model-monitoring&state=open" | grep -q '"number": *1'
          curl -sf -X POST -H "authorization: token $GH_TOKEN" -H 'content-type: application/json' -d '{"ref":"main","inputs":{"reason":"drift"}}' "$api/actions/workflows/dispatched.yml/dispatches"
`,
    '.github/workflows/dispatched.yml': `name: Dispatched
on:
  workflow_dispatch:
    inputs:
      reason: { type: string, default: '' }
permissions: {}
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - env:
          REASON: \${{ inputs.reason }}
        run: test "$REASON" = drift
`,
    '.github/workflows/cache.yml': `name: Cache
on:
  workflow_dispatch:
    inputs:
      touch: { type: boolean, default: false }
permissions: {}
jobs:
  c:
    runs-on: ubuntu-latest
    outputs:
      hit: \${{ steps.cache.outputs.cache-hit }}
    steps:
      - id: cache
        uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
        with:
          path: cached
          key: demo-1
      - if: steps.cache.outputs.cache-hit != 'true'
        run: mkdir -p cached/deep && echo one > cached/a.txt && echo two > cached/deep/b.txt
      - if: steps.cache.outputs.cache-hit == 'true'
        run: test "$(cat cached/a.txt cached/deep/b.txt)" = "$(printf 'one\\ntwo')"
      - if: inputs.touch
        run: echo changed >> cached/deep/b.txt
`,
    '.github/workflows/unsupported.yml': `name: Unsupported
on: workflow_dispatch
permissions: {}
jobs:
  db:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres
    steps:
      - run: echo
`,
    '.github/workflows/unknown-action.yml': `name: Unknown
on: workflow_dispatch
permissions: {}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: someone/something@0123456789012345678901234567890123456789 # v1.0.0
`,
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', 'workflows');
  const init = run('init', '--repo', 'octo/demo');
  expect(init.code, init.output).toBe(0);
});

describe('npm run gha', () => {
  test('env at every level, outputs (multi-line), GITHUB_ENV and GITHUB_PATH, continue-on-error, needs, matrix, reusable workflows', () => {
    const result = run('run', '.github/workflows/basics.yml', '--event', 'workflow_dispatch');
    expect(result.code, result.output).toBe(0);
    expect(lastRun().conclusion).toBe('success');
    // shell: bash is `bash --noprofile --norc -eo pipefail {0}`; no shell is `bash -e {0}`.
    expect(job('first').outputs).toEqual({ text: 'two\nlines', pipefail: 'failure/success', 'default-shell': 'success' });
    expect(lastRun().jobs.filter((j: { name: string }) => j.name.startsWith('matrix')).map((j: { name: string; conclusion: string }) => `${j.name} ${j.conclusion}`).sort()).toEqual(['matrix (1) success', 'matrix (2) success']);
    expect(job('after-failure').conclusion).toBe('skipped');
    expect(job('call / inner')).toMatchObject({ conclusion: 'success', outputs: { echoed: 'called: two' } });
    expect(job('use-call').conclusion).toBe('success');
  });

  test('a failing step fails the job, skips dependants and runs failure() jobs; inputs are typed', () => {
    const result = run('run', '.github/workflows/basics.yml', '--event', 'workflow_dispatch', '--input', 'fail=true');
    expect(result.code).toBe(1);
    expect(job('first').conclusion).toBe('failure');
    expect(job('after-failure').conclusion).toBe('success');
    expect(job('use-call').conclusion).toBe('skipped');
    expect(run('run', '.github/workflows/basics.yml', '--event', 'workflow_dispatch', '--input', 'fail=maybe').output).toMatch(/Input 'fail' must be true or false/);
  });

  test('the job token: refused without the permission; issues and workflow_dispatch with it (the dispatched run starts)', () => {
    const result = run('run', '.github/workflows/tokens.yml', '--event', 'workflow_dispatch');
    expect(result.code, result.output).toBe(0);
    const runs = github().runs.slice(-2);
    expect(runs.map((r: { workflow: string; conclusion: string }) => `${r.workflow} ${r.conclusion}`)).toEqual(['.github/workflows/tokens.yml success', '.github/workflows/dispatched.yml success']);
    expect(github().issues).toEqual([expect.objectContaining({ number: 1, title: 'model-monitoring', labels: ['model-monitoring'], user: { login: 'github-actions[bot]', type: 'Bot' } })]);
    expect(github().audit.filter((a: { allowed: boolean }) => !a.allowed)).toEqual([expect.objectContaining({ job: 'read-only', method: 'POST', scope: 'contents', level: 'write' })]);
  });

  test('an unsupported feature or an unknown action is an error that names it (exit 2), never a silent skip', () => {
    const services = run('run', '.github/workflows/unsupported.yml', '--event', 'workflow_dispatch');
    expect(services.code).toBe(2);
    expect(services.output).toMatch(/the job key `services` is not supported by the local runner/);
    const unknown = run('run', '.github/workflows/unknown-action.yml', '--event', 'workflow_dispatch');
    expect(unknown.code).toBe(1);
    expect(readFileSync(lastRun().jobs[0].log, 'utf8')).toMatch(/the action `someone\/something@0123456789012345678901234567890123456789` \(no stand-in/);
  });

  test('actions/cache: saved after a miss, restored on a hit; a job that changes a restored file in place fails and the entry is dropped', () => {
    const dispatch = (...inputs: string[]) => run('run', '.github/workflows/cache.yml', '--event', 'workflow_dispatch', ...inputs);
    const caches = () => github().caches.map((c: { key: string }) => c.key);
    let result = dispatch();
    expect(result.code, result.output).toBe(0);
    expect(job('c').outputs).toEqual({ hit: 'false' });
    expect(caches()).toEqual(['demo-1']);
    result = dispatch();
    expect(result.code, result.output).toBe(0);
    expect(job('c').outputs).toEqual({ hit: 'true' });
    result = dispatch('--input', 'touch=true');
    expect(result.code).toBe(1);
    expect(readFileSync(job('c').log, 'utf8')).toMatch(/The job changed 1 restored cache file\(s\) in place \(e\.g\. \S+\/0\/deep\/b\.txt\); the cache entry demo-1 was removed/);
    expect(caches()).toEqual([]);
    result = dispatch();
    expect(result.code, result.output).toBe(0);
    expect(job('c').outputs).toEqual({ hit: 'false' });
    expect(caches()).toEqual(['demo-1']);
  });

  test('an event the workflow does not listen to starts nothing, and says why', () => {
    const result = run('run', '.github/workflows/called.yml', '--event', 'workflow_dispatch');
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/has no `on: workflow_dispatch`/);
  });

  test('gha state --json lists what the simulated GitHub holds', () => {
    const result = spawnSync(process.execPath, [gha, 'state', '--json', '--state', state], { encoding: 'utf8' });
    const summary = JSON.parse(result.stdout);
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['origin', 'branches', 'tags', 'releases', 'deployments', 'images', 'comments', 'issues', 'runs']));
    expect(summary.branches.main).toMatch(/^[0-9a-f]{40}$/);
    expect(summary.issues).toEqual([{ number: 1, title: 'model-monitoring', state: 'open', labels: ['model-monitoring'], pull_request: false }]);
  });
});
