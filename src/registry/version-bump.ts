import { inputSignature } from './input-signature.js';
import type { Lineage } from './lineage-schema.js';
import { formatVersion, parseVersion } from './semver.js';

/**
 * Semantic versions of registered models, decided from lineage alone:
 *
 * - major: the input contract changed (features added, removed or retyped; task type, labels or
 *   classes changed): a client of the serving API must change;
 * - minor: same contract, but the data (sha256) or the config (hash) changed: a retrain;
 * - patch: same contract, data and config: only the code (or nothing) changed.
 *
 * The first version is 1.0.0.
 */

/** Which part of the version a change bumps. */
export type ChangeLevel = 'major' | 'minor' | 'patch';

/** The change from a parent version to a candidate, with the reasons in words (for cards and logs). */
export interface VersionChange {
  level: ChangeLevel;
  reasons: string[];
}

/** What changed between a parent's lineage and a candidate's, and which version part it bumps. */
export function versionChange(parent: Lineage, candidate: Lineage): VersionChange {
  const contractReasons = contractChanges(parent, candidate);
  if (inputSignature(parent.features, parent.task) !== inputSignature(candidate.features, candidate.task)) {
    // The signature is the rule; the reasons only explain it.
    return { level: 'major', reasons: contractReasons.length > 0 ? contractReasons : ['the input contract changed'] };
  }
  const retrainReasons: string[] = [];
  if (parent.dataset.sha256 !== candidate.dataset.sha256) {
    retrainReasons.push(
      `data changed: ${candidate.dataset.path} sha256 ${short(parent.dataset.sha256)} → ${short(candidate.dataset.sha256)}`,
    );
  }
  if (parent.config.sha256 !== candidate.config.sha256) {
    retrainReasons.push(`config changed: sha256 ${short(parent.config.sha256)} → ${short(candidate.config.sha256)}`);
  }
  if (retrainReasons.length > 0) return { level: 'minor', reasons: retrainReasons };
  const from = parent.code.commit ?? 'unknown commit';
  const to = candidate.code.commit ?? 'unknown commit';
  return {
    level: 'patch',
    reasons: [
      from === to
        ? `same data, config and commit (${short(to)}): a re-run`
        : `same data and config; code changed: ${short(from)} → ${short(to)}`,
    ],
  };
}

/**
 * The version for a candidate.
 *
 * `parent` is the version the candidate is compared with (the champion), null for the first
 * model. `existing` lists every version already registered: the computed version can already
 * exist after a rollback (champion 1.0.0 while 1.1.0 exists). Versions then keep growing within
 * the level of the change: when any existing version is at or above the computed one at that
 * level, the result goes one past the highest of them —
 *
 * - major: `(highest major + 1).0.0`;
 * - minor: `M.(highest minor among M.x.y + 1).0` for the parent's major M;
 * - patch: `M.m.(highest patch among M.m.z + 1)` for the parent's M.m.
 *
 * So a retrain after rolling back from 1.1.0 to 1.0.0 gives 1.2.0, never a second 1.1.0. With
 * no parent, 1.0.0, or the next free major when versions exist but none is champion.
 */
export function nextVersion(
  parent: { version: string; lineage: Lineage } | null,
  candidate: Lineage,
  existing: readonly string[] = [],
): string {
  const taken = existing.map(parseVersion);
  if (parent === null) {
    const highestMajor = Math.max(0, ...taken.map((v) => v.major));
    return formatVersion({ major: taken.length === 0 ? 1 : highestMajor + 1, minor: 0, patch: 0 });
  }
  const base = parseVersion(parent.version);
  const level = versionChange(parent.lineage, candidate).level;
  switch (level) {
    case 'major': {
      const major = Math.max(base.major, ...taken.map((v) => v.major)) + 1;
      return formatVersion({ major, minor: 0, patch: 0 });
    }
    case 'minor': {
      const siblings = taken.filter((v) => v.major === base.major).map((v) => v.minor);
      return formatVersion({ major: base.major, minor: Math.max(base.minor, ...siblings) + 1, patch: 0 });
    }
    case 'patch': {
      const siblings = taken.filter((v) => v.major === base.major && v.minor === base.minor).map((v) => v.patch);
      return formatVersion({ major: base.major, minor: base.minor, patch: Math.max(base.patch, ...siblings) + 1 });
    }
  }
}

/** Feature and task differences, in words. */
function contractChanges(parent: Lineage, candidate: Lineage): string[] {
  const reasons: string[] = [];
  const before = new Map(parent.features.map((f) => [f.name, f.type]));
  const after = new Map(candidate.features.map((f) => [f.name, f.type]));
  const added = [...after.keys()].filter((name) => !before.has(name));
  const removed = [...before.keys()].filter((name) => !after.has(name));
  const retyped = [...after.entries()].filter(([name, type]) => before.has(name) && before.get(name) !== type);
  if (added.length > 0) reasons.push(`features added: ${added.join(', ')}`);
  if (removed.length > 0) reasons.push(`features removed: ${removed.join(', ')}`);
  for (const [name, type] of retyped) reasons.push(`feature ${name} changed type: ${before.get(name)} → ${type}`);
  if (parent.task.type !== candidate.task.type) {
    reasons.push(`task changed: ${parent.task.type} → ${candidate.task.type}`);
  } else if (inputSignature([], parent.task) !== inputSignature([], candidate.task)) {
    reasons.push(`${parent.task.type} labels changed: ${describeLabels(parent)} → ${describeLabels(candidate)}`);
  }
  return reasons;
}

function describeLabels(lineage: Lineage): string {
  const task = lineage.task;
  if (task.type === 'binary') return `${task.positive_label}/${task.negative_label}`;
  if (task.type === 'multiclass') return task.classes.join(', ');
  return 'none';
}

function short(hash: string): string {
  return hash.length > 12 ? hash.slice(0, 12) : hash;
}
