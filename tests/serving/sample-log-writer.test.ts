import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, test } from 'vitest';
import { readSampleLog, type SampleRecord } from '../../src/monitoring/sample-log.js';
import { SampleLogWriter } from '../../src/serving/sample-log-writer.js';
import { fixtureInstances } from './fixture.js';

const quiet = pino({ level: 'silent' });
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-sample-log-'));
  dirs.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function readAll(path: string): Promise<SampleRecord[]> {
  const records: SampleRecord[] = [];
  await readSampleLog(path, (record) => records.push(record));
  return records;
}

describe('the request sample log', () => {
  test('rotates to <path>.1 before passing max_bytes, so it never takes more than twice that', async () => {
    const dir = tempDir();
    const path = join(dir, 'logs/requests.jsonl');
    const writer = await SampleLogWriter.open(path, { path, rate: 1, max_bytes: 2048 }, quiet);
    const instances = fixtureInstances(40);
    instances.forEach((instance, i) => writer.offer('1.0.0', [instance], [{ label: i % 2 === 0 ? 'Yes' : 'No', probability: i / 40 }]));
    await writer.close();
    expect(writer.written).toBe(40);
    expect(statSync(path).size).toBeLessThanOrEqual(2048);
    expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(2048);
    const current = await readAll(path);
    const previous = await readAll(`${path}.1`);
    // The newest records survive, in order, each whole.
    expect(current[current.length - 1]!.instances).toEqual([instances[39]]);
    expect(current[current.length - 1]!.predictions).toEqual([{ label: 'No', probability: 39 / 40 }]);
    expect(previous[previous.length - 1]!.instances).toEqual([instances[39 - current.length]]);
  });

  test('appends to an existing log and samples at the configured rate (seeded)', async () => {
    const dir = tempDir();
    const path = join(dir, 'requests.jsonl');
    const earlier = { time: new Date().toISOString(), model_version: '0.9.0', instances: fixtureInstances(1), predictions: [{ label: 'No', probability: 0.5 }] };
    writeFileSync(path, `${JSON.stringify(earlier)}\n`);
    const writer = await SampleLogWriter.open(path, { path, rate: 0.25, max_bytes: 10_485_760 }, quiet, 7);
    const [instance] = fixtureInstances(1, 10);
    for (let i = 0; i < 400; i++) writer.offer('1.0.0', [instance!], [{ label: 'No', probability: 0.1 }]);
    await writer.close();
    const records = await readAll(path);
    expect(records[0]!.model_version).toBe('0.9.0');
    expect(records.length - 1).toBe(writer.written);
    expect(writer.written).toBeGreaterThan(60);
    expect(writer.written).toBeLessThan(140);
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  });

  test('cannot open a log where a file is in the way of its folder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocker'), '');
    const path = join(dir, 'blocker/requests.jsonl');
    await expect(SampleLogWriter.open(path, { path, rate: 1, max_bytes: 2048 }, quiet)).rejects.toThrow();
  });
});
