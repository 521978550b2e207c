/**
 * A small dependency-free PNG writer and an image-grid tiler, for looking at
 * data and for report figures.
 *
 * Why our own: the format needs only zlib (in Node) and CRC32, and a native
 * image library would be a heavy install for writing a few previews. Only
 * what we need is supported: 8-bit gray, RGB and RGBA, no interlacing, and
 * filter type 0 on every row (larger files than adaptive filtering, but
 * simple and exact).
 */

import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { ConfigError } from "../util/errors.js";
import { checkLength, checkShape, type FloatImage, type ImageShape, imageSize } from "./image.js";

/** The 8-byte signature every PNG file starts with. */
export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as PNG specifies.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes` as used in PNG chunks, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC over type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, false);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)), false);
  return out;
}

const COLOUR_TYPE: Record<number, number> = { 1: 0, 3: 2, 4: 6 };

/**
 * Encode 8-bit pixels as a PNG file.
 *
 * @param pixels row-major HWC bytes, `height * width * channels` long
 * @param channels 1 (gray), 3 (RGB) or 4 (RGBA)
 * @returns the complete file contents
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Uint8Array {
  checkShape({ height, width, channels }, "encodePng");
  const colourType = COLOUR_TYPE[channels];
  if (colourType === undefined) throw new ConfigError(`encodePng: channels must be 1, 3 or 4, got ${channels}`);
  checkLength(pixels, { height, width, channels }, 1, "encodePng");
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width, false);
  hv.setUint32(4, height, false);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colourType;
  // bytes 10–12: compression 0 (deflate), filter method 0, no interlace
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let r = 0; r < height; r++) {
    raw[r * (stride + 1)] = 0; // filter type 0: the row as is
    raw.set(pixels.subarray(r * stride, (r + 1) * stride), r * (stride + 1) + 1);
  }
  const parts = [PNG_SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Float intensities in [0, 1] to bytes, clamping and rounding to nearest. */
export function toBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0; // NaN falls through to 0
  }
  return out;
}

/** Encode a float HWC image in [0, 1] as a PNG file. */
export function floatImageToPng(image: FloatImage): Uint8Array {
  const { channels } = image;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new ConfigError(`floatImageToPng: channels must be 1, 3 or 4, got ${channels}`);
  }
  return encodePng(toBytes(image.data), image.width, image.height, channels);
}

/** Write a float HWC image in [0, 1] to `path` as PNG. */
export function writePng(path: string, image: FloatImage): void {
  writeFileSync(path, floatImageToPng(image));
}

/** Layout of `imageGrid`. */
export interface GridOptions {
  /** Geometry of each tile (`channels` defaults to 1). */
  height: number;
  width: number;
  channels?: number;
  /** Tiles per row. */
  cols: number;
  /** Tile rows; default: just enough for every image. Extra images are dropped, missing ones left blank. */
  rows?: number;
  /** Pixels of padding between tiles and around the border, before scaling. Default 1. */
  pad?: number;
  /** Integer nearest-neighbour upscaling of the whole grid. Default 1. */
  scale?: number;
  /** Value of padding and blank cells, in [0, 1]. Default 0.5 (mid gray, visible on black and white digits). */
  padValue?: number;
}

/**
 * Tile images into one grid image, row by row.
 *
 * @param images `n` HWC images back to back, or an array of single images
 * @returns a float HWC image with the tiles' channel count
 */
export function imageGrid(images: Float32Array | readonly Float32Array[], options: GridOptions): FloatImage {
  const tile: ImageShape = { height: options.height, width: options.width, channels: options.channels ?? 1 };
  checkShape(tile, "imageGrid");
  const size = imageSize(tile);
  const list: Float32Array[] = [];
  if (images instanceof Float32Array) {
    if (images.length % size !== 0) {
      throw new ConfigError(`imageGrid: ${images.length} values is not a whole number of ${size}-value images`);
    }
    for (let i = 0; i < images.length / size; i++) list.push(images.subarray(i * size, (i + 1) * size));
  } else {
    images.forEach((im, i) => {
      checkLength(im, tile, 1, `imageGrid(image ${i})`);
      list.push(im);
    });
  }
  const { cols } = options;
  const rows = options.rows ?? Math.max(1, Math.ceil(list.length / cols));
  const pad = options.pad ?? 1;
  const scale = options.scale ?? 1;
  const padValue = options.padValue ?? 0.5;
  for (const [k, v] of [
    ["cols", cols],
    ["rows", rows],
    ["scale", scale],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`imageGrid: ${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(pad) || pad < 0)
    throw new ConfigError(`imageGrid: pad must be a non-negative integer, got ${pad}`);

  const { height: th, width: tw, channels: nc } = tile;
  const gh = rows * th + (rows + 1) * pad;
  const gw = cols * tw + (cols + 1) * pad;
  const grid = new Float32Array(gh * gw * nc).fill(padValue);
  for (let i = 0; i < Math.min(list.length, rows * cols); i++) {
    const top = pad + Math.floor(i / cols) * (th + pad);
    const left = pad + (i % cols) * (tw + pad);
    const src = list[i];
    for (let r = 0; r < th; r++) {
      grid.set(src.subarray(r * tw * nc, (r + 1) * tw * nc), ((top + r) * gw + left) * nc);
    }
  }
  const result = { data: grid, height: gh, width: gw, channels: nc };
  return scale === 1 ? result : upscale(result, scale);
}

/** Nearest-neighbour integer upscaling: each pixel becomes a `k`×`k` block. */
export function upscale(image: FloatImage, k: number): FloatImage {
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`upscale: factor must be a positive integer, got ${k}`);
  const { height: h, width: w, channels: nc, data } = image;
  const out = new Float32Array(h * k * w * k * nc);
  const ow = w * k;
  for (let r = 0; r < h * k; r++) {
    const sr = Math.floor(r / k);
    for (let c = 0; c < ow; c++) {
      const s = (sr * w + Math.floor(c / k)) * nc;
      const o = (r * ow + c) * nc;
      for (let ch = 0; ch < nc; ch++) out[o + ch] = data[s + ch];
    }
  }
  return { data: out, height: h * k, width: ow, channels: nc };
}
