import { describe, expect, it } from "vitest";
import { z } from "zod";
import { makePlan } from "../../src/bench/plan.js";
import { expandSuite, loadSuite, parseSuite } from "../../src/bench/suite.js";
import { TRAIN_DEFAULTS } from "../../src/config/train.js";
import { tasks } from "../../src/tasks/index.js";
import { techniques } from "../../src/techniques/index.js";

// A technique added "later": the suites must pick it up without being edited.
techniques.register({
  name: "test-suite-late",
  describe: "registered by the test after the built-ins",
  source: "test",
  usesY: false,
  hparams: z.object({ testLateW: z.number().default(1) }).strict(),
  samplers: {},
  notFor: { "a5-s5": "to check that notFor is respected" },
  train() {},
});

describe("suites", () => {
  it("quick covers every registered pair × technique (minus notFor), one seed, with its per-pair budgets", () => {
    const suite = loadSuite("quick");
    const configs = expandSuite(suite);
    const pairs = tasks.names();
    const techs = techniques.names();
    const expected = pairs.flatMap((p) =>
      techs.filter((t) => techniques.get(t).notFor?.[p] === undefined).map((t) => `${p}|${t}`),
    );
    expect(configs.map((c) => `${c.task.name}|${c.technique.name}`).sort()).toEqual(expected.sort());
    expect(configs.some((c) => c.technique.name === "test-suite-late" && c.task.name === "shapes")).toBe(true);
    expect(configs.some((c) => c.technique.name === "test-suite-late" && c.task.name === "a5-s5")).toBe(false);
    expect(new Set(configs.map((c) => c.seed))).toEqual(new Set([0]));
    // budgets from the suite file, per pair
    for (const c of configs) {
      const budget = (suite.budgets[c.task.name] ?? suite.budgets["*"]) as { train: { steps: number } };
      expect(c.train.steps).toBe(budget.train.steps);
    }
    const a5 = configs.find((c) => c.task.name === "a5-s5") as (typeof configs)[number];
    expect(a5.model).toMatchObject({ name: "embed-mlp", dEmbed: 64, dHidden: 64 });
    // baseline first within each pair (every score needs it)
    expect(configs[0].technique.name).toBe("baseline");
  });

  it("standard: ≥ 3 seeds at the pairs' default budgets", () => {
    const suite = loadSuite("standard");
    expect(suite.seeds.length).toBeGreaterThanOrEqual(3);
    const configs = expandSuite(suite);
    const a5 = configs.filter((c) => c.task.name === "a5-s5" && c.technique.name === "baseline");
    expect(a5.map((c) => c.seed)).toEqual(suite.seeds);
    expect(a5[0].train).toEqual({ ...TRAIN_DEFAULTS, ...tasks.get("a5-s5").trainDefaults });
    // every pair at its defaults, and shapes also as its colour variant (where Y carries over by default)
    const baselines = configs.filter((c) => c.technique.name === "baseline" && c.seed === suite.seeds[0]);
    expect(baselines.map((c) => `${c.task.name}${c.task.name === "shapes" ? `:${c.task.variant}` : ""}`)).toEqual([
      ...tasks.names().map((n) => (n === "shapes" ? "shapes:shape" : n)),
      "shapes:colour",
    ]);
  });

  it('"all" inside a pairs list adds every registered pair at its defaults beside the listed entries', () => {
    const suite = parseSuite({
      name: "t",
      description: "",
      seeds: [0],
      pairs: [{ task: { name: "modular", P_Y: [31] } }, "all"],
      techniques: [{ name: "baseline" }],
    });
    const names = expandSuite(suite).map((c) => `${c.task.name}${c.task.name === "modular" ? `:${c.task.P_Y}` : ""}`);
    expect(names).toEqual(["modular:31", ...tasks.names().map((n) => (n === "modular" ? "modular:17" : n))]);
  });

  it("explicit pairs and techniques, '*' budgets under entries, hparams per technique; plan ids dedupe", () => {
    const suite = parseSuite({
      name: "t",
      description: "",
      seeds: [0, 1],
      pairs: [{ task: { name: "a5-s5", trainFraction: 0.5 }, train: { lr: 0.01 } }],
      techniques: [{ name: "uniform-labels" }, { name: "uniform-labels", uniformLabelsMix: 0.5 }, { name: "baseline" }],
      budgets: { "*": { train: { steps: 7, lr: 0.5 } } },
      hparams: { "uniform-labels": { uniformLabelsMix: 0.5 } },
    });
    const configs = expandSuite(suite);
    expect(configs).toHaveLength(6);
    for (const c of configs) {
      expect(c.train.steps).toBe(7); // from "*"
      expect(c.train.lr).toBe(0.01); // the entry wins over the budget
      expect(c.task.trainFraction).toBe(0.5);
    }
    // both uniform-labels entries resolve to the same config: one run per seed in the plan
    const plan = makePlan("t", "suite", suite, configs);
    expect(plan.runs).toHaveLength(4);
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(4);
  });

  it("invalid suites and names get errors that say what is wrong", () => {
    expect(() => parseSuite({ name: "x", description: "", seeds: [], pairs: "all", techniques: "all" })).toThrow(
      /seeds/,
    );
    expect(() => parseSuite({ name: "x", description: "", seeds: [0], pairs: "some", techniques: "all" })).toThrow(
      /pairs/,
    );
    expect(() => loadSuite("nope")).toThrow(/unknown suite 'nope'; built-in suites: .*quick.*standard/);
    const bad = parseSuite({
      name: "x",
      description: "",
      seeds: [0],
      pairs: [{ task: { name: "a5-s5" }, train: { stepz: 3 } }],
      techniques: [{ name: "baseline" }],
    });
    expect(() => expandSuite(bad)).toThrow(/suite 'x': a5-s5 × baseline \(seed 0\): unknown key 'train.stepz'/);
  });
});

describe("bench --seeds", () => {
  it("keeps the suite's seeds that are named, and names the ones that are not the suite's", async () => {
    const { pickSeeds } = await import("../../src/cli/commands/bench.js");
    expect(pickSeeds([0, 1, 2], "0")).toEqual([0]);
    expect(pickSeeds([0, 1, 2], "2,0,2")).toEqual([2, 0]);
    expect(() => pickSeeds([0, 1, 2], "3")).toThrow(/'3' is not among the suite's seeds \(0, 1, 2\)/);
    expect(() => pickSeeds([0, 1, 2], "x,1")).toThrow(/'x' is not among/);
  });
});
