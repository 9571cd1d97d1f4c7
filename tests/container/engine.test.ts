import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError, DeployError } from '../../src/core/errors.js';
import { detectContainerEngine, findExecutable, parseEnginePreference, requireContainerEngine, runCommand } from '../../src/container/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'mlops-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseEnginePreference', () => {
  test.each<[string | undefined, string]>([
    [undefined, 'auto'],
    ['', 'auto'],
    ['auto', 'auto'],
    ['docker', 'docker'],
    [' podman ', 'podman'],
  ])('%j is %s', (text, expected) => {
    expect(parseEnginePreference(text, 'MLOPS_CONTAINER_ENGINE')).toBe(expected);
  });

  test.each(['Docker', 'nerdctl', 'podman;rm'])('refuses %j, naming the source', (text) => {
    expect(() => parseEnginePreference(text, 'MLOPS_CONTAINER_ENGINE')).toThrow(ConfigError);
    expect(() => parseEnginePreference(text, 'MLOPS_CONTAINER_ENGINE')).toThrow(/Invalid MLOPS_CONTAINER_ENGINE/);
  });
});

describe('findExecutable', () => {
  test('finds an executable file on the search path and skips a non-executable one and relative entries', async () => {
    const first = mkdtempSync(join(dir, 'a-'));
    const second = mkdtempSync(join(dir, 'b-'));
    writeFileSync(join(first, 'tool'), '#!/bin/sh\n');
    chmodSync(join(first, 'tool'), 0o644);
    writeFileSync(join(second, 'tool'), '#!/bin/sh\n');
    chmodSync(join(second, 'tool'), 0o755);
    expect(await findExecutable('tool', ['relative', first, second].join(':'))).toBe(join(second, 'tool'));
    expect(await findExecutable('missing', [first, second].join(':'))).toBeNull();
    expect(await findExecutable('tool', undefined)).toBeNull();
  });
});

describe('detectContainerEngine', () => {
  test('with neither engine on PATH: no engine, each candidate skipped as not on PATH', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const detection = await detectContainerEngine({ env: { PATH: empty } });
    expect(detection).toEqual({
      engine: null,
      skipped: [
        { name: 'docker', reason: 'not on PATH' },
        { name: 'podman', reason: 'not on PATH' },
      ],
    });
    await expect(requireContainerEngine({ env: { PATH: empty } })).rejects.toThrow(DeployError);
    await expect(requireContainerEngine({ env: { PATH: empty } })).rejects.toThrow(/docker: not on PATH; podman: not on PATH/);
  });

  test('MLOPS_CONTAINER_ENGINE limits detection to the engine it names', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const detection = await detectContainerEngine({ env: { PATH: empty, MLOPS_CONTAINER_ENGINE: 'podman' } });
    expect(detection.skipped).toEqual([{ name: 'podman', reason: 'not on PATH' }]);
  });
});

describe('runCommand', () => {
  test('returns the exit code and output of a real process, without a shell', async () => {
    const result = await runCommand(process.execPath, ['-e', 'console.log("out; $HOME"); console.error("err"); process.exit(3)'], { timeoutMs: 30_000 });
    expect(result).toEqual({ code: 3, stdout: 'out; $HOME\n', stderr: 'err\n', timedOut: false });
  });

  test('passes each line to onLine as it arrives', async () => {
    const lines: string[] = [];
    await runCommand(process.execPath, ['-e', 'process.stdout.write("a\\nb\\n"); process.stderr.write("c\\n")'], {
      timeoutMs: 30_000,
      onLine: (line) => lines.push(line),
    });
    expect(lines.sort()).toEqual(['a', 'b', 'c']);
  });

  test('kills a process that outlives its timeout and says so', async () => {
    const result = await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.code).toBeNull();
  });
});
