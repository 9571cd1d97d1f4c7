import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { hostAllowed, hostName, hostPolicy, isLoopbackAddress, parseAllowedHosts } from '../../src/serving/allowed-hosts.js';

describe('hostPolicy and hostAllowed', () => {
  const loopback = hostPolicy(null, '127.0.0.1');
  const configured = hostPolicy(['Model.Example.com', '.svc.cluster.local'], '0.0.0.0');

  test.each([
    { policy: 'loopback', host: 'localhost:8080', allowed: true },
    { policy: 'loopback', host: 'LocalHost.', allowed: true },
    { policy: 'loopback', host: 'dashboard.localhost', allowed: true },
    { policy: 'loopback', host: '127.0.0.1:8080', allowed: true },
    { policy: 'loopback', host: '[::1]:8080', allowed: true },
    { policy: 'loopback', host: '192.168.1.20', allowed: true },
    { policy: 'loopback', host: undefined, allowed: true },
    { policy: 'loopback', host: 'evil.example', allowed: false },
    { policy: 'loopback', host: 'localhost.evil.example', allowed: false },
    { policy: 'loopback', host: 'evillocalhost', allowed: false },
    { policy: 'loopback', host: '127.0.0.1.nip.io', allowed: false },
    { policy: 'loopback', host: '', allowed: false },
    { policy: 'loopback', host: 'localhost:80:80', allowed: false },
    { policy: 'loopback', host: '[::1', allowed: false },
    { policy: 'loopback', host: '[evil.example]', allowed: false },
    { policy: 'configured', host: 'model.example.com:443', allowed: true },
    { policy: 'configured', host: 'svc.cluster.local', allowed: true },
    { policy: 'configured', host: 'mlops-model.prod.svc.cluster.local', allowed: true },
    { policy: 'configured', host: '10.1.2.3:8080', allowed: true },
    { policy: 'configured', host: 'localhost', allowed: false },
    { policy: 'configured', host: 'example.com', allowed: false },
    { policy: 'configured', host: 'xsvc.cluster.local', allowed: false },
  ])('$policy: Host $host → $allowed', ({ policy, host, allowed }) => {
    expect(hostAllowed(policy === 'loopback' ? loopback : configured, host)).toBe(allowed);
  });

  test('a server on another address accepts any host by default, and * accepts any host anywhere', () => {
    expect(hostPolicy(null, '0.0.0.0')).toEqual({ kind: 'any' });
    expect(hostPolicy(null, '::')).toEqual({ kind: 'any' });
    expect(hostPolicy(['*'], '127.0.0.1')).toEqual({ kind: 'any' });
    expect(hostAllowed({ kind: 'any' }, 'evil.example')).toBe(true);
  });

  test.each([
    { address: '127.0.0.1', loopback: true },
    { address: '127.1.2.3', loopback: true },
    { address: 'localhost', loopback: true },
    { address: '::1', loopback: true },
    { address: '[::1]', loopback: true },
    { address: '::ffff:127.0.0.1', loopback: true },
    { address: '0.0.0.0', loopback: false },
    { address: '::', loopback: false },
    { address: '192.168.1.20', loopback: false },
  ])('isLoopbackAddress($address) = $loopback', ({ address, loopback }) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });

  test('hostName strips the port and a trailing dot', () => {
    expect(hostName('Example.COM.:8080')).toBe('example.com');
    expect(hostName('[2001:db8::1]:80')).toBe('2001:db8::1');
  });
});

describe('parseAllowedHosts (--allowed-hosts, MLOPS_ALLOWED_HOSTS)', () => {
  test('a comma-separated list; empty means not given', () => {
    expect(parseAllowedHosts(' model.example.com, .svc.cluster.local ,', 'MLOPS_ALLOWED_HOSTS')).toEqual(['model.example.com', '.svc.cluster.local']);
    expect(parseAllowedHosts('*', '--allowed-hosts')).toEqual(['*']);
    expect(parseAllowedHosts('', 'MLOPS_ALLOWED_HOSTS')).toBeUndefined();
    expect(parseAllowedHosts(undefined, 'MLOPS_ALLOWED_HOSTS')).toBeUndefined();
  });

  test.each(['http://model.example.com', 'model.example.com:8080', 'a b', '*.example.com'])('%s is a ConfigError naming the source', (text) => {
    expect(() => parseAllowedHosts(text, 'MLOPS_ALLOWED_HOSTS')).toThrow(ConfigError);
    expect(() => parseAllowedHosts(text, 'MLOPS_ALLOWED_HOSTS')).toThrow(/^MLOPS_ALLOWED_HOSTS has ".+": expected host names without scheme or port/);
  });
});
