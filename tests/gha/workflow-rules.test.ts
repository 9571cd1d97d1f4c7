import { describe, expect, test } from 'vitest';
import { parseKeyValueFile } from '../../src/gha/runner/command-files.js';
import { ConcurrencyGroups } from '../../src/gha/runner/concurrency.js';
import { maskLine, parseCommandLine } from '../../src/gha/runner/workflow-commands.js';
import { escalations, parsePermissions, readOnly, routeRequirement } from '../../src/gha/github/permissions.js';
import { evaluateExpression, expressionString, isTruthy, type Json } from '../../src/gha/workflow/expressions.js';
import { filterPatternRegex, pathsPass, refPasses, selectedBy } from '../../src/gha/workflow/filters.js';
import { expandMatrix, legName } from '../../src/gha/workflow/matrix.js';

/**
 * The local runner's rules, each as GitHub documents it: filter patterns, matrix expansion,
 * command files, workflow commands, expressions (GitHub's own engine), permissions, concurrency.
 */

describe('filter patterns (GitHub: "Filter pattern cheat sheet")', () => {
  test.each([
    ['data/**', 'data/a/b.csv', true],
    ['data/*', 'data/a/b.csv', false],
    ['data/*', 'data/b.csv', true],
    ['**.js', 'a/b/c.js', true],
    ['*.md', 'docs/a.md', false],
    ['docs/**/*.md', 'docs/a.md', true],
    ['v[12].*', 'v1.0', true],
    ['v[12].*', 'v3.0', false],
    ['mlops.config.yaml', 'mlops.config.yaml', true],
    ['feature/**', 'feature/x/y', true],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(filterPatternRegex(pattern).test(value)).toBe(expected);
  });

  test('later patterns win; ! excludes what earlier ones matched', () => {
    expect(selectedBy(['src/**', '!src/serving/**'], 'src/serving/app.ts')).toBe(false);
    expect(selectedBy(['src/**', '!src/serving/**'], 'src/model/train.ts')).toBe(true);
    expect(selectedBy(['!src/serving/**', 'src/**'], 'src/serving/app.ts')).toBe(true);
  });

  test('paths: any changed file selected; paths-ignore: any file not ignored', () => {
    expect(pathsPass({ include: ['data/**'] }, ['README.md', 'data/x.csv'])).toBe(true);
    expect(pathsPass({ include: ['data/**'] }, ['README.md'])).toBe(false);
    expect(pathsPass({ ignore: ['docs/**'] }, ['docs/a.md'])).toBe(false);
    expect(pathsPass({ ignore: ['docs/**'] }, ['docs/a.md', 'src/a.ts'])).toBe(true);
    expect(refPasses({ include: ['main'] }, 'main')).toBe(true);
    expect(refPasses({ ignore: ['main'] }, 'main')).toBe(false);
  });
});

