import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tf } from "../../src/engine/tf.js";
import { evaluateSplit } from "../../src/eval/behaviour.js";
import type { SplitName } from "../../src/tasks/types.js";
import { ascentCeiling, clampedAscent } from "../../src/techniques/shared/ascent.js";
import { crossEntropy } from "../../src/train/loss.js";
import { fastBackend } from "../helpers.js";
import { accuracyOn, series, type Trained, tinyShapesColourConfig, trainWith } from "./harness.js";

/**
 * a5-s5's tiny baseline is already confidently wrong on Y (Y.access loss ≈ 8.8
 * nats, above the default ceiling ln 120 ≈ 4.8), so an ascent capped at chance
 * has nothing to do there. Shapes `colour` is a pair where Y does come along:
 * a small MLP trained on X (red square vs blue triangle) gets Y (red square vs
 * blue square) right too. Full batch, so the per-step Y loss has no batch noise.
 */
const STEPS = 200;
const P1 = Math.round(0.8 * STEPS);
/**
 * How far one step may carry the Y loss past the ceiling: the gate sees the
 * crossing only after the step that made it (measured on this config: 0.016
 * past ln 2 with the default clamp, 0.135 past 3·ln 2 with clamp 3).
 */
const tolerance = (ceiling: number) => 0.1 * ceiling + 0.05;

const lossOn = (t: Trained, split: SplitName) => evaluateSplit(t.model, t.task.splits[split]).loss;
const acc = (t: Trained, split: SplitName) => accuracyOn(t.model, t.task.splits[split]);

describe("clampedAscent (src/techniques/shared/ascent.ts)", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("ceiling = clamp · ln C", () => {
    expect(ascentCeiling(1, 120)).toBeCloseTo(Math.log(120), 10);
    expect(ascentCeiling(2.5, 2)).toBeCloseTo(2.5 * Math.LN2, 10);
    expect(() => ascentCeiling(0, 10)).toThrow();
  });

  it("is −CE with gradient −∇CE below the ceiling, and −ceiling with zero gradient past it", () => {
    const logits = tf.tensor2d([
      [2, 0, -1],
      [0.5, 1, 0],
    ]);
    const labels = tf.tensor1d([0, 2], "int32");
    try {
      const ce = crossEntropy(logits, labels);
      const ceValue = ce.dataSync()[0];
      ce.dispose();
      const gCe = tf.grad((l: tf.Tensor) => crossEntropy(l, labels))(logits);
      const below = clampedAscent(logits, labels, ceValue + 1);
      expect(below.term.dataSync()[0]).toBeCloseTo(-ceValue, 5);
      expect(below.ce.dataSync()[0]).toBeCloseTo(ceValue, 5);
      const gBelow = tf.grad((l: tf.Tensor) => clampedAscent(l, labels, ceValue + 1).term)(logits);
      const gPast = tf.grad((l: tf.Tensor) => clampedAscent(l, labels, ceValue - 0.1).term)(logits);
      const past = clampedAscent(logits, labels, ceValue - 0.1);
      expect(past.term.dataSync()[0]).toBeCloseTo(-(ceValue - 0.1), 5);
      const gb = gBelow.dataSync();
      const gc = gCe.dataSync();
      for (let i = 0; i < gc.length; i++) expect(gb[i]).toBeCloseTo(-gc[i], 6);
      expect(Math.max(...Array.from(gPast.dataSync(), Math.abs))).toBe(0);
      for (const t of [gCe, below.term, below.ce, gBelow, gPast, past.term, past.ce]) t.dispose();
    } finally {
      logits.dispose();
      labels.dispose();
    }
  });
});

