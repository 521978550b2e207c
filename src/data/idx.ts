/**
 * Reader for the IDX format that MNIST ships in.
 *
 * Layout (all integers big-endian): two zero bytes, a type code, the number of
 * dimensions `d`, then `d` uint32 sizes, then the values in row-major order.
 * MNIST uses type 0x08 (unsigned byte): images are `0x00000803` with dims
 * `[n, rows, cols]`, labels `0x00000801` with dims `[n]`.
 *
 * Every check here is strict (exact byte length, expected magic and dims)
 * because a silently truncated download would otherwise surface much later
 * as a shape error or, worse, as a model trained on garbage.
 */

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { ConfigError, DataError } from "../util/errors.js";

/** Magic number of an IDX file of unsigned-byte images `[n, rows, cols]`. */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned-byte labels `[n]`. */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Value types the IDX format defines, by type code. */
const IDX_TYPES: Record<number, { name: string; bytes: number }> = {
  8: { name: "ubyte", bytes: 1 },
  9: { name: "byte", bytes: 1 },
  11: { name: "int16", bytes: 2 },
  12: { name: "int32", bytes: 4 },
  13: { name: "float32", bytes: 4 },
  14: { name: "float64", bytes: 8 },
};

/** A parsed IDX file. */
export interface IdxArray {
  /** The full 32-bit magic number, e.g. `0x00000803`. */
  magic: number;
  /** Value type name: `ubyte`, `byte`, `int16`, `int32`, `float32` or `float64`. */
  type: string;
  /** Sizes of each dimension, outermost first. */
  dims: number[];
  /** The values, row-major, decoded from big-endian. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** What the caller expects of the file; any mismatch is a `DataError`. */
export interface IdxExpectation {
  /** Required magic number (e.g. `IDX_IMAGES_MAGIC`). */
  magic?: number;
  /** Required dims; `null` entries accept any size. Also fixes the number of dims. */
  dims?: readonly (number | null)[];
}

const hex = (v: number) => `0x${v.toString(16).padStart(8, "0")}`;

/** True when the bytes start with the gzip signature 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parse IDX bytes (gunzipping first if they are gzip-compressed).
 *
 * @param bytes the file contents
 * @param source a name for error messages, usually the file path
 * @param expect optional magic number and dims the file must have
 * @throws DataError naming `source` and what was expected vs found
 */
export function parseIdx(bytes: Uint8Array, source: string, expect: IdxExpectation = {}): IdxArray {
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataError(`${source}: corrupt gzip stream (${(e as Error).message})`);
    }
  }
  const fail = (what: string): never => {
    throw new DataError(`${source}: ${what}`);
  };
  if (bytes.length < 4) fail(`expected at least a 4-byte IDX header, found ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (expect.magic !== undefined && magic !== expect.magic) {
    fail(`expected IDX magic number ${hex(expect.magic)}, found ${hex(magic)}`);
  }
  const typeCode = bytes[2];
  const nDims = bytes[3];
  const type = IDX_TYPES[typeCode];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type) {
    fail(`not an IDX file: magic number ${hex(magic)} is not 0x0000TTDD with a known type TT`);
  }
  if (nDims === 0) fail("expected at least one dimension, found 0");
  const headerBytes = 4 + 4 * nDims;
  if (bytes.length < headerBytes) {
    fail(`expected a ${headerBytes}-byte header for ${nDims} dims, found only ${bytes.length} bytes`);
  }
  const dims: number[] = [];
  for (let i = 0; i < nDims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  if (expect.dims) {
    const want = expect.dims;
    const ok = want.length === dims.length && want.every((w, i) => w === null || w === dims[i]);
    if (!ok) {
      const fmt = want.map((w) => (w === null ? "*" : String(w))).join(", ");
      fail(`expected dims [${fmt}], found [${dims.join(", ")}]`);
    }
  }
  // Multiply in floating point: exact up to 2^53, far beyond any file we could read.
  const count = dims.reduce((a, b) => a * b, 1);
  const expectedBytes = headerBytes + count * type.bytes;
  if (bytes.length !== expectedBytes) {
    const why = bytes.length < expectedBytes ? "truncated" : "trailing bytes";
    fail(`${why}: header dims [${dims.join(", ")}] of ${type.name} need ${expectedBytes} bytes, found ${bytes.length}`);
  }
  return { magic, type: type.name, dims, data: decode(view, headerBytes, count, typeCode) };
}

/** Decode `count` big-endian values; copies so the result owns aligned memory. */
function decode(view: DataView, offset: number, count: number, typeCode: number): IdxArray["data"] {
  switch (typeCode) {
    case 0x08:
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 0x09:
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 0x0b: {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 0x0c: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 0x0d: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Read and parse an IDX file (plain or gzipped).
 *
 * @throws DataError if the file is missing, unreadable, or fails any check in `parseIdx`
 */
export function readIdxFile(path: string, expect: IdxExpectation = {}): IdxArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new DataError(`${path}: cannot read IDX file (${err.code ?? err.message})`);
  }
  return parseIdx(bytes, path, expect);
}

/** Unsigned-byte images `[n, rows, cols]` from an IDX file (magic `0x00000803`). */
export interface IdxImages {
  pixels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
}

/**
 * Read an IDX image file, requiring magic `0x00000803` and, if given, the
 * exact row and column counts.
 */
export function readIdxImages(path: string, rows: number | null = null, cols: number | null = null): IdxImages {
  const idx = readIdxFile(path, { magic: IDX_IMAGES_MAGIC, dims: [null, rows, cols] });
  const [n, r, c] = idx.dims;
  return { pixels: idx.data as Uint8Array, n, rows: r, cols: c };
}

/** Read an IDX label file, requiring magic `0x00000801`. */
export function readIdxLabels(path: string): Uint8Array {
  return readIdxFile(path, { magic: IDX_LABELS_MAGIC, dims: [null] }).data as Uint8Array;
}

/**
 * Serialise an array as IDX bytes. Used by tests and fixtures; the inverse of
 * `parseIdx` for unsigned-byte data.
 */
export function encodeIdxUbyte(dims: readonly number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new ConfigError(`encodeIdxUbyte: dims [${dims.join(", ")}] need ${count} values, got ${data.length}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 | dims.length, false);
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, header);
  return out;
}
