import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { tf } from "../../src/engine/tf.js";
import { evaluateSplit } from "../../src/eval/behaviour.js";
import { attackParams, copyModel, relearnAttack } from "../../src/eval/relearn.js";
import { models } from "../../src/models/index.js";
import type { Model } from "../../src/models/types.js";
import { tasks } from "../../src/tasks/index.js";
import { fastBackend } from "../helpers.js";

const task = tasks.get("a5-s5").build({ trainFraction: 0.9, yAccessFraction: 0.2, yTestFraction: 0.3 }, 0);
const make = (seed: number) => () =>
  models.get("embed-mlp").create({
    input: task.input,
    numClasses: task.numClasses,
    config: { dEmbed: 8, dHidden: 16 },
    rng: new Rng(seed),
  });
const snapshot = (m: Model) => Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, v.dataSync().slice()]));

const opts = (mode: "all" | "embed", onAttacked?: (m: Model, k: number) => void) => ({
  ks: [50, 400],
  mode,
  steps: 6,
  batchSize: 64,
  evalEvery: 4,
  curveExamples: 500,
  optimizer: { optimizer: "adamw" as const, lr: 1e-2, weightDecay: 0, beta1: 0.9, beta2: 0.999 },
  evalBatchSize: 4096,
  rng: new Rng(3),
  onAttacked,
});

describe("relearnAttack", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("embed mode changes only embedParams, and the original model is untouched", () => {
    const before = tf.memory().numTensors;
    const source = make(1)();
    const orig = snapshot(source);
    const attacked: Record<string, Float32Array>[] = [];
    const fullAcc: number[] = [];
    const r = relearnAttack(
      source,
      make(99),
      task.splits["Y.relearn"],
      task.splits["Y.test"],
      opts("embed", (m) => {
        attacked.push(snapshot(m) as Record<string, Float32Array>);
        fullAcc.push(evaluateSplit(m, task.splits["Y.test"]).acc);
      }),
    );
    expect(r.trained).toEqual(["embed_left.W", "embed_right.W", "unembed.W"]);
    expect(attacked).toHaveLength(2);
    for (const a of attacked) {
      // The hidden layer is bit-identical to the source's (not to make(99)'s init).
      expect(a["layers.0.W"]).toEqual(orig["layers.0.W"]);
      for (const k of ["embed_left.W", "embed_right.W", "unembed.W"]) expect(a[k]).not.toEqual(orig[k]);
    }
    expect(snapshot(source)).toEqual(orig);
    // Curve: steps 0, 4 and the last (6) on 500 of Y.test's 3,240 rows; final on all of them.
    r.curves.forEach((c, i) => {
      expect(c.step).toEqual([0, 4, 6]);
      expect(c.curveRows).toBe(500);
      expect(c.final).toBe(fullAcc[i]);
      expect(c.auc).toBeCloseTo((c.acc[0] + c.acc[1] + c.acc[2]) / 3, 12);
      expect(c.loss[0]).toBeNaN();
      expect(c.loss[2]).toBeGreaterThan(0);
    });
    expect(r.curves.map((c) => c.k)).toEqual([50, 400]);
    // Every attack starts from the source: the step-0 accuracy is the source's.
    expect(r.curves[0].acc[0]).toBe(r.curves[1].acc[0]);
    source.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("all mode trains every parameter; the same options give the same curve", () => {
    const source = make(1)();
    const orig = snapshot(source);
    let changed: string[] = [];
    const r1 = relearnAttack(
      source,
      make(99),
      task.splits["Y.relearn"],
      task.splits["Y.test"],
      opts("all", (m) => {
        const s = snapshot(m);
        changed = Object.keys(s).filter((k) => !s[k].every((v, i) => v === orig[k][i]));
      }),
    );
    expect(changed.sort()).toEqual(["embed_left.W", "embed_right.W", "layers.0.W", "unembed.W"]);
    const r2 = relearnAttack(source, make(7), task.splits["Y.relearn"], task.splits["Y.test"], opts("all"));
    expect(r2.curves).toEqual(r1.curves);
    expect(Object.keys(attackParams(source, "all")).length).toBe(4);
    source.dispose();
  });

  it("rejects k outside Y.relearn and copies only between equal architectures", () => {
    const source = make(1)();
    expect(() =>
      relearnAttack(source, make(2), task.splits["Y.relearn"], task.splits["Y.test"], { ...opts("all"), ks: [6000] }),
    ).toThrow(/k must be an integer in 1..5400/);
    const other = () =>
      models.get("embed-mlp").create({
        input: task.input,
        numClasses: task.numClasses,
        config: { dEmbed: 4, dHidden: 16 },
        rng: new Rng(0),
      });
    expect(() => copyModel(source, other)).toThrow(
      /'embed_left.W' is float32\[120,8\] in the source and float32\[120,4\] in the target/,
    );
    source.dispose();
  });
});
