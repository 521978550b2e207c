import { beforeAll, describe, expect, it } from "vitest";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import { tf } from "../../src/engine/tf.js";
import { computeScore } from "../../src/eval/score.js";
import { executeRun, resolveRelearnBudget, resolveRelearnK } from "../../src/run/execute.js";
import { fastBackend } from "../helpers.js";

const config = (technique = "baseline") =>
  resolveRunConfig(
    applySets({ task: { name: "a5-s5" }, technique: { name: technique }, seed: 0 }, [
      "model.dEmbed=8",
      "model.dHidden=16",
      "train.steps=10",
      "train.evalEvery=10",
      "eval.probeSteps=5",
      "eval.probeMaxExamples=400",
      "eval.relearnK=[100,0.1]",
      "eval.relearnSteps=6",
      "eval.relearnEvalEvery=3",
      "eval.relearnBatchSize=64",
      "eval.interp=false",
    ]),
  );

describe("evaluations in the run pipeline", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("records probe and relearn metrics, curves and timing, reproducibly and without leaking tensors", async () => {
    const before = tf.memory().numTensors;
    const r = await executeRun(config());
    expect(r.status, r.error).toBe("ok");
    expect(tf.memory().numTensors).toBe(before);
    expect(r.extra.tensorsLeaked).toBe(0);
    const m = r.metrics;
    for (const k of ["probeY", "probeY_fresh", "relearnY", "relearnY_fresh", "relearnAuc", "relearnAuc_fresh"]) {
      expect(m[k], k).toBeGreaterThanOrEqual(0);
      expect(m[k], k).toBeLessThanOrEqual(1);
    }
    // relearnY = the strongest mode at the largest k (0.1 of 5,400 = 540).
    expect(m.relearnY).toBe(Math.max(m.relearnY_embed_k540, m.relearnY_all_k540));
    expect(m.relearnY_fresh).toBe(Math.max(m.relearnY_fresh_embed_k540, m.relearnY_fresh_all_k540));
    const rel = r.extra.relearn as { ks: number[]; modes: Record<string, { model: { curves: { step: number[] }[] } }> };
    expect(rel.ks).toEqual([100, 540]);
    expect(rel.modes.embed.model.curves[0].step).toEqual([0, 3, 6]);
    const probe = r.extra.probe as { model: { hooks: { hook: string }[] } };
    expect(probe.model.hooks.map((h) => h.hook)).toEqual([
      "hook_embed_left",
      "hook_embed_right",
      "layers.0.hook_pre",
      "layers.0.hook_post",
    ]);
    const t = r.extra.evalTiming as { probeMs: number; relearnMs: number; interpMs: number };
    expect(t.probeMs).toBeGreaterThan(0);
    expect(t.interpMs).toBe(0);
    expect(r.timing.evalMs).toBeGreaterThanOrEqual(t.probeMs + t.relearnMs);
    // Same config, same numbers (the fresh references now come from the cache).
    const again = await executeRun(config());
    expect(again.metrics).toEqual(r.metrics);
    // Against itself the baseline scores 0 where any component is informative, else NaN (tiny model: none is).
    const s = computeScore(r.metrics, r.metrics, r.chance);
    expect(s.informative.length === 0 ? Number.isNaN(s.score) : s.score === 0).toBe(true);
  }, 60_000);

  it("resolves attack sizes: fractions of Y.relearn, counts, clamped, unique", () => {
    expect(resolveRelearnK([0.5, 1], 5400)).toEqual([2700, 5400]);
    expect(resolveRelearnK([1, 0.5, 2700, 9000], 5400)).toEqual([2700, 5400]);
    expect(resolveRelearnK([0.0001], 100)).toEqual([1]);
  });

  it("the attack's default budget follows the training budget: 15% of its steps, its batch, 11 curve points", () => {
    const at = (sets: string[]) =>
      resolveRelearnBudget(
        resolveRunConfig(applySets({ task: { name: "a5-s5" }, technique: { name: "baseline" } }, sets)),
      );
    expect(at(["train.steps=1000"])).toEqual({ steps: 150, batchSize: 512, evalEvery: 15 });
    expect(at(["train.steps=20", "train.batchSize=64"])).toEqual({ steps: 3, batchSize: 64, evalEvery: 1 });
    expect(at(["eval.relearnSteps=40", "eval.relearnEvalEvery=7", "eval.relearnBatchSize=0"])).toEqual({
      steps: 40,
      batchSize: 0,
      evalEvery: 7,
    });
  });
});
