import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { checkWeightFiles, ModelFilesError, weightByteLength, type WeightSizeSpec } from '../../src/model/weights-manifest.js';

describe('weightByteLength', () => {
  test.each<[string, WeightSizeSpec, number | undefined]>([
    ['float32 matrix', { shape: [3, 4], dtype: 'float32' }, 48],
    ['int32 vector', { shape: [5], dtype: 'int32' }, 20],
    ['scalar', { shape: [], dtype: 'float32' }, 4],
    ['empty dimension', { shape: [0, 7], dtype: 'float32' }, 0],
    ['float16', { shape: [10], dtype: 'float16' }, 20],
    ['complex64', { shape: [2], dtype: 'complex64' }, 16],
    ['bool', { shape: [9], dtype: 'bool' }, 9],
    ['quantized to uint8: the stored type decides', { shape: [10], dtype: 'float32', quantization: { dtype: 'uint8' } }, 10],
    ['quantized to uint16', { shape: [10], dtype: 'float32', quantization: { dtype: 'uint16' } }, 20],
    ['string weights are not stored by size', { shape: [2], dtype: 'string' }, undefined],
  ])('%s', (_name, spec, bytes) => {
    expect(weightByteLength(spec)).toBe(bytes);
  });
});

describe('checkWeightFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weight-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const topology = { class_name: 'Sequential', config: { name: 'sequential_1', layers: [] } };
  const modelJson = (weightsManifest: unknown) => JSON.stringify({ modelTopology: topology, format: 'layers-model', weightsManifest });
  const kernel = (count: number, dtype = 'float32') => ({ name: 'dense/kernel', shape: [count], dtype });

  test('a single-shard model: its file and byte count', async () => {
    await writeFile(join(dir, 'model.json'), modelJson([{ paths: ['./weights.bin'], weights: [kernel(4), { name: 'dense/bias', shape: [1], dtype: 'float32' }] }]));
    await writeFile(join(dir, 'weights.bin'), Buffer.alloc(20));
    const checked = await checkWeightFiles(dir);
    expect(checked.shards).toEqual(['weights.bin']);
    expect(checked.byteLength).toBe(20);
    expect(checked.modelJson.modelTopology).toEqual(topology);
    // Keys it does not check are kept for tfjs.
    expect(checked.modelJson['format']).toBe('layers-model');
  });

  test('several shards are summed, each named once in manifest order', async () => {
    await writeFile(
      join(dir, 'model.json'),
      modelJson([
        { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: [kernel(6)] },
        { paths: ['./group1-shard2of2.bin'], weights: [kernel(2)] },
      ]),
    );
    await writeFile(join(dir, 'group1-shard1of2.bin'), Buffer.alloc(16));
    await writeFile(join(dir, 'group1-shard2of2.bin'), Buffer.alloc(16));
    expect(await checkWeightFiles(dir)).toMatchObject({ shards: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], byteLength: 32 });
  });

  test.each<[string, string | null, Buffer | null, RegExp]>([
    ['no model.json', null, Buffer.alloc(16), /model\.json does not exist/],
    ['model.json that is not JSON', '{"modelTopology": ', Buffer.alloc(16), /model\.json is not valid JSON/],
    ['model.json without a manifest', JSON.stringify({ modelTopology: topology }), Buffer.alloc(16), /is not a tfjs Layers model \(no modelTopology or weightsManifest\):\n {2}- weightsManifest/],
    ['model.json without a topology', JSON.stringify({ weightsManifest: [{ paths: ['weights.bin'], weights: [kernel(4)] }] }), Buffer.alloc(16), /is not a tfjs Layers model.*\n {2}- modelTopology/],
    ['a weight file outside the folder', modelJson([{ paths: ['../../secret.bin'], weights: [kernel(4)] }]), Buffer.alloc(16), /names weight file '\.\.\/\.\.\/secret\.bin'; expected a file name in the same folder/],
    ['an absolute weight path', modelJson([{ paths: ['/etc/passwd'], weights: [kernel(4)] }]), Buffer.alloc(16), /names weight file '\/etc\/passwd'/],
    ['an unsupported dtype', modelJson([{ paths: ['weights.bin'], weights: [kernel(4, 'string')] }]), Buffer.alloc(16), /has weight 'dense\/kernel' of unsupported dtype 'string'/],
    ['a missing shard', modelJson([{ paths: ['weights.bin'], weights: [kernel(4)] }]), null, /weights\.bin is missing but .*model\.json names it in weightsManifest/],
    ['a truncated shard', modelJson([{ paths: ['weights.bin'], weights: [kernel(4)] }]), Buffer.alloc(12), /weights\.bin has 12 bytes but model\.json describes 16: the model files are corrupt or mismatched/],
    ['a shard with extra bytes', modelJson([{ paths: ['weights.bin'], weights: [kernel(4)] }]), Buffer.alloc(17), /has 17 bytes but model\.json describes 16/],
  ])('refuses %s, naming the file', async (_name, modelJsonText, weights, message) => {
    if (modelJsonText !== null) await writeFile(join(dir, 'model.json'), modelJsonText);
    if (weights !== null) await writeFile(join(dir, 'weights.bin'), weights);
    const error = await checkWeightFiles(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelFilesError);
    expect((error as Error).message).toMatch(message);
    expect((error as ModelFilesError).file.startsWith(dir)).toBe(true);
  });
});
