import { describe, expect, it } from "vitest";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import { Rng } from "../../src/engine/rng.js";
import { type ModularOrdering, modular, orderedBatches } from "../../src/tasks/modular.js";
import { SPLIT_NAMES, type Split } from "../../src/tasks/types.js";
import { ConfigError } from "../../src/util/errors.js";
import { sameSplit } from "./same-split.js";

const defaults = modular.configSchema.parse({});
const build = (over: Record<string, unknown> = {}, seed = 0) =>
  modular.build(modular.configSchema.parse({ ...over }), seed);
const P_X = [7, 11, 13, 19, 23, 29];
const P_Y = [17];

/** The (a, b, p) an example stands for, p decoded from the modulus token independently of the task's map. */
function decode(s: Split, i: number, layout: "separate" | "shared"): [number, number, number] {
  const t = s.x[3 * i + 2];
  const all = [...P_X, ...P_Y].sort((x, y) => x - y);
  const p = layout === "shared" ? t : all[t - 29];
  return [s.x[3 * i], s.x[3 * i + 1], p];
}

describe("modular", () => {
  const task = modular.build(defaults, 0);

  it("defaults: P_X = 7…29 without 17, P_Y = [17]; tokens [a, b, p-token]; classes = max p", () => {
    expect(defaults.P_X).toEqual(P_X);
    expect(defaults.P_Y).toEqual(P_Y);
    expect(task.input).toEqual({ kind: "tokens", vocab: 29 + 7, length: 3 });
    expect(task.numClasses).toBe(29);
    expect(build({ layout: "shared" }).input).toEqual({ kind: "tokens", vocab: 30, length: 3 });
    expect(modular.defaultModel).toBe("transformer");
  });

  it("deals each modulus's p² pairs at the configured fractions", () => {
    for (const p of P_X) {
      const count = (s: Split) => s.groupKey?.filter((k) => k === p).length;
      expect(count(task.splits["X.train"])).toBe(Math.round(0.8 * p * p));
      expect(count(task.splits["X.test"])).toBe(p * p - Math.round(0.8 * p * p));
    }
    expect(task.splits["Y.access"].n).toBe(Math.round(0.2 * 289));
    expect(task.splits["Y.test"].n).toBe(Math.round(0.3 * 289));
    expect(task.splits["Y.relearn"].n).toBe(289 - 58 - 87);
  });

  for (const layout of ["separate", "shared"] as const) {
    it(`labels are (a + b) mod p and moduli are on the right side (${layout} layout)`, () => {
      const t = layout === "separate" ? task : build({ layout });
      for (const name of SPLIT_NAMES) {
        const s = t.splits[name];
        for (let i = 0; i < s.n; i++) {
          const [a, b, p] = decode(s, i, layout);
          expect(s.groupKey?.[i]).toBe(p);
          expect((name.startsWith("X") ? P_X : P_Y).includes(p)).toBe(true);
          expect(a < p && b < p).toBe(true);
          expect(s.y[i]).toBe((a + b) % p);
        }
      }
    });
  }

  it("splits are disjoint and cover every (a, b, p)", () => {
    const seen = new Set<string>();
    let total = 0;
    for (const name of SPLIT_NAMES) {
      const s = task.splits[name];
      total += s.n;
      for (let i = 0; i < s.n; i++) seen.add(decode(s, i, "separate").join(","));
    }
    const expected = [...P_X, ...P_Y].reduce((acc, p) => acc + p * p, 0);
    expect(total).toBe(expected);
    expect(seen.size).toBe(expected);
  });

  it("chance is the mean of 1/p over the test split", () => {
    const mean = (s: Split) => Array.from(s.groupKey as Int32Array).reduce((a, p) => a + 1 / p, 0) / s.n;
    expect(task.chanceX).toBeCloseTo(mean(task.splits["X.test"]), 12);
    expect(task.chanceY).toBeCloseTo(1 / 17, 12);
  });

  it("reports the share of pairs a model that never reduces mod p gets right", () => {
    const share = (s: Split) => {
      let c = 0;
      for (let i = 0; i < s.n; i++) {
        const [a, b, p] = decode(s, i, "separate");
        if ((a + b) % p === a + b) c++;
      }
      return c / s.n;
    };
    const info = task.info.noWrapShare as { X: number; Y: number };
    expect(info.X).toBeCloseTo(share(task.splits["X.test"]), 12);
    expect(info.Y).toBeCloseTo(share(task.splits["Y.test"]), 12);
    // over all 17² pairs it would be (17·18/2)/17² ≈ 0.53
    expect(info.Y).toBeGreaterThan(0.4);
    expect(info.Y).toBeLessThan(0.65);
    // the pair declares it as its Y floor, for the reports
    expect(modular.yFloor?.(defaults, 0).value).toBe(info.Y);
  });

  it("is deterministic per seed and different across seeds", () => {
    const again = modular.build(defaults, 0);
    for (const name of SPLIT_NAMES) expect(sameSplit(again.splits[name], task.splits[name])).toBe(true);
    expect(modular.build(defaults, 1).splits["X.train"].x).not.toEqual(task.splits["X.train"].x);
  });

  it("names every bad parameter", () => {
    const bad = (over: Record<string, unknown>) => () => modular.build({ ...defaults, ...over }, 0);
    expect(bad({ P_Y: [] })).toThrow(ConfigError);
    expect(bad({ P_Y: [] })).toThrow(/task\.P_Y: is empty; Y needs at least one held-out modulus/);
    expect(bad({ P_X: [] })).toThrow(/task\.P_X: is empty/);
    expect(bad({ P_Y: [13, 17] })).toThrow(/task\.P_Y: moduli 13 are also in P_X.*disjoint/);
    expect(bad({ P_X: [7, 7.5, 1] })).toThrow(/task\.P_X: moduli must be integers in 2\.\.512, got 7\.5, 1/);
    expect(bad({ P_X: [7, 11, 7] })).toThrow(/task\.P_X: lists 7 more than once/);
    expect(bad({ replayFraction: 1 })).toThrow(/task\.replayFraction: must be in \[0, 1\)/);
    expect(bad({ yAccessFraction: 0.5, yTestFraction: 0.5 })).toThrow(/Y\.relearn is not empty/);
    // the same checks run at config resolution
    const resolve = (sets: string[]) =>
      resolveRunConfig(applySets({ task: { name: "modular" }, technique: { name: "baseline" } }, sets));
    expect(() => resolve(["task.P_Y=[11]"])).toThrow(/task\.P_Y: moduli 11 are also in P_X/);
  });
});

