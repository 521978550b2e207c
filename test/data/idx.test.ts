import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  encodeIdxUbyte,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  parseIdx,
  readIdxFile,
  readIdxImages,
  readIdxLabels,
} from "../../src/data/idx.js";
import { DataError } from "../../src/util/errors.js";

const dir = mkdtempSync(join(tmpdir(), "antilearn-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
const imagesBytes = encodeIdxUbyte([2, 3, 4], pixels);

/** The DataError thrown by `fn`, failing the test if it throws nothing or something else. */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error("expected a DataError, nothing was thrown");
}

describe("parseIdx", () => {
  it("parses an image file: magic, dims and values", () => {
    const idx = parseIdx(imagesBytes, "mem", { magic: IDX_IMAGES_MAGIC, dims: [null, 3, 4] });
    expect(idx.magic).toBe(0x803);
    expect(idx.type).toBe("ubyte");
    expect(idx.dims).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(Array.from(pixels));
  });

  it("reads big-endian dims above 255", () => {
    const labels = new Uint8Array(300).map((_, i) => i % 10);
    const idx = parseIdx(encodeIdxUbyte([300], labels), "mem", { magic: IDX_LABELS_MAGIC });
    expect(idx.dims).toEqual([300]);
    expect(idx.data[299]).toBe(9);
  });

  it("decodes big-endian multi-byte types", () => {
    // type 0x0D float32, 1 dim of 2: [1.5, -2]
    const b = new Uint8Array(8 + 8);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0x0d01, false);
    v.setUint32(4, 2, false);
    v.setFloat32(8, 1.5, false);
    v.setFloat32(12, -2, false);
    const idx = parseIdx(b, "mem");
    expect(idx.type).toBe("float32");
    expect(Array.from(idx.data)).toEqual([1.5, -2]);
  });

  it("rejects a wrong magic number, saying expected vs found", () => {
    const err = dataError(() => parseIdx(imagesBytes, "labels.idx", { magic: IDX_LABELS_MAGIC }));
    expect(err.message).toContain("labels.idx");
    expect(err.message).toContain("0x00000801");
    expect(err.message).toContain("0x00000803");
  });

  it("rejects bytes that are not IDX at all", () => {
    const err = dataError(() => parseIdx(new TextEncoder().encode("<html>not found</html>"), "x"));
    expect(err.message).toMatch(/not an IDX file/);
  });

  it("rejects unexpected dims", () => {
    const err = dataError(() => parseIdx(imagesBytes, "f", { dims: [null, 28, 28] }));
    expect(err.message).toContain("expected dims [*, 28, 28], found [2, 3, 4]");
  });

  it("rejects a truncated file with the byte counts", () => {
    const err = dataError(() => parseIdx(imagesBytes.subarray(0, imagesBytes.length - 1), "f"));
    expect(err.message).toMatch(/truncated/);
    expect(err.message).toContain(`need ${imagesBytes.length} bytes, found ${imagesBytes.length - 1}`);
  });

  it("rejects a truncated header and trailing bytes", () => {
    expect(dataError(() => parseIdx(imagesBytes.subarray(0, 10), "f")).message).toMatch(/16-byte header/);
    expect(dataError(() => parseIdx(imagesBytes.subarray(0, 2), "f")).message).toMatch(/4-byte IDX header/);
    const longer = new Uint8Array(imagesBytes.length + 3);
    longer.set(imagesBytes);
    expect(dataError(() => parseIdx(longer, "f")).message).toMatch(/trailing bytes/);
  });

  it("reads gzip transparently and reports a corrupt gzip stream", () => {
    const gz = gzipSync(imagesBytes);
    expect(Array.from(parseIdx(gz, "f.gz").data)).toEqual(Array.from(pixels));
    const broken = gz.subarray(0, gz.length - 8);
    expect(dataError(() => parseIdx(broken, "f.gz")).message).toMatch(/f\.gz: corrupt gzip/);
  });
});

describe("reading files", () => {
  it("reads images and labels from disk", () => {
    const ip = join(dir, "images");
    const lp = join(dir, "labels");
    writeFileSync(ip, imagesBytes);
    writeFileSync(lp, encodeIdxUbyte([2], Uint8Array.from([3, 7])));
    const im = readIdxImages(ip, 3, 4);
    expect([im.n, im.rows, im.cols]).toEqual([2, 3, 4]);
    expect(Array.from(readIdxLabels(lp))).toEqual([3, 7]);
    // Swapped files fail on the magic number, naming the file.
    expect(dataError(() => readIdxLabels(ip)).message).toContain(ip);
  });

  it("names a missing file", () => {
    const p = join(dir, "nope");
    const err = dataError(() => readIdxFile(p));
    expect(err.message).toContain(p);
    expect(err.message).toContain("ENOENT");
  });
});
