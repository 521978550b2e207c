import type { Tensor } from "../../engine/tf.js";
import { tf } from "../../engine/tf.js";
import type { Split } from "../../tasks/types.js";
import { BatchStream } from "../../train/batches.js";
import { supervisedTraining } from "../../train/loop.js";
import { crossEntropy } from "../../train/loss.js";
import type { TrainContext } from "../types.js";
import { modelSteps, splitBudget } from "./steps.js";

/** Options of `trainThenMix`. */
export interface ThenMixOptions {
  /** Fraction of the budget spent on X alone before mixing in Y. */
  phase1Frac: number;
  /** Weight of Y in the mixture: loss = (1 − mix)·CE_X + mix·yLoss (a batch that is a `mix` fraction Y). */
  mix: number;
  /** The Y examples to mix in (Y.access, possibly relabelled). */
  ySplit: Split;
  /** The loss on a Y batch from the model's logits and the batch's (possibly relabelled) labels. */
  yLoss: (logits: Tensor, labels: Tensor) => Tensor;
}

/**
 * The schedule shared by the seed's relabelling techniques (1 and 2): train
 * on X alone, then on a mixture of X and (relabelled) Y. Both phases use the
 * run's optimiser settings and together take exactly `ctx.train.steps`
 * model steps; the second phase starts a fresh optimiser (a new objective).
 * Reports `lossX` and `lossY` per step in the mixed phase.
 */
export function trainThenMix(ctx: TrainContext<unknown>, opts: ThenMixOptions): void {
  const [p1, p2] = splitBudget(ctx.train.steps, [opts.phase1Frac, 1 - opts.phase1Frac]);
  supervisedTraining(ctx, { steps: p1 });
  if (ctx.shouldStop() || p2 === 0) return;
  const xs = new BatchStream(ctx.xTrain, ctx.train.batchSize, ctx.rng.fork("mix:X"));
  const ys = new BatchStream(opts.ySplit, ctx.train.batchSize, ctx.rng.fork("mix:Y"));
  const m = opts.mix;
  try {
    modelSteps(ctx, {
      steps: p2,
      stepOffset: p1,
      loss: () => {
        const xb = xs.next();
        const yb = ys.next();
        const lossX = crossEntropy(ctx.model.forward(xb.x), xb.y);
        const lossY = opts.yLoss(ctx.model.forward(yb.x), yb.y);
        return { total: tf.add(tf.mul(lossX, 1 - m), tf.mul(lossY, m)), parts: { lossX, lossY } };
      },
    });
  } finally {
    xs.dispose();
    ys.dispose();
  }
}
