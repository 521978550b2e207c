import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, encodePng, floatImageToPng, imageGrid, PNG_SIGNATURE, toBytes, upscale } from "../../src/data/png.js";
import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/util/errors.js";

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
}

/** Split a PNG file into chunks, checking the signature and each CRC. */
function chunks(png: Uint8Array): Chunk[] {
  expect(Array.from(png.subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  let o = 8;
  while (o < png.length) {
    const len = view.getUint32(o, false);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    const crc = view.getUint32(o + 8 + len, false);
    expect(crc).toBe(crc32(png.subarray(o + 4, o + 8 + len)));
    out.push({ type, data, crc });
    o += 12 + len;
  }
  expect(o).toBe(png.length);
  return out;
}

/** Minimal decoder for what encodePng writes: 8-bit, no interlace, filter 0 on every row. */
function decode(png: Uint8Array) {
  const cs = chunks(png);
  expect(cs[0].type).toBe("IHDR");
  expect(cs.at(-1)?.type).toBe("IEND");
  const h = new DataView(cs[0].data.buffer, cs[0].data.byteOffset, 13);
  const width = h.getUint32(0, false);
  const height = h.getUint32(4, false);
  expect(cs[0].data[8]).toBe(8);
  const channels = ({ 0: 1, 2: 3, 6: 4 } as Record<number, number>)[cs[0].data[9]];
  expect([cs[0].data[10], cs[0].data[11], cs[0].data[12]]).toEqual([0, 0, 0]);
  const idat = Buffer.concat(cs.filter((c) => c.type === "IDAT").map((c) => c.data));
  const raw = inflateSync(idat);
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = new Uint8Array(height * stride);
  for (let r = 0; r < height; r++) {
    expect(raw[r * (stride + 1)]).toBe(0);
    pixels.set(raw.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1)), r * stride);
  }
  return { width, height, channels, pixels };
}

describe("crc32", () => {
  it("matches known values", () => {
    expect(crc32(new TextEncoder().encode("IEND"))).toBe(0xae426082);
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe("encodePng", () => {
  it("round-trips gray, RGB and RGBA pixels through a reference decode", () => {
    const rng = new Rng(1);
    for (const channels of [1, 3, 4] as const) {
      const [w, h] = [7, 5];
      const pixels = Uint8Array.from({ length: w * h * channels }, () => rng.int(256));
      const png = encodePng(pixels, w, h, channels);
      const d = decode(png);
      expect([d.width, d.height, d.channels]).toEqual([w, h, channels]);
      expect(Buffer.from(d.pixels).equals(Buffer.from(pixels))).toBe(true);
    }
  });

  it("ends with the standard IEND chunk whose CRC is AE426082", () => {
    const png = encodePng(new Uint8Array(3), 1, 1, 3);
    expect(Buffer.from(png.subarray(-12)).toString("hex")).toBe("0000000049454e44ae426082");
  });

  it("rejects bad geometry", () => {
    expect(() => encodePng(new Uint8Array(5), 2, 2, 1)).toThrow(ConfigError);
    expect(() => encodePng(new Uint8Array(8), 2, 2, 2 as 1)).toThrow(/channels must be 1, 3 or 4/);
  });
});

describe("toBytes", () => {
  it("clamps and rounds", () => {
    expect(Array.from(toBytes([-1, 0, 0.5, 1, 2, Number.NaN, 1 / 255]))).toEqual([0, 0, 128, 255, 255, 0, 1]);
  });
});

describe("imageGrid", () => {
  const tiles = Float32Array.from({ length: 5 * 2 * 3 }, (_, i) => Math.floor(i / 6) / 10 + 0.05); // 5 tiles of 2x3, constant each

  it("places tiles row by row with padding and blank cells", () => {
    const g = imageGrid(tiles, { height: 2, width: 3, cols: 3, pad: 1, padValue: 0.5 });
    // 2 rows x 3 cols: height 2*2 + 3 = 7, width 3*3 + 4 = 13
    expect([g.height, g.width, g.channels]).toEqual([7, 13, 1]);
    const at = (r: number, c: number) => g.data[r * g.width + c];
    expect(at(0, 0)).toBe(0.5); // border
    expect(at(1, 1)).toBeCloseTo(0.05, 6); // tile 0
    expect(at(2, 3)).toBeCloseTo(0.05, 6);
    expect(at(1, 4)).toBe(0.5); // gap between tiles
    expect(at(1, 5)).toBeCloseTo(0.15, 6); // tile 1
    expect(at(4, 1)).toBeCloseTo(0.35, 6); // tile 3, second row
    expect(at(4, 9)).toBe(0.5); // blank 6th cell
  });

  it("accepts an array of images and multi-channel tiles, and upscales", () => {
    const a = Float32Array.from([1, 0, 0, 0, 1, 0]); // 1x2 RGB
    const g = imageGrid([a, a], { height: 1, width: 2, channels: 3, cols: 2, pad: 0, scale: 2 });
    expect([g.height, g.width, g.channels]).toEqual([2, 8, 3]);
    expect(Array.from(g.data.subarray(0, 12))).toEqual([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0]);
    expect(Array.from(g.data.subarray(24, 27))).toEqual([1, 0, 0]); // second row repeats the first
  });

  it("encodes to a PNG whose pixels match the grid", () => {
    const g = imageGrid(tiles, { height: 2, width: 3, cols: 2, pad: 2, scale: 3 });
    const d = decode(floatImageToPng(g));
    expect([d.width, d.height, d.channels]).toEqual([g.width, g.height, 1]);
    expect(Buffer.from(d.pixels).equals(Buffer.from(toBytes(g.data)))).toBe(true);
  });

  it("drops images beyond rows x cols and validates options", () => {
    const g = imageGrid(tiles, { height: 2, width: 3, cols: 2, rows: 1, pad: 0 });
    expect([g.height, g.width]).toEqual([2, 6]);
    expect(() => imageGrid(tiles, { height: 2, width: 4, cols: 2 })).toThrow(/whole number/);
    expect(() => imageGrid(tiles, { height: 2, width: 3, cols: 0 })).toThrow(ConfigError);
    expect(() => imageGrid([new Float32Array(5)], { height: 2, width: 3, cols: 1 })).toThrow(ConfigError);
  });
});

describe("upscale", () => {
  it("repeats each pixel k×k", () => {
    const u = upscale({ data: Float32Array.from([1, 2, 3, 4]), height: 2, width: 2, channels: 1 }, 2);
    expect(Array.from(u.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
});
