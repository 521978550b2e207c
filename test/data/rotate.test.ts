import { describe, expect, it } from "vitest";
import { bilinearSample, cosSinDeg, rotateBatch, rotateImage } from "../../src/data/rotate.js";
import { Rng } from "../../src/engine/rng.js";
import { ConfigError } from "../../src/util/errors.js";

/** An image with no rotational or mirror symmetry: distinct random values. */
function asymmetric(h: number, w: number, c = 1, seed = 1): Float32Array {
  return new Rng(seed).uniformArray(h * w * c);
}

/** A smooth image (a sum of off-centre gaussian blobs) so that bilinear resampling is accurate. */
function smooth(n: number): Float32Array {
  const out = new Float32Array(n * n);
  const blobs = [
    [0.3, 0.4, 0.15],
    [0.65, 0.55, 0.2],
    [0.5, 0.25, 0.1],
  ];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let v = 0;
      for (const [by, bx, s] of blobs) {
        const dy = r / n - by;
        const dx = c / n - bx;
        v += Math.exp(-(dx * dx + dy * dy) / (2 * s * s));
      }
      out[r * n + c] = v / 2;
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, mask?: (i: number) => boolean): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!mask || mask(i)) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("rotateImage", () => {
  it("90° clockwise is the exact index permutation out[r][c] = in[n-1-c][r]", () => {
    for (const n of [5, 6, 28]) {
      const img = asymmetric(n, n);
      const out = rotateImage(img, { height: n, width: n }, 90);
      const expected = new Float32Array(n * n);
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expected[r * n + c] = img[(n - 1 - c) * n + r];
      expect(maxAbsDiff(out, expected)).toBeLessThan(1e-6);
    }
  });

  it("90° is clockwise as displayed: the top-left corner moves to the top-right", () => {
    const img = new Float32Array(9);
    img[0] = 1;
    const out = rotateImage(img, { height: 3, width: 3 }, 90);
    expect(out[2]).toBe(1);
    expect(out.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("permutes multi-channel HWC images channel by channel", () => {
    const n = 7;
    const img = asymmetric(n, n, 3);
    const out = rotateImage(img, { height: n, width: n, channels: 3 }, -90);
    // -90° (counter-clockwise): out[r][c] = in[c][n-1-r]
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        for (let k = 0; k < 3; k++) {
          expect(out[(r * n + c) * 3 + k]).toBeCloseTo(img[(c * n + (n - 1 - r)) * 3 + k], 6);
        }
      }
    }
  });

  it("0° is the identity and 360° (and 720°, -360°) too", () => {
    const img = asymmetric(28, 28);
    expect(maxAbsDiff(rotateImage(img, { height: 28, width: 28 }, 0), img)).toBe(0);
    for (const a of [360, 720, -360]) {
      expect(maxAbsDiff(rotateImage(img, { height: 28, width: 28 }, a), img)).toBeLessThan(1e-6);
    }
  });

  it("360° computed the generic way (non-snapped) is close to the identity", () => {
    // 359.9999999° avoids the exact-multiple shortcut and exercises the float path.
    const img = asymmetric(28, 28);
    expect(maxAbsDiff(rotateImage(img, { height: 28, width: 28 }, 360 - 1e-7), img)).toBeLessThan(1e-4);
  });

  it("rotating by a then b ≈ rotating by a + b in the interior", () => {
    const n = 48;
    const img = smooth(n);
    const shape = { height: n, width: n };
    const c = (n - 1) / 2;
    const interior = (i: number) => Math.hypot(Math.floor(i / n) - c, (i % n) - c) < n * 0.3;
    for (const [a, b] of [
      [30, 45],
      [17, -50],
      [100, 125],
    ]) {
      const twice = rotateImage(rotateImage(img, shape, a), shape, b);
      const once = rotateImage(img, shape, a + b);
      // Two resamplings blur slightly more than one (measured ~0.007 here)...
      expect(maxAbsDiff(twice, once, interior)).toBeLessThan(0.01);
      // ...while a 5° error in the angle is far larger, so the check has teeth.
      expect(maxAbsDiff(twice, rotateImage(img, shape, a + b + 5), interior)).toBeGreaterThan(0.05);
    }
  });

  it("fills with zeros what rotates in from outside", () => {
    const n = 10;
    const ones = new Float32Array(n * n).fill(1);
    const out = rotateImage(ones, { height: n, width: n }, 45);
    expect(out[0]).toBe(0); // a corner comes from far outside
    expect(out[Math.floor(n / 2) * n + Math.floor(n / 2)]).toBeCloseTo(1, 6); // the centre stays
  });

  it("conserves mass of an interior blob", () => {
    const n = 40;
    const img = smooth(n);
    // Only count a blob well inside: zero the border so nothing rotates out.
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (Math.hypot(r - 19.5, c - 19.5) > 14) img[r * n + c] = 0;
    const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    const rel = sum(rotateImage(img, { height: n, width: n }, 33)) / sum(img);
    expect(Math.abs(rel - 1)).toBeLessThan(0.01);
  });

  it("rejects mismatched lengths and non-finite angles", () => {
    expect(() => rotateImage(new Float32Array(10), { height: 3, width: 3 }, 10)).toThrow(ConfigError);
    expect(() => rotateImage(new Float32Array(9), { height: 3, width: 3 }, Number.NaN)).toThrow(ConfigError);
    const img = new Float32Array(9);
    expect(() => rotateImage(img, { height: 3, width: 3 }, 10, img)).toThrow(/must not be the source/);
  });
});

describe("bilinearSample", () => {
  const img = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2 rows x 3 cols
  const shape = { height: 2, width: 3, channels: 1 };

  it("returns the pixel at integer positions", () => {
    expect(bilinearSample(img, shape, 1, 2)).toBe(6);
  });

  it("at a half-pixel is the average of the neighbours", () => {
    expect(bilinearSample(img, shape, 0.5, 0.5)).toBeCloseTo((1 + 2 + 4 + 5) / 4, 12);
    expect(bilinearSample(img, shape, 0, 1.5)).toBeCloseTo((2 + 3) / 2, 12);
    expect(bilinearSample(img, shape, 0.5, 2)).toBeCloseTo((3 + 6) / 2, 12);
  });

  it("treats outside as zero", () => {
    expect(bilinearSample(img, shape, 0, -0.5)).toBeCloseTo(0.5, 12);
    expect(bilinearSample(img, shape, -5, 0)).toBe(0);
  });
});

describe("cosSinDeg", () => {
  it("is exact at multiples of 90° and matches Math elsewhere", () => {
    expect(cosSinDeg(90)).toEqual([0, 1]);
    expect(cosSinDeg(-90)).toEqual([0, -1]);
    expect(cosSinDeg(540)).toEqual([-1, 0]);
    const [c, s] = cosSinDeg(30);
    expect(c).toBeCloseTo(Math.sqrt(3) / 2, 15);
    expect(s).toBeCloseTo(0.5, 15);
  });
});

describe("rotateBatch", () => {
  it("rotates each image by its own angle", () => {
    const n = 6;
    const a = asymmetric(n, n, 1, 1);
    const b = asymmetric(n, n, 1, 2);
    const batch = new Float32Array(2 * n * n);
    batch.set(a, 0);
    batch.set(b, n * n);
    const out = rotateBatch(batch, { height: n, width: n }, [90, 37]);
    expect(maxAbsDiff(out.subarray(0, n * n), rotateImage(a, { height: n, width: n }, 90))).toBe(0);
    expect(maxAbsDiff(out.subarray(n * n), rotateImage(b, { height: n, width: n }, 37))).toBe(0);
  });

  it("checks that there is one angle per image", () => {
    expect(() => rotateBatch(new Float32Array(2 * 9), { height: 3, width: 3 }, [1])).toThrow(/expected 1 image/);
  });
});
