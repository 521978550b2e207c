import { describe, expect, it } from "vitest";
import { canonicalJson, hashConfig } from "../../src/config/canonical.js";
import { applySets, parseSetValue, resolveRunConfig } from "../../src/config/run-config.js";
import { runId } from "../../src/run/execute.js";

const base = { task: { name: "a5-s5" }, technique: { name: "baseline" } };

describe("run config", () => {
  it("fills every default from the task, model and technique", () => {
    const c = resolveRunConfig(base);
    expect(c.task).toEqual({ name: "a5-s5", trainFraction: 0.9, yAccessFraction: 0.2, yTestFraction: 0.3 });
    expect(c.model).toEqual({ name: "embed-mlp", dEmbed: 256, dHidden: 128 });
    expect(c.train).toMatchObject({ lr: 3e-3, weightDecay: 1, batchSize: 0, optimizer: "adamw" });
    expect(c.seed).toBe(0);
  });

  it("takes a pair's evaluation defaults over the global ones; the user's settings win over both", () => {
    const a5 = resolveRunConfig({ task: { name: "a5-s5" }, technique: { name: "baseline" } });
    expect([a5.eval.relearnModes, a5.eval.relearnK]).toEqual([
      ["embed", "all"],
      [0.5, 1],
    ]);
    const shapes = resolveRunConfig({ task: { name: "shapes" }, technique: { name: "baseline" } });
    expect([shapes.eval.relearnModes, shapes.eval.relearnK, shapes.eval.relearnEvalEvery]).toEqual([["all"], [1], 6]);
    const sub = resolveRunConfig({ task: { name: "subgroups" }, technique: { name: "baseline" } });
    expect([sub.eval.relearnModes, sub.eval.relearnK]).toEqual([["embed", "all"], [1]]);
    const mine = resolveRunConfig({
      task: { name: "shapes" },
      technique: { name: "baseline" },
      eval: { relearnK: [0.25, 1] },
    });
    expect([mine.eval.relearnModes, mine.eval.relearnK]).toEqual([["all"], [0.25, 1]]);
  });

  it("applies --set overrides with JSON values", () => {
    const c = resolveRunConfig(applySets(base, ["train.lr=1e-3", "task.trainFraction=0.5", "model.dHidden=64"]));
    expect(c.train.lr).toBe(0.001);
    expect(c.task.trainFraction).toBe(0.5);
    expect(c.model.dHidden).toBe(64);
    expect(parseSetValue("[1,2]")).toEqual([1, 2]);
    expect(parseSetValue("adamw")).toBe("adamw");
    expect(parseSetValue("true")).toBe(true);
  });

  it("names unknown keys with the valid ones", () => {
    expect(() => resolveRunConfig(applySets(base, ["task.fraction=0.5"]))).toThrow(
      "unknown key 'task.fraction'; valid keys: task.trainFraction, task.yAccessFraction, task.yTestFraction",
    );
    expect(() => resolveRunConfig(applySets(base, ["technique.lr=1"]))).toThrow(
      /unknown key 'technique.lr'.*takes no parameters/,
    );
    expect(() => applySets(base, ["lr=1"])).toThrow(
      /must be section.key with section one of task, model, technique, train, eval/,
    );
    expect(() => applySets(base, ["train.lr"])).toThrow(/--set expects section.key=value/);
  });

  it("names wrong types and out-of-range values", () => {
    expect(() => resolveRunConfig(applySets(base, ["task.trainFraction=abc"]))).toThrow(
      /task.trainFraction: .*expected number/,
    );
    expect(() => resolveRunConfig(applySets(base, ["train.steps=-5"]))).toThrow(/train.steps: .*>=0/);
    expect(() => resolveRunConfig(applySets(base, ["train.optimizer=rmsprop"]))).toThrow(
      /train.optimizer: .*"adamw"\|"sgd"/,
    );
    expect(() => resolveRunConfig({ ...base, seed: -1 })).toThrow(/seed must be a non-negative integer/);
  });

  it("names unknown tasks, techniques and models with the valid ones", () => {
    expect(() => resolveRunConfig({ ...base, task: { name: "mnist" } })).toThrow(
      /unknown task 'mnist'; valid tasks: a5-s5/,
    );
    expect(() => resolveRunConfig({ ...base, technique: { name: "x" } })).toThrow(
      /unknown technique 'x'; valid techniques: .*baseline/,
    );
    expect(() => resolveRunConfig({ ...base, model: { name: "resnet" } })).toThrow(
      /unknown model 'resnet'; valid models: .*embed-mlp/,
    );
  });

  it("hashes canonically: key order does not matter, values do", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(hashConfig({ a: 1, b: 2 })).toBe(hashConfig({ b: 2, a: 1 }));
    const c0 = resolveRunConfig(base);
    const c1 = resolveRunConfig({ ...base, seed: 1 });
    expect(runId(c0)).toBe(runId(resolveRunConfig(base)));
    expect(runId(c0)).not.toBe(runId(c1));
    expect(runId(c0)).toMatch(/^[0-9a-f]{16}$/);
  });
});
