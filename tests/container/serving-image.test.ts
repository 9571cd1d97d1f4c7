import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseImageReference, servingImageBuildArgs, type ServingImageBuildOptions } from '../../src/container/serving-image.js';

const base: ServingImageBuildOptions = { contextDir: '/work/project', image: 'ghcr.io/acme/churn:1.2.0', modelVersion: '1.2.0' };

describe('servingImageBuildArgs', () => {
  test('docker: the Dockerfile in the context, the tag, the version and the registry as build arguments', () => {
    expect(servingImageBuildArgs('docker', base)).toEqual([
      'build',
      '--file',
      '/work/project/Dockerfile',
      '--tag',
      'ghcr.io/acme/churn:1.2.0',
      '--build-arg',
      'MODEL_VERSION=1.2.0',
      '--build-arg',
      'REGISTRY_DIR=.mlops/registry',
      '/work/project',
    ]);
  });

  test('podman: docker image format (OCI drops HEALTHCHECK), offline npm cache, no layers, base, revision and source', () => {
    expect(
      servingImageBuildArgs('podman', {
        ...base,
        registryDir: '/work/project/models/registry',
        baseImage: 'localhost/mlops-node-base:node20-abc123',
        revision: '0123abcd',
        sourceUrl: 'https://github.com/acme/churn',
        offlineNpmCache: '/root/.npm',
        layers: false,
      }),
    ).toEqual([
      'build',
      '--file',
      '/work/project/Dockerfile',
      '--tag',
      'ghcr.io/acme/churn:1.2.0',
      '--format',
      'docker',
      '--layers=false',
      '--volume',
      '/root/.npm:/root/.npm:O',
      '--build-arg',
      'MODEL_VERSION=1.2.0',
      '--build-arg',
      'REGISTRY_DIR=models/registry',
      '--build-arg',
      'BASE_IMAGE=localhost/mlops-node-base:node20-abc123',
      '--build-arg',
      'VCS_REF=0123abcd',
      '--build-arg',
      'SOURCE_URL=https://github.com/acme/churn',
      '--build-arg',
      'NPM_OFFLINE=true',
      '/work/project',
    ]);
  });

  test.each<[string, Partial<ServingImageBuildOptions>, RegExp]>([
    ['a version with a v', { modelVersion: 'v1.2.0' }, /Invalid version "v1.2.0"/],
    ['a version with two parts', { modelVersion: '1.2' }, /Invalid version "1.2"/],
    ['a version carrying an option', { modelVersion: '1.2.0 --no-cache' }, /Invalid version/],
    ['an empty version', { modelVersion: '' }, /Invalid version ""/],
    ['an uppercase repository', { image: 'ghcr.io/Acme/churn:1.2.0' }, /Invalid image "ghcr.io\/Acme\/churn:1.2.0"/],
    ['an image starting with a dash', { image: '--privileged' }, /Invalid image/],
    ['a base image with spaces', { baseImage: 'node:20 --network=host' }, /Invalid base image/],
    ['a registry outside the context', { registryDir: '/elsewhere/registry' }, /must be a folder inside the build context/],
    ['a registry above the context', { registryDir: '/work/project/../registry' }, /must be a folder inside the build context/],
    ['the context itself as registry', { registryDir: '/work/project' }, /must be a folder inside the build context/],
    ['a revision with a space', { revision: 'abc def' }, /Invalid revision "abc def"/],
    ['a revision starting with a dash', { revision: '-abc' }, /Invalid revision/],
    ['a source that is not http', { sourceUrl: 'file:///etc/passwd' }, /Invalid source URL/],
    ['a relative npm cache', { offlineNpmCache: '.npm' }, /absolute path/],
    ['an npm cache path with a colon', { offlineNpmCache: '/tmp/a:/etc' }, /absolute path without ':'/],
  ])('refuses %s with a ConfigError', (_what, change, message) => {
    const build = () => servingImageBuildArgs('podman', { ...base, ...change });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(message);
  });

  test.each<[string, Partial<ServingImageBuildOptions>]>([
    ['an offline npm cache', { offlineNpmCache: '/root/.npm' }],
    ['layers: false', { layers: false }],
  ])('refuses %s for docker, which has no such option', (_what, change) => {
    expect(() => servingImageBuildArgs('docker', { ...base, ...change })).toThrow(ConfigError);
  });
});

describe('parseImageReference', () => {
  test.each([
    'node:20-bookworm-slim',
    'localhost/mlops-node-base:node20-753561baff62',
    'ghcr.io/acme/churn-model:1.2.0',
    'registry.example.com:5000/team/model',
    'localhost:5000/churn:1.0.0',
    'myregistry:5000/churn',
    `ghcr.io/acme/churn@sha256:${'a'.repeat(64)}`,
  ])('accepts %s', (reference) => {
    expect(parseImageReference(reference)).toBe(reference);
  });

  test.each(['', 'UPPER/case', 'Acme/churn:1.0.0', 'ghcr.io/acme/churn:', 'a b', 'ghcr.io/acme/churn:1.2.0;rm', '-rm', 'acme//churn'])('refuses %j', (reference) => {
    expect(() => parseImageReference(reference)).toThrow(ConfigError);
  });
});
