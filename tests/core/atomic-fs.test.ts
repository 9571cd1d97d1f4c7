import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { copyFileSynced, formatJsonFile, syncDirectory, syncFile, writeFileAtomic, writeJsonAtomic, writeNewFileSynced } from '../../src/core/atomic-fs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atomic-fs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  test('replaces a file, creates missing folders, and leaves no temporary file behind', async () => {
    const path = join(dir, 'a', 'b', 'file.txt');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, new Uint8Array([115, 101, 99, 111, 110, 100]));
    expect(await readFile(path, 'utf8')).toBe('second');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['file.txt']);
  });

  test('a failed write leaves the old content and no temporary file', async () => {
    const path = join(dir, 'file.txt');
    await writeFileAtomic(path, 'old');
    // A folder in the way of the rename: the temporary file is written, the rename fails.
    const blocked = join(dir, 'blocked');
    await writeFileAtomic(join(blocked, 'inside'), 'x');
    await expect(writeFileAtomic(blocked, 'new')).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['blocked', 'file.txt']);
  });
});

describe('JSON files', () => {
  test.each([
    [{ a: 1, b: [true, null] }, '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}\n'],
    ['text', '"text"\n'],
  ])('formatJsonFile(%j) is two-space indented with a trailing newline, as writeJsonAtomic writes it', async (value, text) => {
    expect(formatJsonFile(value)).toBe(text);
    await writeJsonAtomic(join(dir, 'v.json'), value);
    expect(await readFile(join(dir, 'v.json'), 'utf8')).toBe(text);
  });
});

describe('fsync helpers', () => {
  test('writeNewFileSynced writes a new file and refuses one that exists', async () => {
    const path = join(dir, 'new.txt');
    await writeNewFileSynced(path, 'content');
    expect(await readFile(path, 'utf8')).toBe('content');
    await expect(writeNewFileSynced(path, 'other')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('content');
  });

  test('copyFileSynced copies the bytes; syncFile and syncDirectory accept what exists', async () => {
    const from = join(dir, 'from.bin');
    await writeFile(from, Buffer.from([0, 1, 2, 255]));
    await copyFileSynced(from, join(dir, 'to.bin'));
    expect(await readFile(join(dir, 'to.bin'))).toEqual(Buffer.from([0, 1, 2, 255]));
    await expect(syncFile(join(dir, 'to.bin'))).resolves.toBeUndefined();
    await expect(syncDirectory(dir)).resolves.toBeUndefined();
    await expect(syncFile(join(dir, 'absent'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
