import { createRandom } from '../../src/core/rng.js';

/**
 * A realistic binary test split drawn with a seed: ~27% positives (like the churn data), scores
 * from a noisy logistic of the label, so AUC is about 0.9 but not perfect. `noise` widens the
 * overlap: a second model with more noise is a worse model of the same rows.
 */
export function syntheticBinary(rows: number, seed: number, noise = 4): { yTrue: Float64Array; scores: Float32Array; worse: Float32Array } {
  const random = createRandom(seed);
  const yTrue = new Float64Array(rows);
  const scores = new Float32Array(rows);
  const worse = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    yTrue[i] = random() < 0.27 ? 1 : 0;
    const signal = (yTrue[i] === 1 ? 1.2 : -1.2) + (random() - 0.5) * noise;
    scores[i] = 1 / (1 + Math.exp(-signal));
    worse[i] = 1 / (1 + Math.exp(-(signal + (random() - 0.5) * noise)));
  }
  return { yTrue, scores, worse };
}
