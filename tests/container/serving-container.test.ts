import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { parseContainerName, runContainerArgs, type ServingContainerOptions } from '../../src/container/serving-container.js';

const base: ServingContainerOptions = { image: 'localhost/churn:1.0.0', name: 'churn-1', hostPort: 18080 };

describe('runContainerArgs', () => {
  test('detached, named, published on loopback to the image port', () => {
    expect(runContainerArgs(base)).toEqual(['run', '--detach', '--name', 'churn-1', '--publish', '127.0.0.1:18080:8080', 'localhost/churn:1.0.0']);
  });

  test('another container port sets PORT for the server; another address publishes there', () => {
    expect(runContainerArgs({ ...base, containerPort: 9000, hostAddress: '0.0.0.0' })).toEqual([
      'run',
      '--detach',
      '--name',
      'churn-1',
      '--publish',
      '0.0.0.0:18080:9000',
      '--env',
      'PORT=9000',
      'localhost/churn:1.0.0',
    ]);
  });

  test.each<[string, Partial<ServingContainerOptions>, RegExp]>([
    ['a name starting with a dash', { name: '--privileged' }, /Invalid container name/],
    ['a name with a slash', { name: 'a/b' }, /Invalid container name/],
    ['port 0', { hostPort: 0 }, /Invalid host port 0/],
    ['port 65536', { hostPort: 65536 }, /Invalid host port 65536/],
    ['a fractional port', { hostPort: 80.5 }, /Invalid host port/],
    ['container port 0', { containerPort: 0 }, /Invalid container port 0/],
    ['a host name as address', { hostAddress: 'localhost' }, /Invalid host address "localhost"/],
    ['an address with an option', { hostAddress: '127.0.0.1 --privileged' }, /Invalid host address/],
    ['an out-of-range address', { hostAddress: '256.0.0.1' }, /Invalid host address/],
    ['a bad image', { image: 'Bad Image' }, /Invalid image/],
  ])('refuses %s with a ConfigError', (_what, change, message) => {
    const args = () => runContainerArgs({ ...base, ...change });
    expect(args).toThrow(ConfigError);
    expect(args).toThrow(message);
  });
});

describe('parseContainerName', () => {
  test.each(['mlops', 'churn-model_1.0.0', 'A1'])('accepts %s', (name) => {
    expect(parseContainerName(name)).toBe(name);
  });
  test.each(['', '-x', '.x', 'a b', 'a;b', 'x'.repeat(129)])('refuses %j', (name) => {
    expect(() => parseContainerName(name)).toThrow(ConfigError);
  });
});
