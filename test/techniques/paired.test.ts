import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../../src/engine/tf.js";
import { runWithCache } from "../../src/models/hooks.js";
import { lastHiddenHook } from "../../src/techniques/shared/hooks.js";
import { pairedHookSteps, pairedSteps } from "../../src/techniques/shared/paired.js";
import type { TrainContext } from "../../src/techniques/types.js";
import { BatchStream } from "../../src/train/batches.js";
import { crossEntropy } from "../../src/train/loss.js";
import { fastBackend } from "../helpers.js";
import { makeContext, type Trained, tinyConfig } from "./harness.js";

/** A tiny a5-s5 context of a technique that may read Y.access, with mini-batches of `batchSize` (0 = full batch). */
function context(batchSize: number): { ctx: TrainContext<unknown>; result: Trained } {
  return makeContext(tinyConfig("ntl", [`train.batchSize=${batchSize}`]));
}

const labelsOf = (t: tf.Tensor) => Array.from(t.dataSync());

describe("pairedSteps / pairedHookSteps (src/techniques/shared/paired.ts)", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("draws one X.train and one Y.access batch per step from streams forked with the given labels, reported from the offset", () => {
    const { ctx, result } = context(32);
    const seen: { x: number[]; y: number[] }[] = [];
    const n = pairedSteps(ctx, {
      steps: 3,
      stepOffset: 4,
      xLabel: "t:X",
      yLabel: "t:Y",
      loss: ({ xb, yb }) => {
        seen.push({ x: labelsOf(xb.y), y: labelsOf(yb.y) });
        const lossX = crossEntropy(ctx.model.forward(xb.x), xb.y);
        const lossY = crossEntropy(ctx.model.forward(yb.x), yb.y);
        return { total: tf.add(lossX, lossY), parts: { lossX, lossY } };
      },
    });
    expect(n).toBe(3);
    expect(result.rows.map((r) => r.step)).toEqual([5, 6, 7]);
    expect(Object.keys(result.rows[0].metrics).sort()).toEqual(["lossX", "lossY"]);
    const xs = new BatchStream(ctx.xTrain, 32, ctx.rng.fork("t:X"));
    const ys = new BatchStream(ctx.yAccess, 32, ctx.rng.fork("t:Y"));
    for (const s of seen) {
      const xb = xs.next();
      const yb = ys.next();
      expect(s).toEqual({ x: labelsOf(xb.y), y: labelsOf(yb.y) });
      tf.dispose([xb.x, xb.y, yb.x, yb.y]);
    }
    ctx.model.dispose();
  });

  for (const batchSize of [0, 32]) {
    it(`pairedHookSteps caches the hook on both batches and frees every cache after its step (batch size ${batchSize})`, () => {
      const { ctx } = context(batchSize);
      const hook = lastHiddenHook(ctx.model);
      const start = tf.memory().numTensors;
      const between: number[] = [];
      let fullBatch: boolean | undefined;
      pairedHookSteps(ctx, {
        steps: 4,
        xLabel: "t:X",
        yLabel: "t:Y",
        hook,
        start: ({ x }) => {
          fullBatch = x.isFullBatch;
        },
        loss: ({ xb, yb, cx, cy, defer }) => {
          // cx is the model's run on the X batch (before this step's update).
          const again = defer(runWithCache(ctx.model, xb.x, [hook]));
          expect(Array.from(again.cache[hook].dataSync())).toEqual(Array.from(cx.cache[hook].dataSync()));
          expect(cy.output.shape[0]).toBe(yb.x.shape[0]);
          const lossX = crossEntropy(cx.output, xb.y);
          return { total: tf.add(lossX, crossEntropy(cy.output, yb.y)), parts: { lossX } };
        },
        after: () => {
          between.push(tf.memory().numTensors);
        },
      });
      expect(fullBatch).toBe(batchSize === 0);
      // Constant between steps (the optimiser's state and, at full batch, the streams' tensors), none left after.
      expect(new Set(between).size).toBe(1);
      expect(tf.memory().numTensors).toBe(start);
      ctx.model.dispose();
    });
  }

  // (A throw inside the loss itself is not tested: tf.variableGrads then leaves its own scope's tensors behind.)
  for (const where of ["start", "after"] as const) {
    it(`frees the streams, the caches and the optimiser when it throws (from ${where})`, () => {
      for (const batchSize of [0, 32]) {
        const { ctx } = context(batchSize);
        const hook = lastHiddenHook(ctx.model);
        const start = tf.memory().numTensors;
        const boom = () => {
          throw new Error("boom");
        };
        expect(() =>
          pairedHookSteps(ctx, {
            steps: 3,
            xLabel: "t:X",
            yLabel: "t:Y",
            hook,
            start: where === "start" ? boom : undefined,
            after: (step) => {
              if (where === "after" && step === 2) boom();
            },
            loss: ({ xb, cx }) => {
              const lossX = crossEntropy(cx.output, xb.y);
              return { total: lossX, parts: { lossX } };
            },
          }),
        ).toThrow("boom");
        expect(tf.memory().numTensors).toBe(start);
        ctx.model.dispose();
      }
    });
  }
});
