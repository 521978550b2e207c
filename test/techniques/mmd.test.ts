import { beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "../../src/engine/tf.js";
import { tf } from "../../src/engine/tf.js";
import { gaussianMmd } from "../../src/techniques/shared/mmd.js";
import { fastBackend } from "../helpers.js";

const value = (t: Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

describe("gaussianMmd", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("matches a hand-computed value: {0} vs {1}, bandwidth 1, five kernels h/4 … 4h", () => {
    // ‖0 − 1‖² = 1; K(0,1) = e^-4 + e^-2 + e^-1 + e^-1/2 + e^-1/4 = 1.9068618…, K(p,p) = 5.
    // MMD² = 5 + 5 − 2·1.9068618 = 6.1862764.
    const a = tf.tensor2d([[0]]);
    const b = tf.tensor2d([[1]]);
    expect(value(gaussianMmd(a, b, { bandwidth: 1 }))).toBeCloseTo(6.1862764, 5);
    tf.dispose([a, b]);
  });

  it("matches a hand-computed value with the data bandwidth: {0, 1} vs {2, 4}, one kernel", () => {
    // Squared distances: (0,1)=1 (0,2)=4 (0,4)=16 (1,2)=1 (1,4)=9 (2,4)=4; h = 2·35 / (4·3) = 35/6.
    // mean K_aa = (2 + 2e^{-6/35}) / 4, mean K_bb = (2 + 2e^{-24/35}) / 4,
    // mean K_ab = (e^{-24/35} + e^{-96/35} + e^{-6/35} + e^{-54/35}) / 4.
    // By hand: e^{-6/35} = 0.842460, e^{-24/35} = 0.503730, e^{-54/35} = 0.213769, e^{-96/35} = 0.064386,
    // so 0.921230 + 0.751865 − 2·0.406087 = 0.860922.
    const e = (d2: number) => Math.exp((-d2 * 6) / 35);
    const expected = (2 + 2 * e(1)) / 4 + (2 + 2 * e(4)) / 4 - (2 * (e(4) + e(16) + e(1) + e(9))) / 4;
    const a = tf.tensor2d([[0], [1]]);
    const b = tf.tensor2d([[2], [4]]);
    expect(expected).toBeCloseTo(0.860922, 5);
    expect(value(gaussianMmd(a, b, { kernelNum: 1 }))).toBeCloseTo(expected, 5);
    tf.dispose([a, b]);
  });

  it("is 0 for identical sets, symmetric, and averages unequal-size blocks separately", () => {
    const a = tf.tensor2d([
      [0, 1],
      [2, -1],
      [0.5, 0.5],
    ]);
    const b = tf.tensor2d([
      [3, 3],
      [1, 0],
    ]);
    expect(Math.abs(value(gaussianMmd(a, a)))).toBeLessThan(1e-5);
    const ab = value(gaussianMmd(a, b));
    expect(value(gaussianMmd(b, a))).toBeCloseTo(ab, 5);
    expect(ab).toBeGreaterThan(0);
    expect(ab).toBeLessThanOrEqual(10);
    tf.dispose([a, b]);
  });

  it("has the gradient of the fixed-bandwidth formula (the data bandwidth is a constant)", () => {
    const a = tf.tensor2d([[0], [1]]);
    const b = tf.tensor2d([[2], [4]]);
    const g = tf.grad((x: Tensor) => gaussianMmd(a, x, { kernelNum: 1 }))(b);
    // d/db_j of −2·mean K_ab + mean K_bb with h = 35/6 held fixed, by central differences.
    const h = 35 / 6;
    const f = (b0: number, b1: number) => {
      const k = (p: number, q: number) => Math.exp(-((p - q) ** 2) / h);
      const bs = [b0, b1];
      let kbb = 0;
      let kab = 0;
      for (const p of bs) for (const q of bs) kbb += k(p, q) / 4;
      for (const p of [0, 1]) for (const q of bs) kab += k(p, q) / 4;
      return kbb - 2 * kab;
    };
    const eps = 1e-4;
    const num = [(f(2 + eps, 4) - f(2 - eps, 4)) / (2 * eps), (f(2, 4 + eps) - f(2, 4 - eps)) / (2 * eps)];
    const got = g.dataSync();
    expect(got[0]).toBeCloseTo(num[0], 4);
    expect(got[1]).toBeCloseTo(num[1], 4);
    // Moving b away from a raises the MMD: the gradient points away from a (positive).
    expect(got[0]).toBeGreaterThan(0);
    tf.dispose([a, b, g]);
  });
});
