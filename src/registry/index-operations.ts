import type { EvaluationReport, GateVerdict } from '../evaluation/report-schema.js';
import type { Lineage } from './lineage-schema.js';
import type { RegisteredVersion, RegistryIndex } from './registry-schema.js';
import { compareVersions } from './semver.js';

/**
 * Pure operations on the registry index (`registry.json`): each takes an index and returns a new
 * one or a fact about it, never touching the disk. The registry class reads the index, applies
 * them under its lock and writes the result.
 */

/** The index of a registry nothing was written to yet. */
export function emptyIndex(): RegistryIndex {
  return { format: 1, champion: null, versions: [], alias_history: [], updated_at: new Date(0).toISOString() };
}

/** Every listed version, oldest first (by semantic version). */
export function sortedVersions(index: RegistryIndex): RegisteredVersion[] {
  return [...index.versions].sort((a, b) => compareVersions(a.version, b.version));
}

/** The entry of `version`, or null when the index does not list it. */
export function findVersion(index: RegistryIndex, version: string): RegisteredVersion | null {
  return index.versions.find((entry) => entry.version === version) ?? null;
}

/** The entry the `champion` alias points at, or null before the first promotion. */
export function championOf(index: RegistryIndex): RegisteredVersion | null {
  return index.champion === null ? null : findVersion(index, index.champion);
}

/**
 * The version a candidate is compared with: the champion, or when nothing was promoted yet the
 * newest version, so that unpromoted candidates of one model do not each claim a new major.
 */
export function parentOf(index: RegistryIndex): RegisteredVersion | null {
  return championOf(index) ?? sortedVersions(index).at(-1) ?? null;
}

/**
 * Version numbers a new version must not take: those listed, and the folders in `versions/`
 * (a crash between a folder's rename and the index write leaves one unlisted).
 */
export function takenVersions(index: RegistryIndex, versionFolders: readonly string[]): string[] {
  return [...new Set([...index.versions.map((entry) => entry.version), ...versionFolders])];
}

/**
 * Points `champion` at `version` (which the index must list) and records the move; the previous
 * champion becomes `archived`.
 */
export function moveChampion(index: RegistryIndex, version: string, reason: string, at: string): RegistryIndex {
  const previous = index.champion;
  return {
    ...index,
    champion: version,
    versions: index.versions.map((entry) => {
      if (entry.version === version) return { ...entry, status: 'champion' as const };
      if (entry.version === previous) return { ...entry, status: 'archived' as const };
      return entry;
    }),
    alias_history: [...index.alias_history, { alias: 'champion' as const, from: previous, to: version, reason, at }],
    updated_at: at,
  };
}

/** Lists a new version (not the champion: promote it with {@link moveChampion}). */
export function addVersion(index: RegistryIndex, entry: RegisteredVersion, at: string): RegistryIndex {
  return { ...index, versions: [...index.versions, entry], updated_at: at };
}

/** What registering a run adds to the index: a `candidate` until it is promoted. */
export function registeredEntry(input: {
  version: string;
  lineage: Lineage;
  evaluation: EvaluationReport;
  gate: GateVerdict;
  at: string;
}): RegisteredVersion {
  const { version, lineage, evaluation, gate, at } = input;
  return {
    version,
    created_at: at,
    status: 'candidate',
    run_id: lineage.run_id,
    data_sha256: lineage.dataset.sha256,
    commit: lineage.code.commit,
    primary_metric: gate.primary_metric,
    primary_value: evaluation.overall.metrics[gate.primary_metric] ?? null,
    gate_passed: gate.passed,
    parent_version: lineage.parent_version,
  };
}

/** The reason recorded when registering a run also promotes it. */
export function registrationReason(runId: string, gatePassed: boolean): string {
  return gatePassed ? `registered run ${runId} and promoted` : `registered run ${runId} with --force and promoted`;
}

/** The primary metric of listed versions (that metric only, where defined), oldest first: the card's trend chart. */
export function primaryMetricHistory(index: RegistryIndex, metric: string): { version: string; value: number }[] {
  return sortedVersions(index).flatMap((entry) =>
    entry.primary_metric === metric && entry.primary_value !== null ? [{ version: entry.version, value: entry.primary_value }] : [],
  );
}

/**
 * The one wording for "that version is not registered" (CLI, serving, deploy and the container
 * bake all say it): where the registry is and which versions it does hold, or how to get one.
 */
export function unknownVersionMessage(version: string, registryRoot: string, registered: readonly string[]): string {
  const known = registered.length > 0 ? registered.join(', ') : 'none (run `mlops pipeline` first)';
  return `Version ${version} is not in the registry at ${registryRoot}; registered versions: ${known}.`;
}
