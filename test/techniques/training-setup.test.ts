import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import type { Tensor } from "../../src/engine/tf.js";
import { tf } from "../../src/engine/tf.js";
import type { Model } from "../../src/models/types.js";
import { techniques } from "../../src/techniques/index.js";
import { fastBackend } from "../helpers.js";
import { makeContext, series, type Trained, tinyConfig, trainWith } from "./harness.js";

/** Train with a spy on the model's forward pass; returns the run and every batch's inputs. */
async function trainSpied(config: ReturnType<typeof tinyConfig>): Promise<{ t: Trained; batches: Int32Array[] }> {
  const { ctx, result } = makeContext(config);
  const batches: Int32Array[] = [];
  const forward = result.model.forward;
  result.model.forward = (x: Tensor, hook) => {
    batches.push(x.dataSync() as Int32Array);
    return forward(x, hook);
  };
  await techniques.get(config.technique.name).train(ctx as never);
  result.model.forward = forward;
  return { t: result, batches };
}

function paramNorm(m: Model): number {
  return tf.tidy(() => Math.sqrt(tf.addN(Object.values(m.params).map((p) => tf.sum(tf.square(p)))).dataSync()[0]));
}

const STEPS = ["train.steps=30"];

describe("training-setup", () => {
  let base: Trained;
  beforeAll(async () => {
    await fastBackend();
    base = await trainWith(tinyConfig("baseline", STEPS));
  });
  afterAll(() => base.model.dispose());

  it("with no hyperparameter set trains exactly like the baseline", async () => {
    const t = await trainWith(tinyConfig("training-setup", STEPS));
    expect(series(t, "lossX").map((r) => r.value)).toEqual(series(base, "lossX").map((r) => r.value));
    t.model.dispose();
  });

  it("its optimiser, lr and weight decay override the run's (sgd vs adamw, lr, decay all change the losses)", async () => {
    const lb = series(base, "lossX").map((r) => r.value);
    for (const set of [
      "technique.trainingSetupOptimizer=sgd",
      "technique.trainingSetupLr=0.001",
      "technique.trainingSetupWeightDecay=0",
    ]) {
      const t = await trainWith(tinyConfig("training-setup", [...STEPS, set]));
      const l = series(t, "lossX").map((r) => r.value);
      expect(l[0], set).toBe(lb[0]); // same initial model
      expect(l[29], set).not.toBe(lb[29]);
      if (set.endsWith("sgd")) {
        // Plain SGD at lr 0.01 barely moves this model in 30 steps; AdamW does.
        expect(lb[0] - lb[29]).toBeGreaterThan(10 * (l[0] - l[29]));
      }
      if (set.endsWith("WeightDecay=0")) expect(paramNorm(t.model)).toBeGreaterThan(paramNorm(base.model));
      t.model.dispose();
    }
  });

  it("respects its batch size", async () => {
    const { t, batches } = await trainSpied(
      tinyConfig("training-setup", [...STEPS, "technique.trainingSetupBatchSize=64"]),
    );
    expect(batches).toHaveLength(30);
    for (const b of batches) expect(b.length).toBe(64 * 2);
    expect(t.steps).toBe(30);
    t.model.dispose();
  });

  it("modular, sequential: one modulus at a time in P_X's order, with replay of the earlier ones", async () => {
    const config = resolveRunConfig(
      applySets({ task: { name: "modular" }, technique: { name: "training-setup" }, model: { name: "embed-mlp" } }, [
        "task.P_X=[5,3]",
        "task.P_Y=[7]",
        "model.dEmbed=8",
        "model.dHidden=16",
        "train.steps=10",
        "train.batchSize=0",
        "technique.trainingSetupOrder=sequential",
        "technique.trainingSetupReplay=0.25",
      ]),
    );
    const { t, batches } = await trainSpied(config);
    const tok = t.task.info.modulusTokens as Record<string, number>;
    const n = (p: number) => t.task.splits["X.train"].groupKey?.filter((k) => k === p).length as number;
    const moduli = (b: Int32Array) => Array.from({ length: b.length / 3 }, (_, i) => b[3 * i + 2]);
    expect(batches).toHaveLength(10);
    // Phase 1 (steps 1–5): all of modulus 5's rows, nothing else.
    for (const b of batches.slice(0, 5)) expect(moduli(b).every((m) => m === tok[5])).toBe(true);
    for (const b of batches.slice(0, 5)) expect(moduli(b)).toHaveLength(n(5));
    // Phase 2: all of modulus 3's rows plus a quarter of the batch replayed from modulus 5 (at most all of it).
    const replay = Math.min(n(5), Math.round((0.25 / 0.75) * n(3)));
    for (const b of batches.slice(5)) {
      const m = moduli(b);
      expect(m.filter((x) => x === tok[3])).toHaveLength(n(3));
      expect(m.filter((x) => x === tok[5])).toHaveLength(replay);
    }
    t.model.dispose();
  });

  it("refuses sequential order on a task without one, saying what would work", async () => {
    const { ctx, result } = makeContext(
      tinyConfig("training-setup", [...STEPS, "technique.trainingSetupOrder=sequential"]),
    );
    expect(() => techniques.get("training-setup").train(ctx as never)).toThrow(
      /sequential needs a task that describes a data order.*use mixed/,
    );
    result.model.dispose();
  });
});
