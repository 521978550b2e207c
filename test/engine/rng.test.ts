import { describe, expect, it } from "vitest";
import { deriveSeed, hashString, Rng } from "../../src/engine/rng.js";

describe("Rng", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextU32()
      )(new Rng(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextU32()
      )(new Rng(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextU32()
      )(new Rng(43)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("uniform has mean 1/2 and variance 1/12", () => {
    const r = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it("normal has mean 0, std 1 and the right tail mass", () => {
    const xs = new Rng(2).normalArray(200_000, 1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(v) - 1)).toBeLessThan(0.01);
    // P(|Z| > 1.96) = 0.05
    const tail = xs.filter((x) => Math.abs(x) > 1.96).length / xs.length;
    expect(Math.abs(tail - 0.05)).toBeLessThan(0.003);
  });

  it("int is unbiased over a range that does not divide 2^32", () => {
    const r = new Rng(3);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(() => r.int(0)).toThrow(/positive integer/);
  });

  it("permutation is a permutation", () => {
    const p = new Rng(4).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("fork depends on the label and the seed, not on draws made before", () => {
    const r1 = new Rng(5);
    const r2 = new Rng(5);
    for (let i = 0; i < 10; i++) r2.nextU32();
    expect(r1.fork("data").nextU32()).toBe(r2.fork("data").nextU32());
    expect(r1.fork("data").nextU32()).not.toBe(r1.fork("init").nextU32());
    expect(deriveSeed(5, "x")).not.toBe(deriveSeed(6, "x"));
    expect(hashString("abc")).toBe(hashString("abc"));
  });
});
