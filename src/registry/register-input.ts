import type { z } from 'zod';
import { configSchema, type MlopsConfig } from '../config/schema.js';
import { RegistryError } from '../core/errors.js';
import { formatZodIssues } from '../core/zod-issues.js';
import { dataProfileSchema, type DataProfile } from '../data/profile-schema.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../evaluation/report-schema.js';
import { lineageSchema, type Lineage } from './lineage-schema.js';

/**
 * What `ModelRegistry.register` is given, and the checks it makes before taking the lock: every
 * artifact valid against its schema, a gate that passed (or `force`), and artifacts that describe
 * the same run, data and task.
 */

/** What `register` stores. */
export interface RegisterInput {
  /** Holds model.json, weights.bin (and any other shard model.json names) and preprocessing.json. */
  modelDir: string;
  profile: DataProfile;
  evaluation: EvaluationReport;
  gate: GateVerdict;
  /** Its `parent_version` is replaced by the version the registry compares with. */
  lineage: Lineage;
  /** Make the new version the champion. */
  promote: boolean;
  /** Register even though the gate rejected the candidate. */
  force?: boolean;
  /** The validated config; defaults to `lineage.config.content` parsed with the config schema. */
  config?: MlopsConfig;
  /**
   * Versions taken elsewhere (release tags of the repository): a version number is never used
   * twice even when this registry does not hold every version (a runner's registry holds the
   * imported champion only).
   */
  takenElsewhere?: readonly string[];
}

/** A registration whose artifacts passed every check. */
export interface CheckedRegistration {
  lineage: Lineage;
  profile: DataProfile;
  evaluation: EvaluationReport;
  gate: GateVerdict;
  config: MlopsConfig;
}

/** Validates what `register` was given; a RegistryError says what is wrong and what to do. */
export function checkRegisterInput(input: RegisterInput): CheckedRegistration {
  const lineage = parseInput(lineageSchema, input.lineage, 'the lineage is invalid');
  const profile = parseInput(dataProfileSchema, input.profile, 'the profile is invalid');
  const evaluation = parseInput(evaluationReportSchema, input.evaluation, 'the evaluation report is invalid');
  const gate = parseInput(gateVerdictSchema, input.gate, 'the gate verdict is invalid');
  if (!gate.passed && input.force !== true) {
    throw new RegistryError(
      `Refusing to register run ${lineage.run_id}: the evaluation gate rejected it (${gate.summary}). ` +
        'Improve the model or the data, or register with --force to store it anyway.',
    );
  }
  checkConsistency(lineage, profile, evaluation, gate);
  const config = input.config ?? parseInput(configSchema, lineage.config.content, 'lineage.config.content is not a valid config');
  return { lineage, profile, evaluation, gate, config };
}

/** `problem` completes "Cannot register: …" (what is wrong); the zod issues follow. */
function parseInput<T>(schema: z.ZodType<T>, value: unknown, problem: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RegistryError(`Cannot register: ${problem}:\n${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** The artifacts of one run must describe the same run, data and task. */
function checkConsistency(lineage: Lineage, profile: DataProfile, evaluation: EvaluationReport, gate: GateVerdict): void {
  if (gate.candidate !== lineage.run_id) {
    throw new RegistryError(`Cannot register: the gate verdict judged run ${gate.candidate}, but the lineage is of run ${lineage.run_id}.`);
  }
  if (profile.sha256 !== lineage.dataset.sha256) {
    throw new RegistryError(
      `Cannot register: the profile describes data with sha256 ${profile.sha256}, but the model was trained on ${lineage.dataset.sha256}.`,
    );
  }
  if (evaluation.task !== lineage.task.type) {
    throw new RegistryError(`Cannot register: the evaluation is of a ${evaluation.task} task, but the lineage's task is ${lineage.task.type}.`);
  }
}
