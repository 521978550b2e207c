import { describe, expect, it } from "vitest";
import { z } from "zod";
import { expandSweep, parseGridFlag, sweepPoints, withBaselines } from "../../src/bench/sweep.js";
import type { Rng } from "../../src/engine/rng.js";
import { techniques } from "../../src/techniques/index.js";

techniques.register({
  name: "test-sweep",
  describe: "samplers for the sweep test",
  source: "test",
  usesY: false,
  hparams: z.object({ testA: z.number().default(1), testB: z.string().default("u") }).strict(),
  samplers: { testA: (rng: Rng) => 10 + rng.int(1000), testB: (rng: Rng) => (rng.uniform() < 0.5 ? "p" : "q") },
  train() {},
});

const base = { task: "a5-s5", technique: "test-sweep", sets: ["train.steps=5"], seeds: [0] };

describe("sweeps", () => {
  it("parses --grid values like --set values, arrays included", () => {
    expect(parseGridFlag("task.trainFraction=0.5,0.9")).toEqual({ key: "task.trainFraction", values: [0.5, 0.9] });
    expect(parseGridFlag('technique.testB=p,"q"')).toEqual({ key: "technique.testB", values: ["p", "q"] });
    expect(parseGridFlag("task.P_X=[3,5],[7]")).toEqual({ key: "task.P_X", values: [[3, 5], [7]] });
    expect(parseGridFlag("technique.testA")).toEqual({ key: "technique.testA" });
    expect(() => parseGridFlag("foo.x=1")).toThrow(/section one of task, model, technique, train, eval/);
  });

  it("a grid is the cartesian product, times the seeds", () => {
    const configs = expandSweep({
      ...base,
      axes: [parseGridFlag("task.trainFraction=0.5,0.7,0.9"), parseGridFlag("technique.testA=1,2")],
      seeds: [0, 1],
    });
    expect(configs).toHaveLength(12);
    const combos = new Set(configs.map((c) => `${c.task.trainFraction}|${c.technique.testA}|${c.seed}`));
    expect(combos.size).toBe(12);
    expect(combos.has("0.7|2|1")).toBe(true);
    expect(configs.every((c) => c.train.steps === 5)).toBe(true);
  });

  it("random search draws from samplers (or given values), deterministically per seed", () => {
    const spec = { ...base, axes: [], random: { n: 5, seed: 3 } };
    const a = sweepPoints(spec);
    expect(a).toHaveLength(5);
    for (const p of a) {
      expect(Object.keys(p).sort()).toEqual(["technique.testA", "technique.testB"]);
      expect(p["technique.testA"]).toBeGreaterThanOrEqual(10);
      expect(["p", "q"]).toContain(p["technique.testB"]);
    }
    expect(sweepPoints(spec)).toEqual(a);
    expect(sweepPoints({ ...spec, random: { n: 5, seed: 4 } })).not.toEqual(a);
    const mixed = sweepPoints({ ...spec, axes: [parseGridFlag("train.lr=0.1,0.2"), parseGridFlag("technique.testA")] });
    for (const p of mixed) {
      expect([0.1, 0.2]).toContain(p["train.lr"]);
      expect(p["technique.testB"]).toBeUndefined();
    }
    expect(() => sweepPoints({ ...spec, axes: [parseGridFlag("train.lr")] })).toThrow(/no values and no sampler/);
    expect(() => sweepPoints({ ...base, axes: [parseGridFlag("train.lr")] })).toThrow(/has no values; give some/);
  });

  it("withBaselines adds one baseline per setting and seed, first", () => {
    const configs = expandSweep({ ...base, axes: [parseGridFlag("technique.testA=1,2,3")], seeds: [0, 1] });
    const all = withBaselines(configs);
    expect(all).toHaveLength(8);
    expect(all.slice(0, 2).map((c) => [c.technique.name, c.seed])).toEqual([
      ["baseline", 0],
      ["baseline", 1],
    ]);
    expect(all[0].train).toEqual(configs[0].train);
    // a sweep over a task key needs a baseline per value
    const d = withBaselines(expandSweep({ ...base, axes: [parseGridFlag("task.trainFraction=0.5,0.9")] }));
    expect(d.filter((c) => c.technique.name === "baseline").map((c) => c.task.trainFraction)).toEqual([0.5, 0.9]);
  });
});
