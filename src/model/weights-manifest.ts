/**
 * Byte sizes of weights as a tfjs `model.json` describes them: the one rule behind loading a
 * model (a truncated weights.bin is refused) and registering one (the files must match their
 * manifest). Pure, with no tfjs import, so the registry can check files without loading tfjs.
 */

/** The fields of a weights-manifest entry that decide its size. */
export interface WeightSizeSpec {
  shape: readonly number[];
  dtype: string;
  quantization?: { dtype: string } | undefined;
}

const bytesPerElement: Readonly<Record<string, number>> = { float32: 4, int32: 4, complex64: 8, float16: 2, uint16: 2, uint8: 1, bool: 1 };

/** Bytes one weight occupies in the weights file, or undefined for a dtype tfjs does not store. */
export function weightByteLength(weight: WeightSizeSpec): number | undefined {
  const elements = weight.shape.reduce((a, b) => a * b, 1);
  const size = bytesPerElement[weight.quantization?.dtype ?? weight.dtype];
  return size === undefined ? undefined : elements * size;
}
