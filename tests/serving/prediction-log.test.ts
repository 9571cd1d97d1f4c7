import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { compileRowWriter, listSegments, newInstanceName, parsePredictionId, predictionId, readSegment, segmentName } from '../../src/monitoring/feedback-log.js';
import { LogUnavailableError, PredictionLog } from '../../src/serving/prediction-log.js';

/** The prediction log writer on real files: group commits, rotation, the disk budget, failure and recovery. */

const dirs: string[] = [];
const quiet = pino({ level: 'silent' });
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-prediction-log-'));
  dirs.push(dir);
  return dir;
}

const modelLine = (version: string) => JSON.stringify({ k: 'm', v: version, features: ['a', 'b'], target: { type: 'binary', negative_label: 'No', positive_label: 'Yes', threshold: 0.5 }, slices: [], offline: { auc: 0.8 }, primary_metric: 'auc' });
const predictionLine = (seq: number, pad = 0) => `{"k":"p","t":${1_700_000_000_000 + seq},"v":"1.0.0","i":"lx0000000abcdef","s":${seq},"x":[[1,${JSON.stringify('x'.repeat(pad))}]],"y":[0.25]}\n`;

describe('log format', () => {
  test('prediction ids carry their server instance and sequence', () => {
    const instance = newInstanceName(Date.UTC(2026, 0, 1), 'a1b2c3');
    const id = predictionId(instance, 1_000_000);
    expect(id).toBe(`${instance}-lfls`);
    expect(parsePredictionId(id)).toEqual({ instance, startedAt: Date.UTC(2026, 0, 1), seq: 1_000_000 });
    expect(parsePredictionId('not-an-id')).toBeNull();
    expect(parsePredictionId(`${instance}-`)).toBeNull();
    expect(parsePredictionId(`${instance.toUpperCase()}-1`)).toBeNull();
  });

  test('rows are written as JSON arrays in the model line order; what a parser cannot produce is null', () => {
    const write = compileRowWriter(['tenure', 'contract', 'note', 'bad']);
    const row = { contract: 'Two "year"\n', tenure: 12.5, note: null, bad: Number.NaN };
    expect(write(row)).toBe('[12.5,"Two \\"year\\"\\n",null,null]');
    expect(JSON.parse(write(row))).toEqual([12.5, 'Two "year"\n', null, null]);
    expect(segmentName(7)).toBe('segment-000007.jsonl');
  });
});

describe('PredictionLog', () => {
  test('a version\'s model line comes before its first record; append resolves once written, sync once on disk', async () => {
    const dir = tempDir();
    const log = await PredictionLog.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 24, fsyncIntervalMs: 1000 }, quiet);
    log.registerModel('1.0.0', modelLine('1.0.0'));
    await Promise.all([log.append('1.0.0', predictionLine(0)), log.append('1.0.0', predictionLine(1))]);
    const [segment] = await listSegments(dir);
    const lines = readFileSync(segment!.path, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { k: string }).k)).toEqual(['m', 'p', 'p']);
    await log.sync();
    await log.close();
    const seen: string[] = [];
    const summary = await readSegment(segment!.path, { predictions: (line, model) => seen.push(`${line.s}:${model?.v}`) });
    expect(seen).toEqual(['0:1.0.0', '1:1.0.0']);
    expect(summary).toEqual({ lines: 3, unreadable: 0 });
  });

  test('files rotate at segment_bytes, each self-contained, and the oldest go to keep within max_bytes', async () => {
    const dir = tempDir();
    const settings = { dir, segmentBytes: 65_536, maxBytes: 262_144, fsyncIntervalMs: 5 };
    const log = await PredictionLog.open(settings, quiet);
    log.registerModel('1.0.0', modelLine('1.0.0'));
    for (let batch = 0; batch < 40; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => log.append('1.0.0', predictionLine(batch * 50 + i, 200))));
      expect(log.bytesOnDisk).toBeLessThanOrEqual(settings.maxBytes);
    }
    await log.close();
    const segments = await listSegments(dir);
    expect(segments.length).toBeGreaterThan(2);
    expect(segments[0]!.number).toBeGreaterThan(1);
    expect(segments.reduce((sum, s) => sum + s.bytes, 0)).toBeLessThanOrEqual(settings.maxBytes);
    const seqs: number[] = [];
    for (const segment of segments) {
      expect(segment.bytes).toBeLessThanOrEqual(settings.segmentBytes);
      const firstLine = readFileSync(segment.path, 'utf8').split('\n')[0]!;
      expect(JSON.parse(firstLine)).toMatchObject({ k: 'm', v: '1.0.0' });
      await readSegment(segment.path, { predictions: (line) => seqs.push(line.s) });
    }
    // What is left is the newest records, in order, none missing.
    expect(seqs.at(-1)).toBe(1999);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 2000 - seqs.length + i));
  });

  test('a log that cannot be opened drops records, refuses sync, and recovers when the disk can be written again', async () => {
    const parent = tempDir();
    const dir = join(parent, 'feedback');
    writeFileSync(dir, 'a file where the folder should be');
    const log = await PredictionLog.open({ dir, segmentBytes: 65_536, maxBytes: 262_144, fsyncIntervalMs: 5, retryMs: 20 }, quiet);
    expect(log.failure).toMatch(/EEXIST|ENOTDIR|not a directory|file already exists/i);
    expect(log.writable).toBe(false);
    await log.append('1.0.0', predictionLine(0));
    expect(log.dropped).toBe(1);
    await expect(log.sync()).rejects.toBeInstanceOf(LogUnavailableError);
    rmSync(dir);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log.writable).toBe(false);
    // The retry runs in the background; the log is writable once it opened a file.
    await expect.poll(() => log.writable, { timeout: 2000 }).toBe(true);
    log.registerModel('1.0.0', modelLine('1.0.0'));
    await log.append('1.0.0', predictionLine(1));
    await log.sync();
    await log.close();
    expect(log.failures).toBe(1);
    const [segment] = await listSegments(dir);
    expect(readFileSync(segment!.path, 'utf8')).toContain('"s":1,');
  });

  test('a failure while running (the folder is gone when a file rotates) keeps appends resolving and counts them', async () => {
    const dir = join(tempDir(), 'feedback');
    mkdirSync(dir);
    const log = await PredictionLog.open({ dir, segmentBytes: 65_536, maxBytes: 262_144, fsyncIntervalMs: 5, retryMs: 60_000 }, quiet);
    log.registerModel('1.0.0', modelLine('1.0.0'));
    await log.append('1.0.0', predictionLine(0, 100));
    renameSync(dir, `${dir}.moved`);
    writeFileSync(dir, 'not a folder');
    for (let i = 1; i < 400; i++) await log.append('1.0.0', predictionLine(i, 300));
    expect(log.failure).not.toBeNull();
    expect(log.dropped).toBeGreaterThan(0);
    await expect(log.sync()).rejects.toThrow(LogUnavailableError);
    await log.close();
    expect(readdirSync(`${dir}.moved`).length).toBeGreaterThan(0);
  });
});
