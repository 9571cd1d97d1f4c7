import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Container tests need podman and a locally built base image: `npm run test:container`.
    exclude: ['tests/container/**', 'node_modules/**'],
    // Training and real servers make some tests take seconds; processes keep tfjs state isolated.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
