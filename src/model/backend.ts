import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { Logger } from '../core/logger.js';
import { describeError } from '../core/errors.js';

/** Backends in the order `auto` tries them: native TensorFlow, then WebAssembly, then plain JS. */
export const backendPreference = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendPreference)[number];

/** What was chosen, and why the faster ones were not. */
export interface BackendInfo {
  name: BackendName;
  tfjsVersion: string;
  skipped: { name: BackendName; reason: string }[];
}

let active: BackendInfo | undefined;

// tfjs prints a banner about tfjs-node on first use of the cpu backend; PROD also skips debug checks.
tf.env().set('PROD', true);

/**
 * Activates the preferred backend, falling back in order. `tf.setBackend` resolves to false (and
 * stays on the previous backend) when a backend fails to initialise, so every result is checked
 * and the backend actually in use is logged. The choice holds for the rest of the process.
 */
export async function selectBackend(preferred: 'auto' | BackendName, logger: Logger): Promise<BackendInfo> {
  if (active && (preferred === 'auto' || preferred === active.name)) {
    logger.info(describeBackend(active));
    return active;
  }
  const candidates: readonly BackendName[] =
    preferred === 'auto' ? backendPreference : [preferred, ...backendPreference.filter((b) => b !== preferred)];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of candidates) {
    const reason = await tryBackend(name);
    if (reason === null) {
      active = { name, tfjsVersion: tf.version_core, skipped };
      logger.info(describeBackend(active));
      if (preferred !== 'auto' && preferred !== name) logger.warn(`Requested backend '${preferred}' is unavailable; using '${name}'.`);
      return active;
    }
    skipped.push({ name, reason });
  }
  throw new Error(`No TensorFlow.js backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** One log line: the backend in use and why faster ones were skipped. */
function describeBackend(info: BackendInfo): string {
  const why = info.skipped.length > 0 ? ` (skipped ${info.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : '';
  return `TensorFlow.js ${info.tfjsVersion} backend: ${info.name}${why}`;
}

/** Returns null when the backend is active, else why it is not. */
async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (name === 'tensorflow' && tf.findBackend('tensorflow') === null) {
      // Optional native addon: present on GitHub's runners, absent where its install script could not download libtensorflow.
      const specifier = '@tensorflow/tfjs-node';
      await import(specifier);
    }
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) return `tf.setBackend('${name}') returned false`;
    return null;
  } catch (error) {
    const message = describeError(error).split('\n')[0] ?? 'unknown error';
    return /Cannot find (module|package)/.test(message) ? 'not installed' : message;
  }
}

/** The backend in use, if one was selected. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}
