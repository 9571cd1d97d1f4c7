/**
 * The set of row keys a model trained on, stored with its lineage so that a later gate can score
 * a candidate and this champion only on rows neither trained on. It is a Golomb-coded set (GCS,
 * as in Bitcoin's BIP 158 block filters): each key is mapped to an integer below n·2^P, the
 * sorted integers' gaps are Rice-coded with parameter P, and a lookup maps the asked key the same
 * way and searches for it.
 *
 * Why this and not another structure. Membership is all the gate needs, and the only error it can
 * tolerate is the safe one: a test row wrongly taken for a training row is left out of the
 * comparison (slightly fewer comparable rows), while a training row taken for an unseen one would
 * let the champion be scored on its own training rows, the bias this exists to remove. A GCS has
 * no false negatives and a false-positive rate of about 2^-P, and it is the smallest of the usual
 * choices at a given rate: about P + 1.6 bits per key (measured: 21.6 at P = 20), against
 * 1.44·P = 28.8 for a Bloom filter and 1.23·P = 24.6 for an xor filter, and 64 for the sorted
 * 64-bit hashes themselves. With the default P = 20 (one false positive per million lookups: 0.4
 * expected test rows wrongly excluded at 2 million rows × 20% test), 7,043 training keys take
 * 18.6 KiB and 2 million take 5.1 MiB, against 55 KiB and 15.3 MiB of sorted 64-bit hashes
 * (`npm run build && node dist/bench/data-bench.js` prints the measured sizes).
 * It is also deterministic byte for byte (no seeds, no retries), so the same training rows always
 * give the same file and the same sha256 in the model card. Lookups decode the set once into a
 * sorted Float64Array (8 bytes per key while in use) and binary-search it.
 */

/** Default P: a false-positive rate of 2^-20 ≈ 1e-6 per lookup. */
export const defaultFalsePositiveBits = 20;

const magic = [0x4d, 0x4c, 0x4b, 0x53]; // "MLKS"
const version = 1;
const headerBytes = 16;
const twoTo52 = 4503599627370496;

/** The first 52 bits of a row key (64 hex digits, a sha256) as an integer: uniform, since the key is a hash. */
function keyBits(key: string): number {
  const bits = Number.parseInt(key.slice(0, 13), 16);
  if (key.length !== 64 || !Number.isSafeInteger(bits)) throw new RangeError(`not a row key (64 hex digits): ${JSON.stringify(key.slice(0, 80))}`);
  return bits;
}

/** Maps 52 key bits to [0, range): monotone, so sorted keys stay sorted. */
function mapToRange(bits: number, range: number): number {
  return Math.min(range - 1, Math.floor((bits / twoTo52) * range));
}

/** Collects row keys and encodes them as a Golomb-coded set. */
export class RowKeySetBuilder {
  private bits = new Float64Array(1024);
  private length = 0;

  /** Keys added so far (repeats included). */
  get count(): number {
    return this.length;
  }

  /** Adds a row key (64 hex digits, as row-key.ts makes them). */
  add(key: string): void {
    if (this.length === this.bits.length) {
      const grown = new Float64Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[this.length++] = keyBits(key);
  }

  /** The encoded set: a 16-byte header (magic `MLKS`, version, P, distinct keys, stored values) and the Rice-coded gaps. */
  finish(falsePositiveBits = defaultFalsePositiveBits): Uint8Array {
    if (!Number.isInteger(falsePositiveBits) || falsePositiveBits < 1 || falsePositiveBits > 30) throw new RangeError(`falsePositiveBits must be an integer from 1 to 30, got ${falsePositiveBits}`);
    const sorted = this.bits.slice(0, this.length).sort();
    let distinct = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i]!;
    if (distinct * 2 ** falsePositiveBits > twoTo52) throw new RangeError(`too many keys (${distinct}) for P = ${falsePositiveBits}`);
    const range = Math.max(1, distinct) * 2 ** falsePositiveBits;
    const writer = new BitWriter(headerBytes, Math.ceil((distinct * (falsePositiveBits + 3)) / 8) + 16);
    const divisor = 2 ** falsePositiveBits;
    let previous = 0;
    let stored = 0;
    for (let i = 0; i < distinct; i++) {
      const value = mapToRange(sorted[i]!, range);
      if (stored > 0 && value === previous) continue;
      const gap = value - previous;
      const quotient = Math.floor(gap / divisor);
      writer.unary(quotient);
      writer.bits(gap - quotient * divisor, falsePositiveBits);
      previous = value;
      stored++;
    }
    const bytes = writer.finish();
    bytes.set(magic, 0);
    bytes[4] = version;
    bytes[5] = falsePositiveBits;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setUint32(8, distinct, true);
    view.setUint32(12, stored, true);
    return bytes;
  }
}

