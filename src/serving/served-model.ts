import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { configSchema, type MlopsConfig } from '../config/schema.js';
import { RegistryError, describeError } from '../core/errors.js';
import { readJsonFile, type JsonFileProblem } from '../core/json-file.js';
import { dataProfileSchema, type DataProfile } from '../data/profile-schema.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../evaluation/report-schema.js';
import { loadModel } from '../model/model-io.js';
import { predictRows } from '../model/predict.js';
import { preprocessingSpecSchema, type FeatureRecord, type PreprocessingSpec } from '../model/preprocessing.js';
import { driftBaseline, type DriftBaseline } from '../monitoring/drift-window.js';
import type { Lineage } from '../registry/lineage-schema.js';
import type { ModelRegistry } from '../registry/registry.js';
import type { ServedFeature } from './api-schema.js';
import { compilePredictBodyParser, type PredictBodyParser } from './predict-body.js';
import type { RequestLimits } from './request-validation.js';

/**
 * One registered version, loaded and checked for serving: the network, its preprocessing, the
 * request contract derived from the same feature specs as training, the drift baseline (the
 * training profile) and what `/model` shows (lineage, evaluation, gate, card). A version that is
 * unreadable or inconsistent is refused here, before it can replace the model being served.
 */
export interface ServedModel {
  name: string;
  version: string;
  dir: string;
  network: tfl.LayersModel;
  spec: PreprocessingSpec;
  /** The request contract, in preprocessing order. */
  features: ServedFeature[];
  /** Parses a `/predict` body's bytes into feature records, or throws the client's RequestError. */
  parseBody: PredictBodyParser;
  baseline: DriftBaseline;
  profile: DataProfile;
  lineage: Lineage;
  evaluation: EvaluationReport;
  gate: GateVerdict;
  card: Record<string, unknown>;
  /** The config the version was trained with (lineage), or null when it no longer parses. */
  config: MlopsConfig | null;
  loadedAt: Date;
}

/**
 * The request contract of a model: every feature of its preprocessing, in that order. Null is
 * accepted where training saw missing values: numeric features with a missing indicator, and
 * categorical features whose profile counts missing cells (an all-zero one-hot the model has
 * seen). Ranges are documentation: the configured min/max, else the profile's.
 */
export function servedFeatures(spec: PreprocessingSpec, profile: DataProfile, lineage: Lineage): ServedFeature[] {
  const configured = new Map(lineage.features.map((feature) => [feature.name, feature]));
  return spec.features.map((transform): ServedFeature => {
    const column = Object.hasOwn(profile.features, transform.name) ? profile.features[transform.name] : undefined;
    if (transform.type === 'categorical') {
      return { name: transform.name, type: 'categorical', nullable: (column?.missing ?? 0) > 0, vocabulary: [...transform.vocabulary] };
    }
    if (transform.type === 'datetime') {
      return { name: transform.name, type: 'datetime', nullable: transform.missing_indicator, date_format: { ...transform.format } };
    }
    const spec = configured.get(transform.name) as { min?: unknown; max?: unknown } | undefined;
    const feature: ServedFeature = { name: transform.name, type: 'numeric', nullable: transform.missing_indicator };
    const min = typeof spec?.min === 'number' ? spec.min : column?.type === 'numeric' ? column.min : null;
    const max = typeof spec?.max === 'number' ? spec.max : column?.type === 'numeric' ? column.max : null;
    if (min !== null) feature.min = min;
    if (max !== null) feature.max = max;
    return feature;
  });
}

/** Checks that the stored files of a version describe the same model; returns the first mismatch. */
export function checkVersionConsistency(spec: PreprocessingSpec, lineage: Lineage): string | null {
  const lineageTypes = new Map(lineage.features.map((feature) => [feature.name, feature.type]));
  for (const transform of spec.features) {
    const type = lineageTypes.get(transform.name);
    if (type === undefined) return `preprocessing.json encodes feature '${transform.name}', which lineage.json does not list`;
    if (type !== transform.type) return `preprocessing.json encodes '${transform.name}' as ${transform.type}, lineage.json lists it as ${type}`;
  }
  if (lineageTypes.size !== spec.features.length) {
    const encoded = new Set(spec.features.map((transform) => transform.name));
    const missing = [...lineageTypes.keys()].filter((name) => !encoded.has(name));
    return `lineage.json lists feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that preprocessing.json does not encode`;
  }
  if (spec.target.type !== lineage.task.type) return `preprocessing.json is for a ${spec.target.type} target, lineage.json for a ${lineage.task.type} task`;
  return null;
}

