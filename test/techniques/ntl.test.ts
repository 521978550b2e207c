import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySets, type RunConfig, resolveRunConfig } from "../../src/config/run-config.js";
import { tf } from "../../src/engine/tf.js";
import { evaluateSplit } from "../../src/eval/behaviour.js";
import { lastHiddenHook } from "../../src/techniques/shared/hooks.js";
import { gaussianMmd } from "../../src/techniques/shared/mmd.js";
import { fastBackend } from "../helpers.js";
import { accuracyOn, activations, series, type Trained, trainWith } from "./harness.js";

/**
 * A pair where the baseline does carry X to Y, so that there is transfer to
 * prevent: shapes, colour variant (X: red square vs blue triangle; Y: red
 * square vs blue square), a small MLP, 150 steps of 64. The baseline reaches
 * 100% on Y.access.
 */
function shapesConfig(technique: string, sets: string[] = []): RunConfig {
  return resolveRunConfig(
    applySets({ task: { name: "shapes" }, technique: { name: technique }, seed: 0 }, [
      "task.variant=colour",
      "task.xTrain=512",
      "task.xTest=256",
      "task.yAccess=256",
      "task.yTest=256",
      "task.yRelearn=64",
      "model.name=mlp",
      "model.hidden=[32]",
      "train.steps=150",
      "train.evalEvery=50",
      ...sets,
    ]),
  );
}

/** α large enough for the ascent to matter on this pair (at the paper's 0.1 the term stays ~0.005). */
const ALPHA = 10;
const BETA = 1;

/** MMD between the last hidden features of the first 256 rows of X.train and of Y.access (the test's own measurement). */
function featureMmd(t: Trained): number {
  const hook = lastHiddenHook(t.model);
  const ax = activations(t.model, t.task.splits["X.train"], hook);
  const ay = activations(t.model, t.task.splits["Y.access"], hook);
  try {
    return tf.tidy(() => gaussianMmd(tf.slice(ax, [0, 0], [256, -1]), tf.slice(ay, [0, 0], [256, -1])).dataSync()[0]);
  } finally {
    tf.dispose([ax, ay]);
  }
}

describe("ntl", () => {
  let base: Trained;
  let off: Trained;
  let tech: Trained;
  beforeAll(async () => {
    await fastBackend();
    base = await trainWith(shapesConfig("baseline"));
    off = await trainWith(shapesConfig("ntl", ["technique.ntlAlpha=0"]));
    tech = await trainWith(shapesConfig("ntl", [`technique.ntlAlpha=${ALPHA}`, `technique.ntlBeta=${BETA}`]));
  });
  afterAll(() => {
    for (const t of [base, off, tech]) t.model.dispose();
  });

  it("with α = 0 is plain X training: identical to spending the whole budget in the X-only warm phase", async () => {
    // (Not compared with the baseline run: mini-batch order comes from each technique's own rng.)
    const plain = await trainWith(shapesConfig("ntl", ["technique.ntlWarmFrac=1"]));
    try {
      expect(series(off, "lossX").map((r) => r.value)).toEqual(series(plain, "lossX").map((r) => r.value));
      expect(series(off, "ntlAscent").every((r) => r.value === 0)).toBe(true);
      expect(series(plain, "ntlAscent")).toHaveLength(0);
    } finally {
      plain.model.dispose();
    }
  });

  it("pushes Y.access predictions away from their labels: higher Y loss, lower Y accuracy than the baseline", () => {
    const yBase = evaluateSplit(base.model, base.task.splits["Y.access"]);
    const yTech = evaluateSplit(tech.model, tech.task.splits["Y.access"]);
    expect(yBase.acc).toBeGreaterThan(0.95); // the baseline transfers: there is something to prevent
    expect(yTech.loss).toBeGreaterThan(yBase.loss + 0.2);
    expect(yTech.acc).toBeLessThan(yBase.acc - 0.1);
    // Also on held-out Y.test: a property of Y inputs, not of the Y.access rows.
    expect(accuracyOn(tech.model, tech.task.splits["Y.test"])).toBeLessThan(
      accuracyOn(base.model, base.task.splits["Y.test"]) - 0.05,
    );
  });

  it("pulls the X and Y feature distributions apart at the hook (MMD well above the baseline's)", () => {
    const mBase = featureMmd(base);
    const mTech = featureMmd(tech);
    expect(mTech).toBeGreaterThan(0.1);
    expect(mTech).toBeGreaterThan(10 * mBase);
  });

  it("keeps X: X.test accuracy close to the baseline's", () => {
    const xBase = accuracyOn(base.model, base.task.splits["X.test"]);
    const xTech = accuracyOn(tech.model, tech.task.splits["X.test"]);
    expect(xTech).toBeGreaterThan(xBase - 0.1);
    expect(xTech).toBeGreaterThan(0.85);
  });

  it("clamps the ascent term at β: it reaches β and never exceeds it; below β it is α·KL_Y·MMD", () => {
    const asc = series(tech, "ntlAscent");
    const ly = series(tech, "lossY");
    const mmd = series(tech, "mmd");
    expect(asc).toHaveLength(150);
    expect(Math.max(...asc.map((r) => r.value))).toBeCloseTo(BETA, 6);
    asc.forEach((r, i) => {
      expect(r.value).toBeLessThanOrEqual(BETA + 1e-6);
      expect(r.value).toBeCloseTo(Math.min(BETA, ALPHA * ly[i].value * mmd[i].value), 4);
    });
    // The bound is active for a good share of the steps (the term would otherwise keep growing).
    expect(asc.filter((r) => r.value >= BETA - 1e-6).length).toBeGreaterThan(30);
    expect(tech.steps).toBe(150);
  });

  it("an X-only warm phase trains on X alone (same batches as α = 0), then switches to the NTL loss", async () => {
    const t = await trainWith(
      shapesConfig("ntl", ["train.steps=20", "technique.ntlWarmFrac=0.5", "technique.ntlAlpha=10"]),
    );
    try {
      const lx = series(t, "lossX");
      expect(lx.map((r) => r.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(lx.slice(0, 10).map((r) => r.value)).toEqual(
        series(off, "lossX")
          .slice(0, 10)
          .map((r) => r.value),
      );
      expect(series(t, "ntlAscent").map((r) => r.step)).toEqual(Array.from({ length: 10 }, (_, i) => i + 11));
    } finally {
      t.model.dispose();
    }
  });

  it("frees every tensor it makes", async () => {
    const before = tf.memory().numTensors;
    const t = await trainWith(shapesConfig("ntl", ["train.steps=3"]));
    t.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
