import { rmSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { connectionsCheckingInterval } from '../../src/serving/server.js';
import { resolveServeSettings } from '../../src/serving/settings.js';
import { createProject, defaultConfigText } from '../helpers/project.js';

const projects: string[] = [];
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

/** A project whose config has these `serving` keys. */
function projectWith(serving: Record<string, unknown>): string {
  const config = parse(defaultConfigText()) as Record<string, unknown>;
  config.serving = serving;
  const dir = createProject({ 'mlops.config.yaml': stringify(config) });
  projects.push(dir);
  return dir;
}

describe('allowed hosts: --allowed-hosts, then MLOPS_ALLOWED_HOSTS, then serving.allowed_hosts', () => {
  test.each([
    { flag: 'a.example', env: 'b.example', config: ['c.example'], expected: ['a.example'] },
    { flag: undefined, env: 'b.example, .svc', config: ['c.example'], expected: ['b.example', '.svc'] },
    { flag: undefined, env: '', config: ['c.example'], expected: ['c.example'] },
    { flag: undefined, env: undefined, config: null, expected: null },
  ])('flag $flag, env $env, config $config → $expected', async ({ flag, env, config, expected }) => {
    const cwd = projectWith({ allowed_hosts: config });
    const settings = await resolveServeSettings({ allowedHosts: flag, cwd, env: env === undefined ? {} : { MLOPS_ALLOWED_HOSTS: env } });
    expect(settings.allowedHosts).toEqual(expected);
  });

  test('a config entry with a scheme or port is a config error naming the key', async () => {
    const cwd = projectWith({ allowed_hosts: ['http://model.example.com'] });
    await expect(resolveServeSettings({ cwd, env: {} })).rejects.toThrow(/serving\.allowed_hosts\[0\]: expected a host name without scheme or port/);
  });
});

describe('timeouts', () => {
  test('defaults: 20 s for headers, 60 s for the whole request, checked every second', async () => {
    const settings = await resolveServeSettings({ cwd: projectWith({}), env: {} });
    expect(settings.serving).toMatchObject({ headers_timeout_ms: 20_000, request_timeout_ms: 60_000 });
    expect(connectionsCheckingInterval(settings.serving)).toBe(1000);
  });

  test('short timeouts are checked often enough to fire within a quarter of their length', () => {
    expect(connectionsCheckingInterval({ headers_timeout_ms: 1000, request_timeout_ms: 2000 })).toBe(250);
    expect(connectionsCheckingInterval({ headers_timeout_ms: 100, request_timeout_ms: 100 })).toBe(25);
  });

  test('a header timeout longer than the request timeout is refused (Node would throw at start)', async () => {
    const cwd = projectWith({ headers_timeout_ms: 90_000, request_timeout_ms: 60_000 });
    const settings = resolveServeSettings({ cwd, env: {} });
    await expect(settings).rejects.toThrow(ConfigError);
    await expect(settings).rejects.toThrow(/headers_timeout_ms \(90000\) must not be longer than request_timeout_ms \(60000\)/);
  });
});