/** A decoded Golomb-coded set of row keys: membership with no false negatives and false positives at about 2^-P. */
export class RowKeySet {
  private constructor(
    /** Distinct keys that were added. */
    readonly size: number,
    readonly falsePositiveBits: number,
    private readonly values: Float64Array,
    private readonly range: number,
  ) {}

  /** Probability that a key that was not added is reported as a member. */
  get falsePositiveRate(): number {
    return this.size === 0 ? 0 : this.values.length / this.range;
  }

  /** Decodes an encoded set; throws RangeError naming what is wrong when the bytes are not one. */
  static decode(bytes: Uint8Array): RowKeySet {
    if (bytes.length < headerBytes || magic.some((b, i) => bytes[i] !== b)) throw new RangeError('not a row key set (the file does not start with "MLKS")');
    if (bytes[4] !== version) throw new RangeError(`row key set version ${bytes[4]} is not supported (this code reads version ${version})`);
    const falsePositiveBits = bytes[5]!;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const size = view.getUint32(8, true);
    const stored = view.getUint32(12, true);
    if (falsePositiveBits < 1 || falsePositiveBits > 30 || stored > size) throw new RangeError('row key set header is inconsistent');
    const reader = new BitReader(bytes, headerBytes);
    const values = new Float64Array(stored);
    const divisor = 2 ** falsePositiveBits;
    let previous = 0;
    for (let i = 0; i < stored; i++) {
      previous += reader.unary() * divisor + reader.bits(falsePositiveBits);
      values[i] = previous;
    }
    return new RowKeySet(size, falsePositiveBits, values, Math.max(1, size) * divisor);
  }

  /** Whether a row key was (probably, see {@link falsePositiveRate}) added; a key that was added is always found. */
  has(key: string): boolean {
    const target = mapToRange(keyBits(key), this.range);
    const values = this.values;
    let low = 0;
    let high = values.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const value = values[mid]!;
      if (value === target) return true;
      if (value < target) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }
}

class BitWriter {
  private bytes: Uint8Array;
  private bit: number;

  constructor(startByte: number, expectedBytes: number) {
    this.bytes = new Uint8Array(Math.max(startByte + expectedBytes, 32));
    this.bit = startByte * 8;
  }

  private ensure(bits: number): void {
    const needed = Math.ceil((this.bit + bits) / 8);
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }

  /** `count` one-bits and a zero. */
  unary(count: number): void {
    this.ensure(count + 1);
    for (let i = 0; i < count; i++, this.bit++) this.bytes[this.bit >>> 3]! |= 0x80 >>> (this.bit & 7);
    this.bit++;
  }

  /** `value` (below 2^30) in `width` bits, most significant first. */
  bits(value: number, width: number): void {
    this.ensure(width);
    for (let i = width - 1; i >= 0; i--, this.bit++) {
      if ((value >>> i) & 1) this.bytes[this.bit >>> 3]! |= 0x80 >>> (this.bit & 7);
    }
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, Math.ceil(this.bit / 8));
  }
}

class BitReader {
  private bit: number;
  private readonly end: number;

  constructor(
    private readonly bytes: Uint8Array,
    startByte: number,
  ) {
    this.bit = startByte * 8;
    this.end = bytes.length * 8;
  }

  private next(): number {
    if (this.bit >= this.end) throw new RangeError('row key set is truncated');
    const value = (this.bytes[this.bit >>> 3]! >>> (7 - (this.bit & 7))) & 1;
    this.bit++;
    return value;
  }

  unary(): number {
    let count = 0;
    while (this.next() === 1) count++;
    return count;
  }

  bits(width: number): number {
    let value = 0;
    for (let i = 0; i < width; i++) value = (value << 1) | this.next();
    return value;
  }
}
