import { join } from 'node:path';
import { z } from 'zod';
import { RegistryError } from '../core/errors.js';
import { describeJsonFileProblem, readJsonFile } from '../core/json-file.js';
import { dataProfileSchema, type DataProfile } from '../data/profile-schema.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../evaluation/report-schema.js';
import type { Lineage } from '../registry/lineage-schema.js';
import { preprocessingSpecSchema, type PreprocessingSpec } from '../model/preprocessing.js';
import type { ModelRegistry, RegisteredVersion } from '../registry/registry.js';
import type { ModelInfo, VersionHistory } from '../serving/api-schema.js';
import { servedFeatures } from '../serving/served-model.js';
import { buildVersionHistory } from '../serving/version-history.js';

/**
 * The dashboard's JSON computed from a registry alone (no server): what `mlops report` writes as
 * `api/model.json` and `api/versions.json`. Shapes are the server's (src/serving/api-schema.ts),
 * and so are the rules: the request contract (`servedFeatures`) and the history
 * (`buildVersionHistory`) come from the serving code, so a report shows what a server would.
 */

/** Everything stored with one version that the dashboard shows. */
export interface VersionArtifacts {
  lineage: Lineage;
  evaluation: EvaluationReport;
  gate: GateVerdict;
  profile: DataProfile;
  preprocessing: PreprocessingSpec;
  card: Record<string, unknown>;
}

/** A stored file of one version, validated; any problem is a RegistryError naming the version and file. */
async function readStoredJson<S extends z.ZodType>(registry: ModelRegistry, version: string, file: string, schema: S): Promise<z.output<S>> {
  return readJsonFile(join(registry.versionDir(version), file), schema, (problem) => {
    return new RegistryError(`Cannot use ${file} of version ${version}: ${describeJsonFileProblem(problem)}`);
  });
}

/** Reads and validates the lineage, evaluation, gate verdict, profile and card of a version. */
export async function readVersionArtifacts(registry: ModelRegistry, version: string): Promise<VersionArtifacts> {
  return {
    lineage: await registry.lineage(version),
    evaluation: await readStoredJson(registry, version, 'metrics.json', evaluationReportSchema),
    gate: await readStoredJson(registry, version, 'gate.json', gateVerdictSchema),
    profile: await readStoredJson(registry, version, 'profile.json', dataProfileSchema),
    preprocessing: await readStoredJson(registry, version, 'preprocessing.json', preprocessingSpecSchema),
    card: await readStoredJson(registry, version, 'card.json', z.record(z.string(), z.unknown())),
  };
}

/** `api/model.json` for one registered version. */
export function modelInfoFromArtifacts(version: string, artifacts: VersionArtifacts, options: { champion: boolean; loadedAt: string }): ModelInfo {
  return {
    name: artifacts.lineage.model_name,
    version,
    champion: options.champion,
    loaded_at: options.loadedAt,
    task: artifacts.lineage.task as Record<string, unknown>,
    features: servedFeatures(artifacts.preprocessing, artifacts.profile, artifacts.lineage),
    lineage: artifacts.lineage,
    evaluation: artifacts.evaluation,
    gate: artifacts.gate,
    card: artifacts.card,
  };
}

/** The version a report shows: the champion, or the newest version before any promotion. */
export async function reportedVersion(registry: ModelRegistry): Promise<{ entry: RegisteredVersion; champion: boolean }> {
  const champion = await registry.champion();
  if (champion) return { entry: champion, champion: true };
  const versions = await registry.versions();
  const newest = versions[versions.length - 1];
  if (!newest) {
    throw new RegistryError(`The registry at ${registry.root} has no versions yet: run \`npm run pipeline\` (or \`mlops pipeline\`) first.`);
  }
  return { entry: newest, champion: false };
}

/** Both JSON documents of a static report. */
export interface ReportData {
  model: ModelInfo;
  versions: VersionHistory;
}

/** Computes the static report's data from a registry: model = champion (or newest), history = everything. */
export async function buildReportData(registry: ModelRegistry, options: { generatedAt?: string } = {}): Promise<ReportData> {
  const generatedAt = options.generatedAt ?? new Date().toISOString();
  const { entry, champion } = await reportedVersion(registry);
  const artifacts = await readVersionArtifacts(registry, entry.version);
  return {
    model: modelInfoFromArtifacts(entry.version, artifacts, { champion, loadedAt: generatedAt }),
    versions: await buildVersionHistory(registry, null, new Date(generatedAt)),
  };
}
