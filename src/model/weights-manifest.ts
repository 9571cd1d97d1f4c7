import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { describeJsonFileProblem, readJsonFile, type JsonFileProblem } from '../core/json-file.js';

/**
 * A saved model's `model.json` and the weight files its manifest names: the one check behind
 * loading a model (a truncated weights.bin is refused instead of serving garbage) and registering
 * one (the files must match their manifest before they are copied). No tfjs import, so the
 * registry can check files without loading tfjs.
 */

/** The file of a saved model that holds its topology and weights manifest. */
export const modelJsonFileName = 'model.json';

/** The fields of a weights-manifest entry that decide its size. */
export interface WeightSizeSpec {
  shape: readonly number[];
  dtype: string;
  quantization?: { dtype: string } | undefined;
}

const bytesPerElement: Readonly<Record<string, number>> = { float32: 4, int32: 4, complex64: 8, float16: 2, uint16: 2, uint8: 1, bool: 1 };

/** Bytes one weight occupies in the weights file (quantized weights use the quantized type), or undefined for a dtype tfjs does not store. */
export function weightByteLength(weight: WeightSizeSpec): number | undefined {
  const elements = weight.shape.reduce((a, b) => a * b, 1);
  const size = bytesPerElement[weight.quantization?.dtype ?? weight.dtype];
  return size === undefined ? undefined : elements * size;
}

const weightSpecSchema = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().min(0)),
    dtype: z.string(),
    quantization: z.object({ dtype: z.string() }).loose().optional(),
  })
  .loose();

/** The parts of a tfjs Layers `model.json` that loading and registering rely on (other keys are kept). */
export const layersModelJsonSchema = z
  .object({
    modelTopology: z.object({}).loose(),
    weightsManifest: z.array(z.object({ paths: z.array(z.string()).min(1), weights: z.array(weightSpecSchema) }).loose()).min(1),
  })
  .loose();
export type LayersModelJson = z.infer<typeof layersModelJsonSchema>;

/** A model folder whose weight files match their manifest. */
export interface WeightFiles {
  /** The validated model.json. */
  modelJson: LayersModelJson;
  /** Weight file names (in the model folder) in manifest order, each once. */
  shards: string[];
  /** Bytes the manifest describes, which the shards hold together. */
  byteLength: number;
}

/** A model folder that cannot be used: its message names the file and what is wrong with it. */
export class ModelFilesError extends Error {
  /** The file at fault. */
  readonly file: string;
  constructor(message: string, file: string) {
    super(message);
    this.name = 'ModelFilesError';
    this.file = file;
  }
}

/**
 * Checks that `dir` holds a tfjs Layers model.json and the weight files its manifest names, with
 * exactly the bytes the manifest's weight specs describe. Throws a {@link ModelFilesError}
 * otherwise; callers add what their user should do about it.
 */
export async function checkWeightFiles(dir: string): Promise<WeightFiles> {
  const modelJsonPath = join(dir, modelJsonFileName);
  const modelJson = await readJsonFile(modelJsonPath, layersModelJsonSchema, modelJsonError);
  const shards: string[] = [];
  let byteLength = 0;
  for (const group of modelJson.weightsManifest) {
    for (const path of group.paths) {
      const name = path.startsWith('./') ? path.slice(2) : path;
      // Shards are read and copied by name from the model folder: a path elsewhere would escape it.
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
        throw new ModelFilesError(`${modelJsonPath} names weight file '${path}'; expected a file name in the same folder.`, modelJsonPath);
      }
      if (!shards.includes(name)) shards.push(name);
    }
    for (const weight of group.weights) {
      const bytes = weightByteLength(weight);
      if (bytes === undefined) {
        throw new ModelFilesError(`${modelJsonPath} has weight '${weight.name}' of unsupported dtype '${weight.quantization?.dtype ?? weight.dtype}'.`, modelJsonPath);
      }
      byteLength += bytes;
    }
  }
  let actualBytes = 0;
  for (const name of shards) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new ModelFilesError(`${path} is missing but ${modelJsonPath} names it in weightsManifest.`, path);
    actualBytes += info.size;
  }
  if (actualBytes !== byteLength) {
    const files = shards.map((name) => join(dir, name)).join(', ');
    throw new ModelFilesError(
      `${files} ${shards.length === 1 ? 'has' : 'hold'} ${actualBytes} bytes but ${modelJsonFileName} describes ${byteLength}: the model files are corrupt or mismatched.`,
      join(dir, shards[0] ?? modelJsonFileName),
    );
  }
  return { modelJson, shards, byteLength };
}

function modelJsonError(problem: JsonFileProblem): ModelFilesError {
  const message =
    problem.kind === 'invalid'
      ? `${problem.path} is not a tfjs Layers model (no modelTopology or weightsManifest):\n${problem.detail}`
      : `${describeJsonFileProblem(problem)}.`;
  return new ModelFilesError(message, problem.path);
}