describe("orderedBatches", () => {
  const xTrain = build({ P_X: [5, 7, 11], P_Y: [3] }).splits["X.train"];
  const modOf = (rows: Int32Array) => Array.from(rows, (r) => (xTrain.groupKey as Int32Array)[r]);
  const take = (o: ModularOrdering, steps: number, batchSize: number, seed = 0) => [
    ...orderedBatches(xTrain, o, { steps, batchSize }, new Rng(seed)),
  ];

  it("mixed: seeded epochs over all rows", () => {
    const o: ModularOrdering = { kind: "mixed", moduli: [5, 7, 11], replayFraction: 0 };
    const bs = 10;
    const epoch = Math.floor(xTrain.n / bs);
    const batches = take(o, epoch, bs);
    expect(batches).toHaveLength(epoch);
    const rows = batches.flatMap((b) => Array.from(b));
    expect(new Set(rows).size).toBe(epoch * bs); // no row twice within an epoch
    expect(new Set(modOf(Int32Array.from(rows)))).toEqual(new Set([5, 7, 11]));
    expect(take(o, epoch, bs)).toEqual(batches);
    expect(take(o, epoch, bs, 1)).not.toEqual(batches);
    const full = take(o, 2, 0);
    expect(full[0]).toHaveLength(xTrain.n);
  });

  it("sequential: one modulus per phase, in order, with the replay fraction from earlier moduli only", () => {
    const o: ModularOrdering = { kind: "sequential", moduli: [11, 5, 7], replayFraction: 0.25 };
    const batches = take(o, 30, 8);
    expect(batches).toHaveLength(30);
    for (let s = 0; s < 30; s++) {
      const phase = Math.floor(s / 10);
      const mods = modOf(batches[s]);
      const current = o.moduli[phase];
      const earlier = o.moduli.slice(0, phase);
      expect(mods.filter((m) => m === current)).toHaveLength(phase === 0 ? 8 : 6);
      expect(mods.filter((m) => m !== current).every((m) => earlier.includes(m))).toBe(true);
      expect(mods).toHaveLength(8);
    }
    // uneven phases: 10 steps over 3 moduli → 3, 3, 4
    const uneven = take(o, 10, 8).map((b) => modOf(b).filter((m) => m !== 11 && m !== 5).length);
    expect(uneven.map((c) => c >= 6)).toEqual([false, false, false, false, false, false, true, true, true, true]);
  });

  it("sequential full batch: all of the current modulus plus replay at the same fraction", () => {
    const o: ModularOrdering = { kind: "sequential", moduli: [5, 7, 11], replayFraction: 0.2 };
    const batches = take(o, 3, 0);
    const nOf = (p: number) => (xTrain.groupKey as Int32Array).filter((k) => k === p).length;
    expect(modOf(batches[0]).sort()).toEqual(new Array(nOf(5)).fill(5));
    const b2 = modOf(batches[2]);
    expect(b2.filter((m) => m === 11)).toHaveLength(nOf(11));
    expect(b2.length - nOf(11)).toBe(Math.min(nOf(5) + nOf(7), Math.round(0.25 * nOf(11))));
    expect(new Set(batches[2]).size).toBe(batches[2].length);
  });
});
