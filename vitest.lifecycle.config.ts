import { defineConfig } from 'vitest/config';

/**
 * `npm run test:lifecycle`: a year of events through the real workflow files, run by the local
 * runner (npm run gha) against the simulated GitHub, with podman and Debian's docker-registry.
 * One file, in order; not part of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['tests/lifecycle/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    server: { deps: { inline: ['@actions/workflow-parser', '@actions/expressions'] } },
    testTimeout: 900_000,
    hookTimeout: 300_000,
  },
});