/** A row of typical values (training medians, most frequent categories; a date's parts imputed with their medians) for the load-time check. */
function typicalRow(spec: PreprocessingSpec): FeatureRecord {
  const row: Record<string, number | string | null> = {};
  for (const transform of spec.features) {
    row[transform.name] = transform.type === 'numeric' ? transform.impute : transform.type === 'categorical' ? (transform.vocabulary[0] ?? null) : null;
  }
  return row;
}

/** The card: any JSON object (its shape is Model Card Toolkit's, checked when it was written). */
const cardSchema = z.record(z.string(), z.unknown());

/** Words a stored file's problem as the cause of a refusal, naming the file within the version's folder. */
function storedFileProblem(file: string, problem: JsonFileProblem): string {
  switch (problem.kind) {
    case 'missing':
      return `${file} is missing`;
    case 'unreadable':
      return `${file} cannot be read (${problem.detail})`;
    case 'not-json':
      return `${file} is not valid JSON (${problem.detail})`;
    case 'invalid':
      return `${file} is invalid:\n${problem.detail}`;
  }
}

/** Reads one stored JSON file of a version's folder, refusing the version when it is missing or invalid. */
function readStored<S extends z.ZodType>(dir: string, file: string, schema: S, refuse: (cause: string) => RegistryError): Promise<z.output<S>> {
  return readJsonFile(join(dir, file), schema, (problem) => refuse(storedFileProblem(file, problem)));
}

/**
 * Loads a registered version for serving. Every file is read and checked — model weights against
 * their manifest, preprocessing against the model's input width and the lineage's features, the
 * profile against the preprocessing — and one typical row is scored, so a version that cannot
 * answer is refused with a RegistryError that says why, never half-loaded.
 */
export async function loadServedModel(registry: ModelRegistry, version: string, limits: RequestLimits): Promise<ServedModel> {
  await registry.require(version);
  const dir = registry.versionDir(version);
  const refuse = (cause: string) => new RegistryError(`Version ${version} cannot be served: ${cause}`);
  let network: tfl.LayersModel | undefined;
  try {
    const lineage = await registry.lineage(version);
    const loaded = await loadModel(dir);
    network = loaded.network;
    const spec = loaded.spec;
    const inconsistency = checkVersionConsistency(spec, lineage);
    if (inconsistency) throw refuse(inconsistency);
    const profile: DataProfile = await readStored(dir, 'profile.json', dataProfileSchema, refuse);
    const evaluation: EvaluationReport = await readStored(dir, 'metrics.json', evaluationReportSchema, refuse);
    const gate: GateVerdict = await readStored(dir, 'gate.json', gateVerdictSchema, refuse);
    const card = await readStored(dir, 'card.json', cardSchema, refuse);
    let baseline: DriftBaseline;
    try {
      baseline = driftBaseline(spec, profile);
    } catch (error) {
      throw refuse(describeError(error));
    }
    const features = servedFeatures(spec, profile, lineage);
    const check = predictRows(network, spec, [typicalRow(spec)]);
    if (!check.every(Number.isFinite)) throw refuse('the model answers a typical row with a non-finite output (its weights are corrupt)');
    const config = configSchema.safeParse(lineage.config.content);
    return {
      name: lineage.model_name,
      version,
      dir,
      network,
      spec,
      features,
      parseBody: compilePredictBodyParser(features, limits),
      baseline,
      profile,
      lineage,
      evaluation,
      gate,
      card,
      config: config.success ? config.data : null,
      loadedAt: new Date(),
    };
  } catch (error) {
    network?.dispose();
    if (error instanceof RegistryError) throw error.message.startsWith(`Version ${version} `) ? error : refuse(error.message);
    throw refuse(describeError(error));
  }
}

/**
 * The drift baseline of a registered version from its stored files alone (preprocessing.json and
 * profile.json; no network is loaded): what `mlops monitor` compares a sample log with.
 */
export async function loadVersionBaseline(registry: ModelRegistry, version: string): Promise<DriftBaseline> {
  await registry.require(version);
  const dir = registry.versionDir(version);
  const refuse = (cause: string) => new RegistryError(`Cannot read the training profile of version ${version}: ${cause}`);
  try {
    const spec = await readStored(dir, 'preprocessing.json', preprocessingSpecSchema, refuse);
    const profile = await readStored(dir, 'profile.json', dataProfileSchema, refuse);
    return driftBaseline(spec, profile);
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw refuse(describeError(error));
  }
}
