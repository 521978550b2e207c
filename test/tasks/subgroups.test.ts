import { describe, expect, it } from "vitest";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import { compose, type Perm, parity, symmetric } from "../../src/groups/index.js";
import { SUBGROUP_KEY, subgroups } from "../../src/tasks/subgroups.js";
import { SPLIT_NAMES, type Split } from "../../src/tasks/types.js";
import { ConfigError } from "../../src/util/errors.js";
import { sameSplit } from "./same-split.js";

const defaults = subgroups.configSchema.parse({});
const build = (over: Record<string, unknown> = {}, seed = 0) =>
  subgroups.build(subgroups.configSchema.parse({ ...over }), seed);
const keyOf = (s: Split, i: number) => `${s.x[2 * i]},${s.x[2 * i + 1]}`;

// Independent definitions of the default subgroups of S4.
const isEven = (p: Perm) => parity(p) === 0;
/** Symmetries of the square 0-1-2-3-0: permutations that map every edge to an edge. */
const isSquareSymmetry = (p: Perm) =>
  [0, 1, 2, 3].every((i) => {
    const d = (p[(i + 1) % 4] - p[i] + 4) % 4;
    return d === 1 || d === 3;
  });

describe("subgroups", () => {
  const task = subgroups.build(defaults, 0);
  const perms = task.info.perms as number[][];
  const s4 = symmetric(4);

  it("defaults to G = S4, H1 = A4, H2 = D4 with tokens over all of S4", () => {
    expect(perms).toEqual(s4.elements.map((p) => [...p]));
    expect(task.info.orders).toEqual({ G: 24, H1: 12, H2: 8, H1capH2: 4 });
    const h1 = (task.info.h1Indices as number[]).map((i) => perms[i]);
    const h2 = (task.info.h2Indices as number[]).map((i) => perms[i]);
    expect(h1.every(isEven)).toBe(true);
    expect(h2.every(isSquareSymmetry)).toBe(true);
    expect(task.input).toEqual({ kind: "tokens", vocab: 24, length: 2 });
    expect(task.numClasses).toBe(24);
    expect(task.chanceX).toBeCloseTo(1 / 24);
    expect(subgroups.defaultModel).toBe("embed-mlp");
  });

  it("has the split sizes the fractions give: 192 X pairs (144 + 64 − 16), 384 Y pairs", () => {
    const n = Object.fromEntries(SPLIT_NAMES.map((k) => [k, task.splits[k].n]));
    expect(n).toEqual({ "X.train": 154, "X.test": 38, "Y.access": 77, "Y.test": 115, "Y.relearn": 192 });
  });

  it("X is exactly the pairs within A4 or within D4, Y the rest; groupKey says which", () => {
    for (const name of SPLIT_NAMES) {
      const s = task.splits[name];
      for (let i = 0; i < s.n; i++) {
        const a = perms[s.x[2 * i]];
        const b = perms[s.x[2 * i + 1]];
        const inA4 = isEven(a) && isEven(b);
        const inD4 = isSquareSymmetry(a) && isSquareSymmetry(b);
        expect(inA4 || inD4).toBe(name.startsWith("X"));
        expect(s.groupKey?.[i]).toBe((inA4 ? SUBGROUP_KEY.H1 : 0) | (inD4 ? SUBGROUP_KEY.H2 : 0));
      }
    }
  });

  it("labels are the composition a∘b (b first)", () => {
    for (const name of SPLIT_NAMES) {
      const s = task.splits[name];
      for (let i = 0; i < s.n; i++) {
        const ab = compose(perms[s.x[2 * i]], perms[s.x[2 * i + 1]]);
        expect(perms[s.y[i]]).toEqual([...ab]);
        // spelled out: (a∘b)(j) = a(b(j))
        expect(ab[3]).toBe(perms[s.x[2 * i]][perms[s.x[2 * i + 1]][3]]);
      }
    }
  });

  it("splits are disjoint and cover all 576 pairs", () => {
    const seen = new Set<string>();
    for (const name of SPLIT_NAMES) {
      const s = task.splits[name];
      for (let i = 0; i < s.n; i++) seen.add(keyOf(s, i));
    }
    expect(seen.size).toBe(576);
  });

  it("is deterministic per seed and different across seeds", () => {
    const again = subgroups.build(defaults, 0);
    for (const name of SPLIT_NAMES) expect(sameSplit(again.splits[name], task.splits[name])).toBe(true);
    expect(subgroups.build(defaults, 1).splits["X.train"].x).not.toEqual(task.splits["X.train"].x);
  });

  it("accepts image arrays and cycle notation alike", () => {
    const arrays = build({
      G: [
        [1, 2, 3, 0],
        [1, 0, 2, 3],
      ],
      H1: ["(0,1,2)", [0, 2, 3, 1]],
      H2: ["(0 1 2 3)", "(1 3)(0)"],
    });
    for (const name of SPLIT_NAMES) expect(sameSplit(arrays.splits[name], task.splits[name])).toBe(true);
  });

  it("builds other groups: S3 from ⟨(0 1)⟩ and ⟨(0 1 2)⟩ has 4 + 9 − 1 X pairs", () => {
    const t = build({ G: ["(0 1 2)", "(0 1)"], H1: ["(0 1)"], H2: ["(0 1 2)"] });
    expect(t.numClasses).toBe(6);
    expect(t.splits["X.train"].n + t.splits["X.test"].n).toBe(12);
    expect(t.splits["Y.access"].n + t.splits["Y.test"].n + t.splits["Y.relearn"].n).toBe(24);
  });

  it("names every bad parameter", () => {
    const bad = (over: Record<string, unknown>) => () => subgroups.build({ ...defaults, ...over }, 0);
    expect(bad({ H1: [[0, 0, 1, 2]] })).toThrow(ConfigError);
    expect(bad({ H1: [[0, 0, 1, 2]] })).toThrow(/task\.H1: generator #0: \[0,0,1,2\] is not a permutation/);
    expect(bad({ H2: ["(0 1 1)"] })).toThrow(/task\.H2: generator #0: '\(0 1 1\)' is not a permutation: point 1/);
    expect(bad({ G: ["(0 x)"] })).toThrow(/task\.G: generator #0: '\(0 x\)' is not cycle notation/);
    expect(bad({ H1: [[1, 0]] })).toThrow(/has 2 images but the groups act on 4 points/);
    expect(bad({ H2: [] })).toThrow(/task\.H2: needs at least one generator/);
    // A4 and the Klein four-group generate only A4.
    expect(bad({ H2: ["(0 1)(2 3)", "(0 2)(1 3)"] })).toThrow(
      /H1 and H2 do not generate G: ⟨H1, H2⟩ has order 12 but \|G\| = 24, \|H1\| = 12, \|H2\| = 4/,
    );
    expect(bad({ G: ["(0 1 2)", "(1 2 3)"] })).toThrow(/task\.H2: is not a subgroup of G: its generators \(0 1 2 3\)/);
    expect(bad({ H1: ["(0 1 2 3)", "(0 1)"] })).toThrow(/task\.H1: generates all of G.*Y .* would be empty/);
    expect(bad({ G: ["(0 1 2 3 4 5 6 7 8)"] })).toThrow(/act on 9 points; at most 8/);
    expect(bad({ yAccessFraction: 0.6, yTestFraction: 0.5 })).toThrow(/Y\.relearn is not empty/);
  });

  it("reports bad generators at config resolution, before anything is built", () => {
    const resolve = (sets: string[]) =>
      resolveRunConfig(applySets({ task: { name: "subgroups" }, technique: { name: "baseline" } }, sets));
    expect(() => resolve(["task.H1=[[0,0,1,2]]"])).toThrow(/task\.H1: generator #0: \[0,0,1,2\] is not a permutation/);
    expect(resolve(['task.H2=["(0 1 2 3)","(1 3)"]']).task.H2).toEqual(["(0 1 2 3)", "(1 3)"]);
  });
});
