import { describe, expect, it } from "vitest";
import { computeScore } from "../../src/eval/score.js";

const chance = { x: 0.1, y: 0.1 };
const base = { accX: 0.9, accY: 0.6, probeY: 0.8, probeY_fresh: 0.3, relearnY: 0.7, relearnY_fresh: 0.2 };

describe("computeScore (protocol §4)", () => {
  it("matches a hand-computed case", () => {
    const run = { accX: 0.5, accY: 0.1, probeY: 0.55, probeY_fresh: 0.3, relearnY: 0.575, relearnY_fresh: 0.2 };
    const s = computeScore(run, base, chance);
    // retainX = (0.5 − 0.1) / (0.9 − 0.1) = 0.5
    expect(s.retainX).toBeCloseTo(0.5, 12);
    // accY: (0.1 − 0.1)/(0.6 − 0.1) = 0; probeY: (0.55 − 0.3)/(0.8 − 0.3) = 0.5; relearnY: (0.575 − 0.2)/(0.7 − 0.2) = 0.75
    expect(s.components.accY?.leak).toBeCloseTo(0, 12);
    expect(s.components.probeY?.leak).toBeCloseTo(0.5, 12);
    expect(s.components.relearnY?.leak).toBeCloseTo(0.75, 12);
    expect(s.informative).toEqual(["accY", "probeY", "relearnY"]);
    expect(s.leakY).toBeCloseTo(0.75, 12);
    expect(s.score).toBeCloseTo(0.5 * 0.25, 12);
  });

  it("clips each term to [0, 1]", () => {
    const run = { accX: 0.95, accY: 0.05, probeY: 0.9, probeY_fresh: 0.3, relearnY: 0.1, relearnY_fresh: 0.2 };
    const s = computeScore(run, base, chance);
    expect(s.retainX).toBe(1); // better than the baseline on X
    expect(s.components.accY?.leak).toBe(0); // below chance
    expect(s.components.probeY?.leak).toBe(1); // above the baseline
    expect(s.components.relearnY?.leak).toBe(0); // below fresh
    expect(s.leakY).toBe(1);
    expect(s.score).toBe(0);
  });

  it("reports uninformative components (denominator < 0.05) and leaves them out", () => {
    // accY_base − chanceY = 0.02, probeY_base − fresh = 0.04: both out; relearn is informative.
    const b = { ...base, accY: 0.12, probeY: 0.34 };
    const run = { accX: 0.9, accY: 0.12, probeY: 0.34, probeY_fresh: 0.3, relearnY: 0.3, relearnY_fresh: 0.2 };
    const s = computeScore(run, b, chance);
    expect(s.components.accY?.informative).toBe(false);
    expect(s.components.accY?.denominator).toBeCloseTo(0.02, 12);
    expect(s.components.accY?.note).toMatch(/not informative/);
    expect(s.components.probeY?.informative).toBe(false);
    expect(s.informative).toEqual(["relearnY"]);
    expect(s.leakY).toBeCloseTo(0.2, 12); // (0.3 − 0.2)/(0.7 − 0.2)
    expect(s.score).toBeCloseTo(0.8, 12);
    // A negative denominator (baseline below fresh) is not informative either.
    const neg = computeScore(run, { ...b, relearnY: 0.1 }, chance);
    expect(neg.components.relearnY?.informative).toBe(false);
    expect(neg.informative).toEqual([]);
    expect(neg.score).toBeNaN();
    expect(neg.note).toMatch(/no informative leak component/);
  });

  it("the baseline scores 0 against itself", () => {
    const s = computeScore(base, base, chance);
    expect(s.retainX).toBe(1);
    expect(s.leakY).toBe(1);
    expect(s.score).toBe(0);
  });

  it("uses the baseline's fresh values when the run has none, and skips components nobody measured", () => {
    const run = { accX: 0.9, accY: 0.1, probeY: 0.55 };
    const s = computeScore(run, { accX: 0.9, accY: 0.6, probeY: 0.8, probeY_fresh: 0.3 }, chance);
    expect(s.components.probeY?.fresh).toBe(0.3);
    expect(s.components.relearnY).toBeUndefined();
    expect(s.leakY).toBeCloseTo(0.5, 12);
  });

  it("retainX is undefined when the baseline does not beat chance on X", () => {
    const s = computeScore({ accX: 0.5, accY: 0.1 }, { accX: 0.1, accY: 0.6 }, chance);
    expect(s.retainX).toBeNaN();
    expect(s.score).toBeNaN();
    expect(s.note).toMatch(/does not beat chance on X/);
  });
});
