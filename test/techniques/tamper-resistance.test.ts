import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySets, type RunConfig, resolveRunConfig } from "../../src/config/run-config.js";
import { Rng } from "../../src/engine/rng.js";
import { tf } from "../../src/engine/tf.js";
import { attackParams, copyModel } from "../../src/eval/relearn.js";
import { buildModel } from "../../src/run/execute.js";
import { tamperResistance } from "../../src/techniques/tamper-resistance.js";
import { splitTensors, takeRows } from "../../src/train/batches.js";
import { crossEntropy } from "../../src/train/loss.js";
import { makeOptimizer, optimizerStep } from "../../src/train/optimizer.js";
import { fastBackend } from "../helpers.js";
import { accuracyOn, series, type Trained, tinyConfig, trainWith } from "./harness.js";

/** Every parameter's values, by name (copies). */
function values(t: Trained): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(t.model.params).map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
}

const DEFAULTS = tamperResistance.hparams.parse({});

/**
 * A tiny rotated-mnist config (MLP 784→64→10, 300 steps of batch 128) where
 * a 4-step attack on 128 Y.access rows does raise the baseline's accuracy on
 * held-out Y (the tiny a5-s5 config has no such gain: its Y accuracy stays
 * ≈ 0 under a short attack, so nothing could be resisted there).
 */
function mnistConfig(technique: string): RunConfig {
  return resolveRunConfig(
    applySets({ task: { name: "rotated-mnist" }, technique: { name: technique }, model: { name: "mlp" }, seed: 0 }, [
      "task.xTrain=1024",
      "task.xTest=512",
      "task.yAccess=512",
      "task.yTest=1000",
      "task.yRelearn=64",
      "model.hidden=[64]",
      "train.steps=300",
      "train.batchSize=128",
      "train.lr=0.003",
      "train.evalEvery=50",
    ]),
  );
}

/**
 * The technique's simulated attack with its default settings (K AdamW steps
 * at the inner lr on one batch of Y.access of the run's batch size, all
 * parameters), run by the test on a copy of a trained model, averaged over
 * `batches` different Y.access batches. Accuracy on all of Y.test before and
 * after.
 */
function simulatedAttack(t: Trained, batches: number): { before: number; after: number; gain: number } {
  const y = t.task.splits["Y.access"];
  const yTest = t.task.splits["Y.test"];
  const before = accuracyOn(t.model, yTest);
  let after = 0;
  for (let i = 0; i < batches; i++) {
    const rows = new Rng(1000 + i).permutation(y.n).subarray(0, t.config.train.batchSize);
    const b = splitTensors(takeRows(y, rows));
    const copy = copyModel(t.model, () => buildModel(t.config, t.task, "test-attack"));
    const vars = attackParams(copy, DEFAULTS.tamperAttackMode);
    const opt = makeOptimizer(vars, {
      ...t.config.train,
      optimizer: DEFAULTS.tamperInnerOptimizer,
      lr: DEFAULTS.tamperInnerLr,
      weightDecay: 0,
      beta1: 0.9,
      beta2: 0.999,
    });
    try {
      for (let k = 0; k < DEFAULTS.tamperInnerSteps; k++) {
        optimizerStep(opt, vars, () => crossEntropy(copy.forward(b.x), b.y));
      }
      after += accuracyOn(copy, yTest) / batches;
    } finally {
      opt.dispose();
      copy.dispose();
      tf.dispose([b.x, b.y]);
    }
  }
  return { before, after, gain: after - before };
}