describe('matrix expansion (GitHub: "Using a matrix for your jobs")', () => {
  test('the cartesian product, in key order', () => {
    expect(expandMatrix({ os: ['a', 'b'], node: [20, 24] }, 'm')).toEqual([
      { os: 'a', node: 20 },
      { os: 'a', node: 24 },
      { os: 'b', node: 20 },
      { os: 'b', node: 24 },
    ]);
  });

  test("GitHub's documented include example: extends matching combinations, adds the rest", () => {
    const matrix: Json = {
      fruit: ['apple', 'pear'],
      animal: ['cat', 'dog'],
      include: [{ color: 'green' }, { color: 'pink', animal: 'cat' }, { fruit: 'apple', shape: 'circle' }, { fruit: 'banana' }, { fruit: 'banana', animal: 'cat' }],
    };
    expect(expandMatrix(matrix, 'm')).toEqual([
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
  });

  test('exclude removes partially matching combinations; an empty matrix is an error', () => {
    expect(expandMatrix({ a: [1, 2], b: [3, 4], exclude: [{ a: 1 }] }, 'm')).toEqual([{ a: 2, b: 3 }, { a: 2, b: 4 }]);
    expect(() => expandMatrix({ a: [] }, 'jobs.x')).toThrow(/jobs\.x: matrix\.a is empty/);
    expect(legName('test', { os: 'linux', node: 20 })).toBe('test (linux, 20)');
  });
});

describe('command files and workflow commands', () => {
  test('name=value lines and heredoc blocks; an unclosed block is an error', () => {
    expect(parseKeyValueFile('a=1\r\nb<<EOF\nline 1\nline=2\nEOF\nc=x=y\n', 'GITHUB_OUTPUT')).toEqual({ a: '1', b: 'line 1\nline=2', c: 'x=y' });
    expect(() => parseKeyValueFile('b<<EOF\nno end\n', 'GITHUB_OUTPUT')).toThrow(/never ends/);
    expect(() => parseKeyValueFile('just text\n', 'GITHUB_ENV')).toThrow(/invalid line/);
  });

  test('annotations, masks and the disabled set-output', () => {
    expect(parseCommandLine('::error file=data/x.csv,line=3::bad%0Avalue')).toEqual({ kind: 'annotation', annotation: { level: 'error', message: 'bad\nvalue', file: 'data/x.csv', line: 3 } });
    expect(parseCommandLine('::add-mask::s3cret')).toEqual({ kind: 'mask', value: 's3cret' });
    expect(parseCommandLine('::set-output name=a::1')).toEqual({ kind: 'disabled', command: 'set-output' });
    expect(maskLine('token s3cret here', ['s3cret'])).toBe('token *** here');
  });
});

describe("expressions (GitHub's engine, @actions/expressions)", () => {
  const scope = { contexts: { github: { event_name: 'push', event: { created: true } }, inputs: { deploy: false, name: '' }, needs: { a: { outputs: { tag: 'v1.0.0' } } } } };
  test.each<[string, unknown]>([
    ["github.event_name == 'push' && github.event.created", true],
    ["inputs.name || 'default'", 'default'],
    ["needs.a.outputs.tag != ''", true],
    ["github.event_name != 'workflow_dispatch' || inputs.deploy", true],
    ["contains(fromJSON('[\"success\",\"failure\"]'), 'failure')", true],
    ["format('v{0}', '1.2.0')", 'v1.2.0'],
    ['GITHUB.EVENT_NAME', 'push'],
  ])('%s → %s', (expression, expected) => {
    expect(evaluateExpression(expression, scope, 'test')).toEqual(expected);
  });

  test('unknown contexts and functions are errors naming the expression', () => {
    expect(() => evaluateExpression('secret.X', scope, 'jobs.j.if')).toThrow(/jobs\.j\.if: cannot parse the expression `secret\.X`/);
    expect(() => evaluateExpression('nosuch()', scope, 'x')).toThrow(/nosuch/);
  });

  test('truthiness and string conversion as GitHub does them', () => {
    expect([null, false, 0, '', true, 'x', 1].map((v) => isTruthy(v))).toEqual([false, false, false, false, true, true, true]);
    expect([null, true, 3, 'a', { a: 1 }].map((v) => expressionString(v))).toEqual(['', 'true', '3', 'a', '{\n  "a": 1\n}']);
  });
});

describe('permissions', () => {
  test('shorthands, unknown scopes, escalations in called workflows, read-only forks', () => {
    expect(parsePermissions('read-all', 'p').contents).toBe('read');
    expect(() => parsePermissions({ content: 'read' }, 'jobs.x.permissions')).toThrow(/unknown permission scope 'content'/);
    expect(escalations({ contents: 'write' }, { contents: 'read' })).toEqual(['contents: write (allowed: read)']);
    expect(readOnly({ contents: 'write', 'id-token': 'write', issues: 'read' })).toEqual({ contents: 'read', 'id-token': 'none', issues: 'read' });
  });

  test.each([
    ['GET', '/repos/o/r/releases/latest', 'contents', 'read'],
    ['POST', '/repos/o/r/releases', 'contents', 'write'],
    ['POST', '/repos/o/r/deployments/1/statuses', 'deployments', 'write'],
    ['PATCH', '/repos/o/r/issues/comments/5', 'issues|pull-requests', 'write'],
    ['POST', '/repos/o/r/issues', 'issues', 'write'],
    ['POST', '/repos/o/r/actions/workflows/retrain.yml/dispatches', 'actions', 'write'],
    ['GET', '/repos/o/r/actions/artifacts/3/zip', 'actions', 'read'],
  ])('%s %s needs %s: %s', (method, path, scopes, level) => {
    expect(routeRequirement(method, path)).toEqual({ scopes: scopes.split('|'), level });
  });
});

describe('concurrency groups', () => {
  test('one running; a newcomer replaces the pending one, unless queue: max keeps them in order', async () => {
    const groups = new ConcurrencyGroups();
    const options = (label: string, queue: 'single' | 'max') => ({ label, cancelInProgress: false, queue, cancelRunning: () => undefined });
    const first = await groups.acquire('Deploy-Production', options('a', 'single'));
    const second = groups.acquire('deploy-production', options('b', 'single'));
    const third = groups.acquire('deploy-production', options('c', 'single'));
    expect(await second).toBeNull();
    first!();
    const admitted = await third;
    expect(admitted).not.toBeNull();
    const fourth = groups.acquire('deploy-production', options('d', 'max'));
    const fifth = groups.acquire('deploy-production', options('e', 'max'));
    admitted!();
    (await fourth)!();
    expect(await fifth).not.toBeNull();
    expect(groups.notices).toEqual([{ group: 'deploy-production', cancelled: 'b', by: 'c', what: 'pending' }]);
  });

  test('cancel-in-progress cancels the one running', async () => {
    const groups = new ConcurrencyGroups();
    let cancelled = false;
    const running = await groups.acquire('g', { label: 'a', cancelInProgress: false, queue: 'single', cancelRunning: () => (cancelled = true) });
    const next = groups.acquire('g', { label: 'b', cancelInProgress: true, queue: 'single', cancelRunning: () => undefined });
    expect(cancelled).toBe(true);
    running!();
    expect(await next).not.toBeNull();
  });
});
