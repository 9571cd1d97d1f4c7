import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { createRecordingLogger } from '../../src/core/logger.js';
import { selectBackend } from '../../src/model/backend.js';

const tfjsNodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('selectBackend', () => {
  // Where tfjs-node cannot install (these machines), asking for it must fall back and say why.
  test.runIf(!tfjsNodeInstalled)('falls back from a missing tfjs-node to wasm, and says so', async () => {
    const logger = createRecordingLogger();
    const info = await selectBackend('tensorflow', logger);
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.skipped).toEqual([{ name: 'tensorflow', reason: 'not installed' }]);
    expect(logger.lines).toContainEqual({ level: 'info', message: `TensorFlow.js ${tf.version_core} backend: wasm (skipped tensorflow: not installed)` });
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes("Requested backend 'tensorflow' is unavailable"))).toBe(true);
  });

  test.runIf(tfjsNodeInstalled)('uses tfjs-node where it is installed', async () => {
    const info = await selectBackend('auto', createRecordingLogger());
    expect(info.name).toBe('tensorflow');
  });

  test('switches to an explicitly requested backend and reports the one really active', async () => {
    const logger = createRecordingLogger();
    const info = await selectBackend('cpu', logger);
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(logger.lines.at(-1)?.message).toMatch(/backend: cpu/);
  });
});
