import { defineConfig } from 'vitest/config';

/** `npm run test:container`: builds the serving image with podman/buildah and runs it on loopback. */
export default defineConfig({
  test: {
    include: ['tests/container/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 900_000,
  },
});
