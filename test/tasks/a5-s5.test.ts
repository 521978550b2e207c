import { describe, expect, it } from "vitest";
import { compose, parity, symmetric } from "../../src/groups/index.js";
import { a5s5 } from "../../src/tasks/a5-s5.js";
import { SPLIT_NAMES, type Split } from "../../src/tasks/types.js";

const defaults = a5s5.configSchema.parse({});
const keyOf = (s: Split, i: number) => `${s.x[2 * i]},${s.x[2 * i + 1]}`;

describe("a5-s5", () => {
  const task = a5s5.build(defaults, 0);
  const s5 = symmetric(5);

  it("has the protocol's split sizes", () => {
    const n = Object.fromEntries(SPLIT_NAMES.map((k) => [k, task.splits[k].n]));
    expect(n["X.train"]).toBe(3240); // 0.9 × 3600
    expect(n["X.test"]).toBe(360);
    expect(n["Y.access"]).toBe(2160); // 0.2 × 10800
    expect(n["Y.test"]).toBe(3240); // 0.3 × 10800
    expect(n["Y.relearn"]).toBe(5400);
    expect(task.numClasses).toBe(120);
    expect(task.input).toEqual({ kind: "tokens", vocab: 120, length: 2 });
    expect(task.chanceX).toBeCloseTo(1 / 120);
  });

  it("X is exactly A5×A5 and Y exactly the pairs with an odd element", () => {
    const even = (i: number) => parity(s5.elements[i]) === 0;
    for (const name of ["X.train", "X.test"] as const) {
      const s = task.splits[name];
      for (let i = 0; i < s.n; i++) expect(even(s.x[2 * i]) && even(s.x[2 * i + 1])).toBe(true);
    }
    for (const name of ["Y.access", "Y.test", "Y.relearn"] as const) {
      const s = task.splits[name];
      for (let i = 0; i < s.n; i++) expect(even(s.x[2 * i]) && even(s.x[2 * i + 1])).toBe(false);
    }
  });

  it("labels are the composition a∘b", () => {
    for (const name of SPLIT_NAMES) {
      const s = task.splits[name];
      for (let i = 0; i < s.n; i += 7) {
        const ab = compose(s5.elements[s.x[2 * i]], s5.elements[s.x[2 * i + 1]]);
        expect(s.y[i]).toBe(s5.indexOf(ab));
      }
    }
  });

  it("splits are disjoint and cover all 14,400 pairs", () => {
    const seen = new Set<string>();
    for (const name of SPLIT_NAMES) {
      const s = task.splits[name];
      for (let i = 0; i < s.n; i++) {
        const k = keyOf(s, i);
        expect(seen.has(k)).toBe(false);
        seen.add(k);
      }
    }
    expect(seen.size).toBe(14400);
  });

  it("is deterministic per seed and different across seeds", () => {
    const again = a5s5.build(defaults, 0);
    const other = a5s5.build(defaults, 1);
    for (const name of SPLIT_NAMES) {
      expect(again.splits[name].x).toEqual(task.splits[name].x);
      expect(again.splits[name].y).toEqual(task.splits[name].y);
    }
    expect(other.splits["X.train"].x).not.toEqual(task.splits["X.train"].x);
  });

  it("rejects fractions that leave Y.relearn empty", () => {
    expect(() => a5s5.build({ ...defaults, yAccessFraction: 0.6, yTestFraction: 0.5 }, 0)).toThrow(
      /Y.relearn is not empty/,
    );
  });
});
