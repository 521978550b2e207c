import { describe, expect, it } from "vitest";
import { mean, meanCI, sampleStd, tCdf, tQuantile } from "../../src/eval/stats.js";

describe("stats", () => {
  it("t quantiles match published tables", () => {
    // Two-sided 95% (p = 0.975) and 99% (p = 0.995) critical values, e.g. NIST/SEMATECH table.
    const cases: [number, number, number][] = [
      [0.975, 1, 12.7062],
      [0.975, 2, 4.3027],
      [0.975, 3, 3.1824],
      [0.975, 4, 2.7764],
      [0.975, 9, 2.2622],
      [0.975, 30, 2.0423],
      [0.995, 5, 4.0321],
      [0.95, 10, 1.8125],
    ];
    for (const [p, df, t] of cases) expect(tQuantile(p, df)).toBeCloseTo(t, 4);
    // Large df tends to the normal quantile.
    expect(tQuantile(0.975, 1e6)).toBeCloseTo(1.95996, 4);
    // Symmetry and the CDF's closed form for df = 1 (Cauchy): F(t) = 1/2 + atan(t)/π.
    expect(tQuantile(0.025, 2)).toBeCloseTo(-4.3027, 4);
    for (const t of [-3, -0.5, 0, 0.7, 5]) expect(tCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
    // df = 2 has F(t) = 1/2 + t / (2√(2 + t²)).
    for (const t of [-2, 0.3, 4]) expect(tCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
  });

  it("mean and 95% CI over 3 seeds use t_{0.975,2} = 4.303", () => {
    const ci = meanCI([1, 2, 3]);
    expect(ci.mean).toBe(2);
    expect(ci.sd).toBeCloseTo(1, 12);
    expect(ci.halfWidth).toBeCloseTo(4.302653 / Math.sqrt(3), 5); // 2.48414
    expect(ci.lo).toBeCloseTo(2 - 2.48414, 4);
    expect(ci.hi).toBeCloseTo(2 + 2.48414, 4);
    // n = 5, values 0.2 0.4 0.4 0.6 0.9: mean 0.5, s = √(0.28/4) = 0.264575, t_{0.975,4} = 2.776445.
    const c5 = meanCI([0.2, 0.4, 0.4, 0.6, 0.9]);
    expect(c5.mean).toBeCloseTo(0.5, 12);
    expect(c5.halfWidth).toBeCloseTo((2.776445 * Math.sqrt(0.28 / 4)) / Math.sqrt(5), 5);
  });

  it("edge cases: one seed has no interval, a NaN seed poisons the mean", () => {
    expect(meanCI([0.7]).mean).toBe(0.7);
    expect(meanCI([0.7]).halfWidth).toBeNaN();
    expect(meanCI([0.5, Number.NaN, 0.7]).mean).toBeNaN();
    expect(mean([])).toBeNaN();
    expect(sampleStd([3])).toBeNaN();
    expect(() => tQuantile(1, 3)).toThrow(/p must be in \(0, 1\)/);
    expect(() => meanCI([1, 2], 95)).toThrow(/level must be in \(0, 1\)/);
  });
});
