import { describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { fourierShares } from "../../src/interp/fourier.js";

/** A p×d matrix from column functions of the residue a. */
function matrix(p: number, cols: ((a: number) => number)[]): Float64Array {
  const W = new Float64Array(p * cols.length);
  for (let a = 0; a < p; a++) {
    cols.forEach((f, j) => {
      W[a * cols.length + j] = f(a);
    });
  }
  return W;
}
const cos =
  (k: number, p: number, phase = 0) =>
  (a: number) =>
    Math.cos((2 * Math.PI * k * a) / p + phase);
const sin = (k: number, p: number) => (a: number) => Math.sin((2 * Math.PI * k * a) / p);

describe("fourierShares", () => {
  it("an embedding cos(2πka/p) reports frequency k with the whole norm", () => {
    const p = 113;
    const r = fourierShares(matrix(p, [cos(14, p), (a) => 3 * Math.cos((2 * Math.PI * 14 * a) / p + 1) + 7]), p, 2);
    expect(r.shares).toHaveLength(56);
    expect(r.keyFrequencies).toEqual([14]);
    expect(r.shares[13].share).toBeCloseTo(1, 10);
    expect(r.keyShare).toBeCloseTo(1, 10);
    // p − k is the same real frequency.
    expect(fourierShares(matrix(p, [cos(p - 14, p)]), p, 1).keyFrequencies).toEqual([14]);
  });

  it("splits the norm between frequencies by their sums of squares", () => {
    // cos and sin at k = 3 (amplitude 1 each) and 0.75·cos at k = 7: energies p/2 + p/2 and 0.5625·p/2.
    const p = 31;
    const W = matrix(p, [cos(3, p), sin(3, p), (a) => 0.75 * Math.cos((2 * Math.PI * 7 * a) / p)]);
    const r = fourierShares(W, p, 3);
    expect(r.shares[2].share).toBeCloseTo(1 / 1.28125, 10);
    expect(r.shares[6].share).toBeCloseTo(0.28125 / 1.28125, 10);
    expect(r.keyFrequencies).toEqual([3, 7]);
    expect(r.keyShare).toBeCloseTo(1, 10);
    expect(fourierShares(W, p, 3, { threshold: 0.5 }).keyFrequencies).toEqual([3]);
    // 0.5·cos at k = 7 holds 0.111 < 2 × 1/15: not key.
    const weak = matrix(p, [cos(3, p), sin(3, p), (a) => 0.5 * Math.cos((2 * Math.PI * 7 * a) / p)]);
    expect(fourierShares(weak, p, 3).keyFrequencies).toEqual([3]);
  });

  it("handles the Nyquist frequency of an even p and sums to 1 on random data", () => {
    const r = fourierShares(matrix(8, [(a) => (a % 2 ? -1 : 1)]), 8, 1);
    expect(r.shares.map((s) => s.k)).toEqual([1, 2, 3, 4]);
    expect(r.shares[3].share).toBeCloseTo(1, 12);
    const rng = new Rng(3);
    const W = rng.normalArray(17 * 5);
    const rnd = fourierShares(W, 17, 5, { threshold: 0 });
    expect(rnd.shares.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 12);
    // A random 29×256 embedding spreads evenly: no frequency is key.
    expect(fourierShares(new Rng(4).normalArray(29 * 256), 29, 256).keyFrequencies).toEqual([]);
  });

  it("rejects a matrix of the wrong size", () => {
    expect(() => fourierShares(new Float64Array(10), 7, 2)).toThrow(/expected 7×2 = 14 values, got 10/);
  });
});
