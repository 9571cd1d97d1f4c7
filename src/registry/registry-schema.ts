import { z } from 'zod';
import { isVersion } from './semver.js';

/**
 * The shapes the registry stores: `registry.json` (the index) and `experiments/<run_id>.json`.
 * The schema is the documentation of each file; every read goes through it.
 */

/** MAJOR.MINOR.PATCH. */
export const versionString = z.string().refine(isVersion, 'expected a version MAJOR.MINOR.PATCH');

/** One registered version as the index lists it. */
export const registeredVersionSchema = z.object({
  version: versionString,
  /** When it was registered (ISO). */
  created_at: z.string(),
  /** `champion`: served; `archived`: was champion before; `candidate`: registered, never promoted. */
  status: z.enum(['champion', 'archived', 'candidate']),
  run_id: z.string(),
  data_sha256: z.string(),
  commit: z.string().nullable(),
  primary_metric: z.string(),
  /** The primary metric on the whole test split; null when undefined there. */
  primary_value: z.number().nullable(),
  /** False only for versions registered with `force` despite a rejection. */
  gate_passed: z.boolean(),
  /** The version it was compared with for its semantic version. */
  parent_version: versionString.nullable(),
});
export type RegisteredVersion = z.infer<typeof registeredVersionSchema>;

/** One move of the `champion` alias: a promotion or a rollback. */
export const aliasMoveSchema = z.object({
  alias: z.literal('champion'),
  from: versionString.nullable(),
  to: versionString,
  reason: z.string(),
  /** ISO time of the move. */
  at: z.string(),
});
export type AliasMove = z.infer<typeof aliasMoveSchema>;

/** `registry.json`. */
export const registryIndexSchema = z
  .object({
    format: z.literal(1),
    champion: versionString.nullable(),
    versions: z.array(registeredVersionSchema),
    /** Oldest first. */
    alias_history: z.array(aliasMoveSchema),
    updated_at: z.string(),
  })
  .superRefine((index, ctx) => {
    const seen = new Set<string>();
    for (const entry of index.versions) {
      if (seen.has(entry.version)) ctx.addIssue({ code: 'custom', path: ['versions'], message: `version ${entry.version} is listed twice` });
      seen.add(entry.version);
      if ((entry.status === 'champion') !== (entry.version === index.champion)) {
        ctx.addIssue({ code: 'custom', path: ['versions'], message: `version ${entry.version} has status ${entry.status} but the champion is ${index.champion ?? 'none'}` });
      }
    }
    if (index.champion !== null && !seen.has(index.champion)) {
      ctx.addIssue({ code: 'custom', path: ['champion'], message: `champion ${index.champion} is not a listed version` });
    }
  });
export type RegistryIndex = z.infer<typeof registryIndexSchema>;

/** One pipeline run, recorded whatever its outcome (`experiments/<run_id>.json`). */
export const experimentRecordSchema = z.object({
  /** Also the file name: letters, digits, dot, dash and underscore. */
  run_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use letters, digits, ".", "_" and "-" (it names a file)'),
  /** ISO times of the run. */
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number().min(0),
  /**
   * promoted: registered as champion; registered: stored, not promoted; unchanged: identical to
   * the champion, nothing stored; passed: passed the gate but a sweep registered a better
   * candidate; rejected: by the gate; failed: an error.
   */
  status: z.enum(['promoted', 'registered', 'unchanged', 'passed', 'rejected', 'failed']),
  /** The sweep and candidate the run was (`mlops sweep`); absent for single runs and older records. */
  sweep: z.object({ sweep_id: z.string(), candidate: z.string() }).optional(),
  /** The registered version, when there is one. */
  version: versionString.nullable(),
  /** The champion when the run was judged. */
  champion_version: versionString.nullable(),
  /** Hyperparameters (the config's `model` section). */
  params: z.record(z.string(), z.unknown()),
  /** Overall test metrics; empty when the run did not get that far. */
  metrics: z.record(z.string(), z.number()),
  primary_metric: z.string(),
  primary_value: z.number().nullable(),
  data_sha256: z.string().nullable(),
  data_path: z.string(),
  commit: z.string().nullable(),
  dirty: z.boolean().nullable(),
  config_sha256: z.string(),
  gate_summary: z.string().nullable(),
  error: z.string().nullable(),
  backend: z.string().nullable(),
});
export type ExperimentRecord = z.infer<typeof experimentRecordSchema>;
