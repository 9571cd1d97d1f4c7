import { ConfigError } from '../core/errors.js';

/**
 * Version text: parsing, validating, formatting and ordering `MAJOR.MINOR.PATCH` and release
 * tags. No lineage and no Node imports, so the registry's schemas (and the dashboard's types)
 * can use it; which part a new model bumps is decided in version-bump.ts.
 */

/** A parsed `MAJOR.MINOR.PATCH`. */
export interface SemanticVersion {
  major: number;
  minor: number;
  patch: number;
}

// No leading zeros, no signs, no pre-release or build suffixes; at most 9 digits so every part is a safe integer.
const part = '(0|[1-9][0-9]{0,8})';
const versionPattern = new RegExp(`^${part}\\.${part}\\.${part}$`);
const releaseTagPattern = new RegExp(`^v?${part}\\.${part}\\.${part}$`);

/** Parses a strict `MAJOR.MINOR.PATCH` (no `v`, no leading zeros). Throws a ConfigError otherwise. */
export function parseVersion(text: string): SemanticVersion {
  const match = versionPattern.exec(text);
  if (!match) {
    throw new ConfigError(
      `Invalid version ${JSON.stringify(text)}: expected MAJOR.MINOR.PATCH with no leading zeros, e.g. 1.2.3.`,
    );
  }
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** Whether a string is a strict `MAJOR.MINOR.PATCH`. */
export function isVersion(text: string): boolean {
  return versionPattern.test(text);
}

/**
 * Validates a release tag (`v1.2.3` or `1.2.3`) and returns the bare version (`1.2.3`). It guards
 * workflow inputs that end up in shell commands and paths, so anything else — missing parts,
 * leading zeros, spaces, separators, `..` — is a ConfigError.
 */
export function parseReleaseTag(tag: string): string {
  const match = releaseTagPattern.exec(tag);
  if (!match) {
    throw new ConfigError(
      `Invalid release tag ${JSON.stringify(tag)}: expected vMAJOR.MINOR.PATCH or MAJOR.MINOR.PATCH (digits only, no leading zeros), e.g. v1.2.3.`,
    );
  }
  return `${match[1]}.${match[2]}.${match[3]}`;
}

/** Formats a parsed version. */
export function formatVersion(version: SemanticVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

/** Orders two versions: negative when `a` is older, 0 when equal, positive when newer. */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  return left.major - right.major || left.minor - right.minor || left.patch - right.patch;
}
