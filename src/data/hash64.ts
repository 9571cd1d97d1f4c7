/**
 * 64-bit hashing for exact-enough uniqueness checks over millions of values in flat memory:
 * FNV-1a 64 (over UTF-16 code units) with a bijective finalizer, kept as two uint32 halves
 * because JavaScript numbers hold 53 bits. Two distinct values collide with probability 2^-64,
 * so among n values some pair collides with probability about n²/2^65 (1e-7 at 2 million).
 */

/** A 64-bit hash as two unsigned 32-bit halves. */
export interface Hash64 {
  hi: number;
  lo: number;
}

const twoTo32 = 4294967296;

/**
 * FNV-1a 64 of a string's UTF-16 code units (for ASCII text, the bytes: the published test
 * vectors hold). Multiplying by the FNV prime 2^40 + 435 is done on the halves: the low half
 * times 435 fits a double exactly, and the 2^40 term shifts the low half into the high one.
 */
export function fnv1a64(text: string, out: Hash64 = { hi: 0, lo: 0 }): Hash64 {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    const low = lo * 435;
    hi = (Math.imul(hi, 435) + Math.floor(low / twoTo32) + (lo << 8)) >>> 0;
    lo = low >>> 0;
  }
  out.hi = hi;
  out.lo = lo;
  return out;
}

/**
 * A well-mixed 64-bit hash of a string: FNV-1a 64 followed by a Feistel-style finalizer (each
 * step is invertible, so it adds no collisions; it spreads FNV's weak low bits over all 64).
 */
export function hash64(text: string, out: Hash64 = { hi: 0, lo: 0 }): Hash64 {
  fnv1a64(text, out);
  let { hi, lo } = out;
  lo = Math.imul(lo ^ (hi >>> 15), 0x85ebca6b) >>> 0;
  hi = Math.imul(hi ^ (lo >>> 13), 0xc2b2ae35) >>> 0;
  lo = (lo ^ (hi >>> 16)) >>> 0;
  hi = (hi ^ (lo >>> 16)) >>> 0;
  out.hi = hi;
  out.lo = lo;
  return out;
}

/** Largest share of slots in use before the table doubles: linear probing stays short (about 2.5 probes per hit). */
const maxLoad = 0.75;

/**
 * A set of 64-bit hashes, each with a value from 0 to 2^31 − 2 (a line number, say): open
 * addressing with linear probing in typed arrays. 12 bytes per slot, at most 3/4 in use: 16 bytes
 * per member, 32 just after doubling (32–64 MB for 2 million members).
 */
export class HashSet64 {
  private his: Uint32Array;
  private los: Uint32Array;
  /** value + 1 per slot; 0 marks an empty slot. */
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let slots = 16;
    while (slots * maxLoad < initialCapacity) slots *= 2;
    this.his = new Uint32Array(slots);
    this.los = new Uint32Array(slots);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
  }

  /** Adds a hash with its value; returns -1 when it is new, else the value stored with it first (which is kept). */
  add(hi: number, lo: number, value: number): number {
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (let stored = this.values[slot]!; stored !== 0; stored = this.values[slot]!) {
      if (this.his[slot] === hi && this.los[slot] === lo) return stored - 1;
      slot = (slot + 1) & this.mask;
    }
    this.his[slot] = hi;
    this.los[slot] = lo;
    this.values[slot] = value + 1;
    this.size++;
    if (this.size > (this.mask + 1) * maxLoad) this.grow();
    return -1;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.values.length * 12;
  }

  private grow(): void {
    const { his, los, values } = this;
    const slots = values.length * 2;
    this.his = new Uint32Array(slots);
    this.los = new Uint32Array(slots);
    this.values = new Int32Array(slots);
    this.mask = slots - 1;
    this.size = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) this.add(his[i]!, los[i]!, values[i]! - 1);
  }
}
