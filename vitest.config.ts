import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two tiers, one run: `npm test` runs both projects; `npm run test:unit` only `unit`.
 *
 * unit: tests of pure modules that run no process, server, browser, git or training: they read
 * real fixture files and compute (config, data, metrics, gate, drift, pipeline rules, CLI options,
 * the layer rule). A test file belongs here only when it does nothing else.
 * integration: everything else (real training, servers on loopback, child processes, git,
 * Chromium, the GitHub API simulator); it needs `npm run build` first.
 */
export const unitTests = [
  'tests/layers.test.ts',
  'tests/core/**/*.test.ts',
  'tests/config/**/*.test.ts',
  'tests/data/**/*.test.ts',
  'tests/evaluation/**/*.test.ts',
  'tests/monitoring/**/*.test.ts',
  'tests/cards/**/*.test.ts',
  'tests/model/preprocessing.test.ts',
  'tests/model/datetime-transform.test.ts',
  'tests/registry/semver.test.ts',
  'tests/pipeline/champion-scoring.test.ts',
  'tests/pipeline/experiments.test.ts',
  'tests/pipeline/freshness.test.ts',
  'tests/pipeline/lineage.test.ts',
  'tests/pipeline/step-context.test.ts',
  'tests/pipeline/step-errors.test.ts',
  'tests/pipeline/workspace.test.ts',
  'tests/serving/metrics.test.ts',
  'tests/serving/request-validation.test.ts',
  'tests/serving/stats.test.ts',
  'tests/cli/options.test.ts',
  'tests/actions/sweep-overrides.test.ts',
];

// Container tests need podman and a locally built base image: `npm run test:container`; the
// lifecycle tier needs podman and docker-registry: `npm run test:lifecycle`.
const alwaysExcluded = ['tests/container/**', 'tests/lifecycle/**', 'node_modules/**'];

export default defineConfig({
  test: {
    // Training and real servers make some tests take seconds; processes keep tfjs state isolated.
    pool: 'forks',
    // Integration tests spend most of their time waiting on child processes, servers and git, so
    // two files at once pay off even on 2 cores (vitest's default there is one: cores - 1).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // GitHub's workflow parser imports its schema JSON without an import attribute, which Node
    // refuses: vite transforms it (the gha CLI registers a load hook instead, src/gha/main.ts).
    server: { deps: { inline: ['@actions/workflow-parser', '@actions/expressions'] } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: unitTests, exclude: alwaysExcluded } },
      { extends: true, test: { name: 'integration', include: ['tests/**/*.test.ts'], exclude: [...alwaysExcluded, ...unitTests] } },
    ],
  },
});