describe("tamper-resistance", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("λ = 0 is plain X training: the simulated attacks run (and are logged) but every parameter ends bit-identical to the baseline's", async () => {
    // Full batch on a5-s5, so the X stream is the baseline's whatever the rng labels.
    const base = await trainWith(tinyConfig("baseline", ["train.steps=24", "train.evalEvery=10"]));
    try {
      for (const extra of [[], ["technique.tamperAttackMode=embed", "technique.tamperJudge=trajectory"]]) {
        const tensors = tf.memory().numTensors;
        const t = await trainWith(
          tinyConfig("tamper-resistance", [
            "train.steps=24",
            "train.evalEvery=10",
            "technique.tamperWeight=0",
            ...extra,
          ]),
        );
        try {
          // No tensor left behind except the trained model's own variables.
          expect(tf.memory().numTensors - Object.keys(t.model.params).length).toBe(tensors);
          expect(values(t)).toEqual(values(base));
          const warm = Math.round(0.3 * 24);
          expect(series(t, "innerSteps")).toEqual([{ step: 24, value: 4 * (24 - warm) }]);
          expect(series(t, "attackedEntropyY").map((r) => r.step)).toEqual(
            Array.from({ length: 24 - warm }, (_, i) => warm + 1 + i),
          );
          expect(series(t, "attackGain").length).toBeGreaterThan(0);
        } finally {
          t.model.dispose();
        }
      }
      // λ > 0: the warm phase is the baseline's, then the tamper gradient changes the trajectory.
      const t = await trainWith(tinyConfig("tamper-resistance", ["train.steps=24", "train.evalEvery=10"]));
      try {
        const warm = Math.round(0.3 * 24);
        const lb = series(base, "lossX").map((r) => r.value);
        const lt = series(t, "lossX").map((r) => r.value);
        expect(lt).toHaveLength(24);
        // Step warm + 1 still reports the loss of the parameters the warm phase left.
        expect(lt.slice(0, warm + 1)).toEqual(lb.slice(0, warm + 1));
        expect(lt[warm + 1]).not.toBe(lb[warm + 1]);
        expect(values(t)).not.toEqual(values(base));
      } finally {
        t.model.dispose();
      }
    } finally {
      base.model.dispose();
    }
  });

  it("a simulated attack that diverges adds no tamper gradient: the step is plain X training and the log says so", async () => {
    const sets = ["train.steps=12", "train.evalEvery=10"];
    const base = await trainWith(tinyConfig("baseline", sets));
    const t = await trainWith(
      tinyConfig("tamper-resistance", [...sets, "technique.tamperInnerOptimizer=sgd", "technique.tamperInnerLr=1e30"]),
    );
    try {
      const warm = Math.round(0.3 * 12);
      expect(series(t, "attackDiverged").map((r) => r.value)).toEqual(Array(12 - warm).fill(1));
      expect(series(t, "tamperLive").map((r) => r.value)).toEqual(Array(12 - warm).fill(0));
      expect(series(t, "attackGain")).toEqual([]);
      expect(values(t)).toEqual(values(base));
    } finally {
      base.model.dispose();
      t.model.dispose();
    }
  });

  describe("against a short relearning attack (rotated-mnist, MLP)", () => {
    let base: Trained;
    let tech: Trained;
    let uniform: Trained;
    const attacks: Record<string, { before: number; after: number; gain: number }> = {};
    const accX: Record<string, number> = {};
    beforeAll(async () => {
      base = await trainWith(mnistConfig("baseline"));
      tech = await trainWith(mnistConfig("tamper-resistance"));
      uniform = await trainWith(mnistConfig("uniform-labels"));
      for (const [name, t] of Object.entries({ base, tech, uniform })) {
        attacks[name] = simulatedAttack(t, 5);
        accX[name] = accuracyOn(t.model, t.task.splits["X.test"]);
      }
      console.log("tamper-resistance mechanism (Y.test accuracy before/after the 4-step attack, X.test):", {
        attacks,
        accX,
      });
    }, 120_000);
    afterAll(() => {
      for (const t of [base, tech, uniform]) t?.model.dispose();
    });

    it("the simulated attack gains less held-out Y accuracy on the tamper-resistant model than on the baseline, X.test within 0.02", () => {
      expect(attacks.base.gain).toBeGreaterThan(0.05);
      expect(attacks.tech.gain).toBeLessThan(attacks.base.gain - 0.03);
      // And the attacked model ends far below the attacked baseline.
      expect(attacks.tech.after).toBeLessThan(attacks.base.after - 0.08);
      expect(Math.abs(accX.tech - accX.base)).toBeLessThan(0.02);
    });

    it("which flattening Y without the simulated attack does not do: uniform-labels' gain exceeds the baseline's", () => {
      expect(attacks.uniform.gain).toBeGreaterThan(attacks.base.gain);
      expect(attacks.tech.gain).toBeLessThan(attacks.uniform.gain - 0.05);
    });

    it("spends exactly the budget on the model and logs the extra inner steps and the attacks it simulated", () => {
      const warm = Math.round(0.3 * 300);
      expect(series(tech, "lossX").map((r) => r.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(series(tech, "innerSteps")).toEqual([{ step: 300, value: 4 * (300 - warm) }]);
      const gains = series(tech, "attackGain");
      // Ten times per evalEvery (50) after the warm phase.
      expect(gains.map((r) => r.step)).toEqual(
        Array.from({ length: 300 / 5 }, (_, i) => 5 * (i + 1)).filter((s) => s > warm),
      );
      // Entropy objective: the attacked copy's predictions on Y.access end close to uniform (ln 10 ≈ 2.30).
      expect(series(tech, "attackedEntropyY").at(-1)?.value).toBeGreaterThan(0.8 * Math.log(10));
    });
  });
});
