import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic-fs.js';
import { silentLogger } from '../core/logger.js';
import { activeBackend, selectBackend } from './backend.js';
import { describeJsonFileProblem, readJsonFile, type JsonFileProblem } from '../core/json-file.js';
import { checkWeightFiles, modelJsonFileName, ModelFilesError } from './weights-manifest.js';
import { preprocessingSpecSchema, type PreprocessingSpec } from './preprocessing.js';

/**
 * File names of a saved model, as tfjs-node's `file://` handler writes them, plus our
 * preprocessing and the set of the rows it trained on (see src/data/row-key-set.ts).
 */
export const modelFiles = {
  topology: modelJsonFileName,
  weights: 'weights.bin',
  preprocessing: 'preprocessing.json',
  trainingKeys: 'training-keys.mlks',
} as const;

/**
 * Saves a model in the tfjs Layers format (`model.json` + `weights.bin`, the same files
 * tfjs-node's `file://` handler writes) and `preprocessing.json`, without needing tfjs-node.
 */
export async function saveModel(network: tfl.LayersModel, dir: string, spec: PreprocessingSpec): Promise<void> {
  await network.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new Error('tfjs produced no weights to save');
      }
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const manifest: tf.io.WeightsManifestConfig = [{ paths: [`./${modelFiles.weights}`], weights: artifacts.weightSpecs }];
      const modelJson = modelJsonFor(artifacts, manifest);
      // Weights first: a model.json never points at weights that are not fully written.
      await writeFileAtomic(join(dir, modelFiles.weights), weights);
      await writeFileAtomic(join(dir, modelFiles.topology), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    }),
  );
  await writeJsonAtomic(join(dir, modelFiles.preprocessing), spec);
}

/** A loaded model ready to predict. */
export interface LoadedModel {
  network: tfl.LayersModel;
  spec: PreprocessingSpec;
}

/**
 * Loads a model saved by `saveModel` (or by tfjs-node) through `tf.io.fromMemory`. Checks the
 * weight files against the manifest first (`checkWeightFiles`, as registering does) so that a
 * truncated or corrupt version is refused with a clear message instead of serving garbage.
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  // Callers normally select (and log) a backend first; this only guards against using tfjs before one is ready.
  if (!activeBackend()) await selectBackend('auto', silentLogger);
  const { modelJson, shards, byteLength } = await checkWeightFiles(dir);
  const weightData = Buffer.concat(await Promise.all(shards.map((name) => readFile(join(dir, name)))));
  if (weightData.byteLength !== byteLength) {
    // Checked a moment ago: only a file replaced meanwhile gets here.
    throw new ModelFilesError(`The weight files in ${dir} changed while the model was loading; load it again.`, dir);
  }
  // Validated by checkWeightFiles; tfjs's own type narrows dtype to the names it knows.
  const topology = modelJson as unknown as tf.io.ModelJSON;
  const weightSpecs = topology.weightsManifest.flatMap((group) => group.weights);
  const artifacts = await tf.io.getModelArtifactsForJSON(topology, async () => [
    weightSpecs,
    weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
  ]);
  const network = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const spec = await readJsonFile(join(dir, modelFiles.preprocessing), preprocessingSpecSchema, preprocessingError);
  const inputShape = network.inputs[0]?.shape;
  if (inputShape?.[1] !== spec.input_width) {
    throw new Error(`model.json expects ${String(inputShape?.[1])} inputs but preprocessing.json encodes ${spec.input_width}`);
  }
  return { network, spec };
}

/** Reads a saved model's preprocessing.json alone (what it needs from data), without loading the network. */
export function readPreprocessingSpec(dir: string): Promise<PreprocessingSpec> {
  return readJsonFile(join(dir, modelFiles.preprocessing), preprocessingSpecSchema, preprocessingError);
}

/** A preprocessing.json that cannot be used. */
function preprocessingError(problem: JsonFileProblem): ModelFilesError {
  const message = problem.kind === 'invalid' ? `${problem.path} is not a valid preprocessing spec:\n${problem.detail}` : `${describeJsonFileProblem(problem)}.`;
  return new ModelFilesError(message, problem.path);
}

/** The model.json object tfjs-node's file handler writes (tfjs-core does not export its helper). */
function modelJsonFor(artifacts: tf.io.ModelArtifacts, manifest: tf.io.WeightsManifestConfig): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: manifest,
  };
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  return json;
}
