import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateSplit } from "../../src/eval/behaviour.js";
import { discriminatorAccuracy, trainDiscriminator } from "../../src/techniques/discriminate-then-finetune.js";
import type { TrainContext } from "../../src/techniques/types.js";
import { fastBackend } from "../helpers.js";
import { makeContext, meanEntropy, series, type Trained, tinyConfig, trainWith } from "./harness.js";

type Ctx = Parameters<typeof trainDiscriminator>[0];

/** Mean cross-entropy of the model on a split's true labels. */
function yLoss(t: Trained, split: "Y.access" | "Y.test"): number {
  return evaluateSplit(t.model, t.task.splits[split]).loss;
}

describe("discriminate-then-finetune", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("phase 1: the head on the last hidden layer separates held-out X inputs from held-out Y inputs (> 0.9)", () => {
    const { ctx, result } = makeContext(tinyConfig("discriminate-then-finetune"));
    const { task, model } = result;
    try {
      const untrained = trainDiscriminator(ctx as TrainContext<unknown> as Ctx, 0);
      const before =
        (discriminatorAccuracy(model, untrained, task.splits["X.test"], 0) +
          discriminatorAccuracy(model, untrained, task.splits["Y.test"], 1)) /
        2;
      untrained.dispose();
      expect(before).toBeLessThan(0.75);
      const head = trainDiscriminator(ctx as TrainContext<unknown> as Ctx, 60);
      const accX = discriminatorAccuracy(model, head, task.splits["X.test"], 0);
      const accY = discriminatorAccuracy(model, head, task.splits["Y.test"], 1);
      head.dispose();
      expect(accX).toBeGreaterThan(0.85);
      expect(accY).toBeGreaterThan(0.85);
      expect((accX + accY) / 2).toBeGreaterThan(0.9);
      expect(result.steps).toBe(60);
      expect(series(result, "lossDisc").at(-1)?.value).toBeLessThan(series(result, "lossDisc")[0].value);
    } finally {
      model.dispose();
    }
  });

  describe("whole technique", () => {
    let base: Trained;
    let uniform: Trained;
    let ascent: Trained;
    beforeAll(async () => {
      base = await trainWith(tinyConfig("baseline"));
      uniform = await trainWith(tinyConfig("discriminate-then-finetune"));
      ascent = await trainWith(tinyConfig("discriminate-then-finetune", ["technique.discBad=ascent"]));
    });
    afterAll(() => {
      for (const t of [base, uniform, ascent]) t.model.dispose();
    });

    it("spends exactly the budget across both phases and logs the head's accuracy after phase 1", () => {
      for (const t of [uniform, ascent]) {
        expect(series(t, "lossX").map((r) => r.step)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
        expect(series(t, "lossDisc").map((r) => r.step)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
        expect(series(t, "lossY").map((r) => r.step)).toEqual(Array.from({ length: 105 }, (_, i) => 46 + i));
        const disc = series(t, "discAcc");
        expect(disc).toHaveLength(1);
        expect(disc[0].step).toBe(45);
        expect(disc[0].value).toBeGreaterThan(0.9);
      }
    });

    it("phase 2, uniform: predictions on held-out Y become uniform (a5-s5's baseline is confidently wrong instead)", () => {
      const t = uniform.task.splits["Y.test"];
      const lnC = Math.log(120);
      expect(meanEntropy(uniform.model, t)).toBeGreaterThan(meanEntropy(base.model, t) + 0.3);
      expect(yLoss(uniform, "Y.test")).toBeCloseTo(lnC, 1);
    });

    it("phase 2, ascent: the true-label loss on Y.access is pushed up past the clamp (ln C) and no further by the ascent", () => {
      const ly = series(ascent, "lossY");
      expect(ly[0].value).toBeLessThan(ly[ly.length - 1].value);
      expect(ly[ly.length - 1].value).toBeGreaterThan(Math.log(120));
      // Once past the clamp the ascent term has no gradient: the loss stops rising at the rate it started with.
      const early = ly[10].value - ly[0].value;
      const late = ly[ly.length - 1].value - ly[ly.length - 11].value;
      expect(late).toBeLessThan(early);
    });
  });
});