describe("gradient-ascent", () => {
  let base: Trained;
  let tech: Trained;
  let wide: Trained;
  beforeAll(async () => {
    await fastBackend();
    base = await trainWith(tinyShapesColourConfig("baseline"));
    tech = await trainWith(tinyShapesColourConfig("gradient-ascent"));
    wide = await trainWith(tinyShapesColourConfig("gradient-ascent", ["technique.gradAscentClamp=3"]));
  }, 120_000);
  afterAll(() => {
    for (const t of [base, tech, wide]) t.model.dispose();
  });

  it("premise: the baseline carries X to Y on this pair (Y.access right, loss ≈ 0)", () => {
    expect(acc(base, "Y.access")).toBeGreaterThan(0.95);
    expect(lossOn(base, "Y.access")).toBeLessThan(0.05);
  });

  it("trains on X exactly like the baseline for the first phase, then ascends Y for the rest of the budget", () => {
    const lb = series(base, "lossX").map((r) => r.value);
    const lt = series(tech, "lossX");
    expect(lt.map((r) => r.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    // Step P1 + 1 reports the loss of the parameters phase 1 left.
    expect(lt.slice(0, P1 + 1).map((r) => r.value)).toEqual(lb.slice(0, P1 + 1));
    const ly = series(tech, "lossY");
    expect(ly.map((r) => r.step)).toEqual(Array.from({ length: STEPS - P1 }, (_, i) => P1 + i + 1));
    expect(series(tech, "yCeiling").every((r) => Math.abs(r.value - Math.LN2) < 1e-6)).toBe(true);
  });

  it("raises the Y.access loss from ≈ 0 to the ceiling (ln 2, chance) and never past it by more than a step's worth", () => {
    const ceiling = Math.LN2;
    const ly = series(tech, "lossY").map((r) => r.value);
    // Every logged step is under the cap (measured max: 0.709 against 0.693).
    expect(Math.max(...ly)).toBeLessThanOrEqual(ceiling + tolerance(ceiling));
    const end = lossOn(tech, "Y.access");
    expect(end).toBeGreaterThan(ceiling - 0.05); // baseline: 0.0025
    expect(end).toBeGreaterThan(lossOn(base, "Y.access") + 0.6);
    expect(end).toBeLessThanOrEqual(ceiling + tolerance(ceiling));
    // Y.access predictions: from all right to near chance (measured 0.64).
    expect(acc(tech, "Y.access")).toBeLessThan(0.75);
  });

  it("stops updating once Y is at the ceiling: the rest of the budget leaves the model unchanged", () => {
    const live = series(tech, "ascentLive");
    const firstDead = live.findIndex((r) => r.value === 0);
    expect(firstDead).toBeGreaterThan(0);
    expect(firstDead).toBeLessThan(live.length - 5);
    expect(live.slice(firstDead).every((r) => r.value === 0)).toBe(true);
    // Full batch: frozen weights give the same losses every remaining step.
    const ly = series(tech, "lossY").slice(firstDead);
    const lx = series(tech, "lossX").slice(P1 + firstDead);
    expect(new Set(ly.map((r) => r.value)).size).toBe(1);
    expect(new Set(lx.map((r) => r.value)).size).toBe(1);
  });

  it("the clamp sets where it stops: 3·ln 2 lets the Y loss climb about three times as high, and caps it there", () => {
    const ceiling = 3 * Math.LN2;
    const ly = series(wide, "lossY").map((r) => r.value);
    expect(Math.max(...ly)).toBeLessThanOrEqual(ceiling + tolerance(ceiling)); // measured 2.215 vs 2.079
    expect(lossOn(wide, "Y.access")).toBeGreaterThan(ceiling - 0.1);
    expect(lossOn(wide, "Y.access")).toBeGreaterThan(lossOn(tech, "Y.access") + 1);
  });

  it("with no X term, it drags X down with Y (X and Y share the red-square class)", () => {
    // Measured: X.test 0.61, X.train 0.60 (baseline 1.0 and 1.0).
    expect(acc(tech, "X.test")).toBeLessThan(acc(base, "X.test") - 0.25);
    expect(acc(tech, "X.train")).toBeLessThan(acc(base, "X.train") - 0.25);
  });
});
