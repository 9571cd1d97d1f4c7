import { inflateSync } from 'node:zlib';

/**
 * A minimal PNG decoder for checking screenshots: 8-bit RGB or RGBA, non-interlaced (what
 * Chromium writes). Enough to tell a rendered page from a blank one.
 */

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row by row. */
  rgba: Uint8Array;
}

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decodes a PNG; throws on anything else than 8-bit RGB(A) without interlacing. */
export function decodePng(bytes: Buffer): DecodedPng {
  if (!bytes.subarray(0, 8).equals(signature)) throw new Error('not a PNG (bad signature)');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8];
      colorType = data[9]!;
      const interlace = data[12];
      if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const channels = colorType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data is ${raw.length} bytes; expected ${height * (stride + 1)}`);
  const rgba = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Uint8Array.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? line[x - channels]! : 0;
      const up = previous[x]!;
      const upLeft = x >= channels ? previous[x - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} on row ${y}`);
      line[x] = (line[x]! + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const to = (y * width + x) * 4;
      rgba[to] = line[x * channels]!;
      rgba[to + 1] = line[x * channels + 1]!;
      rgba[to + 2] = line[x * channels + 2]!;
      rgba[to + 3] = channels === 4 ? line[x * channels + 3]! : 255;
    }
    previous = line;
  }
  return { width, height, rgba };
}

/** How much of an image is drawn: distinct colours, and the share of pixels far from the most common colour (the background). */
export function imageStats(png: DecodedPng): { distinctColors: number; foregroundShare: number; background: number } {
  const counts = new Map<number, number>();
  for (let i = 0; i < png.rgba.length; i += 4) {
    const key = (png.rgba[i]! << 16) | (png.rgba[i + 1]! << 8) | png.rgba[i + 2]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let background = 0;
  let backgroundCount = -1;
  for (const [key, count] of counts) if (count > backgroundCount) [background, backgroundCount] = [key, count];
  const [br, bg, bb] = [(background >> 16) & 0xff, (background >> 8) & 0xff, background & 0xff];
  let foreground = 0;
  for (let i = 0; i < png.rgba.length; i += 4) {
    const distance = Math.abs(png.rgba[i]! - br) + Math.abs(png.rgba[i + 1]! - bg) + Math.abs(png.rgba[i + 2]! - bb);
    if (distance > 48) foreground++;
  }
  return { distinctColors: counts.size, foregroundShare: foreground / (png.width * png.height), background };
}

/** Counts pixels close to an RGB colour (within `tolerance`, summed over channels). */
export function countColor(png: DecodedPng, rgb: [number, number, number], tolerance = 30): number {
  let n = 0;
  for (let i = 0; i < png.rgba.length; i += 4) {
    if (Math.abs(png.rgba[i]! - rgb[0]) + Math.abs(png.rgba[i + 1]! - rgb[1]) + Math.abs(png.rgba[i + 2]! - rgb[2]) <= tolerance) n++;
  }
  return n;
}
