import { isIP } from 'node:net';
import { allowedHostSchema } from '../config/serving-schema.js';
import { ConfigError } from '../core/errors.js';

/**
 * Which `Host` headers the server answers: the defence against DNS rebinding, where a web page
 * makes the victim's browser resolve the attacker's name to 127.0.0.1 and then reads what a
 * server on the victim's machine answers. Such a request carries the attacker's name in `Host`.
 *
 * - IP literals are always accepted: rebinding needs a DNS name, and probes (kubelet, Docker's
 *   HEALTHCHECK) reach servers by IP.
 * - A server listening on loopback accepts `localhost` and `*.localhost` (names browsers resolve
 *   to loopback without DNS) by default.
 * - A server listening on another address (a container binds 0.0.0.0) accepts any host by default:
 *   it is reached by names it cannot know in advance (service names, ingress hosts), and whoever
 *   can reach it through the network can already send it any request directly. Deployments that
 *   know their names set `serving.allowed_hosts`.
 */

/** Which host names are accepted; IP literals always are. */
export type HostPolicy = { kind: 'any' } | { kind: 'names'; names: ReadonlySet<string>; suffixes: readonly string[] };

/** Names a loopback server accepts by default. */
export const loopbackHostNames: readonly string[] = ['localhost', '.localhost'];

/** Whether a listening address is loopback only. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(host);
}

/** The policy for a configured list (null: the default for the listening address). */
export function hostPolicy(allowed: readonly string[] | null, listenAddress: string): HostPolicy {
  const entries = allowed ?? (isLoopbackAddress(listenAddress) ? loopbackHostNames : ['*']);
  if (entries.includes('*')) return { kind: 'any' };
  const names = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of entries) {
    const name = entry.toLowerCase();
    if (name.startsWith('.')) {
      suffixes.push(name);
      names.add(name.slice(1));
    } else {
      names.add(name);
    }
  }
  return { kind: 'names', names, suffixes };
}

/**
 * Whether a request with this `Host` header is answered. A missing header (HTTP/1.0: browsers
 * always send one) is accepted; a malformed one is not.
 */
export function hostAllowed(policy: HostPolicy, header: string | undefined): boolean {
  if (policy.kind === 'any' || header === undefined) return true;
  const host = hostName(header);
  if (host === null) return false;
  if (isIP(host) !== 0) return true;
  return policy.names.has(host) || policy.suffixes.some((suffix) => host.endsWith(suffix));
}

/** The name or address of a Host header, lower case, without port or trailing dot; null when malformed. */
export function hostName(header: string): string | null {
  const text = header.trim().toLowerCase();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const address = end === -1 ? '' : text.slice(1, end);
    const rest = end === -1 ? '' : text.slice(end + 1);
    return isIP(address) === 6 && /^(:\d{1,5})?$/.test(rest) ? address : null;
  }
  const match = /^([^:]+)(:\d{1,5})?$/.exec(text);
  if (!match) return null;
  const name = match[1]!.endsWith('.') ? match[1]!.slice(0, -1) : match[1]!;
  return name.length > 0 ? name : null;
}

/**
 * A comma-separated list of allowed hosts from the command line or the environment; undefined
 * when not given. `source` names it in errors (`--allowed-hosts`, `MLOPS_ALLOWED_HOSTS`).
 */
export function parseAllowedHosts(text: string | undefined, source: string): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  for (const entry of entries) {
    if (!allowedHostSchema.safeParse(entry).success) {
      throw new ConfigError(
        `${source} has ${JSON.stringify(entry)}: expected host names without scheme or port, separated by commas (model.example.com,.svc.cluster.local), or *.`,
      );
    }
  }
  return entries;
}
