import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { z } from 'zod';
import { formatZodIssues } from '../config/load.js';
import { configSchema, type MlopsConfig } from '../config/schema.js';
import { RegistryError, describeError } from '../core/errors.js';
import { dataProfileSchema, type DataProfile } from '../data/profile-schema.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../evaluation/report-schema.js';
import { loadModel } from '../model/model-io.js';
import { predictRows } from '../model/predict.js';
import { parsePreprocessingSpec, type FeatureRecord, type PreprocessingSpec } from '../model/preprocessing.js';
import { driftBaseline, type DriftBaseline } from '../monitoring/drift-window.js';
import type { Lineage } from '../registry/lineage-schema.js';
import type { ModelRegistry } from '../registry/registry.js';
import type { ServedFeature } from './api-schema.js';
import { compileRequestParser, type RequestLimits, type RequestParser } from './request-validation.js';

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
  parseRequest: RequestParser;
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

async function readJsonFile(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

/**
 * Loads a registered version for serving. Every file is read and checked — model weights against
 * their manifest, preprocessing against the model's input width and the lineage's features, the
 * profile against the preprocessing — and one typical row is scored, so a version that cannot
 * answer is refused with a RegistryError that says why, never half-loaded.
 */
export async function loadServedModel(registry: ModelRegistry, version: string, limits: RequestLimits): Promise<ServedModel> {
  const entry = await registry.get(version);
  if (!entry) {
    const known = (await registry.versions()).map((v) => v.version);
    throw new RegistryError(`Version ${version} is not in the registry at ${registry.root}; registered versions: ${known.length > 0 ? known.join(', ') : 'none'}.`);
  }
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
    const profile = parseStored(dataProfileSchema, await readJsonFile(join(dir, 'profile.json')), 'profile.json', refuse);
    const evaluation = parseStored(evaluationReportSchema, await readJsonFile(join(dir, 'metrics.json')), 'metrics.json', refuse);
    const gate = parseStored(gateVerdictSchema, await readJsonFile(join(dir, 'gate.json')), 'gate.json', refuse);
    const card = await readJsonFile(join(dir, 'card.json'));
    if (typeof card !== 'object' || card === null || Array.isArray(card)) throw refuse('card.json is not a JSON object');
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
      parseRequest: compileRequestParser(features, limits),
      baseline,
      profile,
      lineage,
      evaluation,
      gate,
      card: card as Record<string, unknown>,
      config: config.success ? config.data : null,
      loadedAt: new Date(),
    };
  } catch (error) {
    network?.dispose();
    if (error instanceof RegistryError) throw error.message.startsWith(`Version ${version} `) ? error : refuse(error.message);
    throw refuse(describeError(error));
  }
}

function parseStored<T>(
  schema: z.ZodType<T>,
  value: unknown,
  file: string,
  refuse: (cause: string) => RegistryError,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw refuse(`${file} is invalid:\n${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/**
 * The drift baseline of a registered version from its stored files alone (preprocessing.json and
 * profile.json; no network is loaded): what `mlops monitor` compares a sample log with.
 */
export async function loadVersionBaseline(registry: ModelRegistry, version: string): Promise<DriftBaseline> {
  if (!(await registry.get(version))) {
    const known = (await registry.versions()).map((v) => v.version);
    throw new RegistryError(`Version ${version} is not in the registry at ${registry.root}; registered versions: ${known.length > 0 ? known.join(', ') : 'none'}.`);
  }
  const dir = registry.versionDir(version);
  const refuse = (cause: string) => new RegistryError(`Cannot read the training profile of version ${version}: ${cause}`);
  try {
    const spec = parsePreprocessingSpec(await readJsonFile(join(dir, 'preprocessing.json')));
    const profile = parseStored(dataProfileSchema, await readJsonFile(join(dir, 'profile.json')), 'profile.json', refuse);
    return driftBaseline(spec, profile);
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw refuse(describeError(error));
  }
}
