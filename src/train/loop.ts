import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import type { Model } from "../models/types.js";
import type { Split } from "../tasks/types.js";
import type { StepMetrics, TrainContext } from "../techniques/types.js";
import { BatchStream } from "./batches.js";
import { crossEntropy } from "./loss.js";
import { makeOptimizer, optimizerStep } from "./optimizer.js";

/**
 * Supervised training of `model` on `split` for `steps` optimiser steps with
 * the context's optimiser settings, reporting each step through `ctx.onStep`.
 * `extraLoss` adds a term (a penalty) computed from the model and the batch;
 * its value is logged as `lossExtra`. The shared core of most techniques.
 */
export function supervisedTraining(
  ctx: TrainContext<unknown>,
  opts: {
    split?: Split;
    steps?: number;
    /** First step number reported (for techniques with several phases). */
    stepOffset?: number;
    model?: Model;
    extraLoss?: (model: Model, x: Tensor, y: Tensor) => Tensor;
  } = {},
): number {
  const model = opts.model ?? ctx.model;
  const split = opts.split ?? ctx.xTrain;
  const steps = opts.steps ?? ctx.train.steps;
  const offset = opts.stepOffset ?? 0;
  const stream = new BatchStream(split, ctx.train.batchSize, ctx.rng.fork(`batches:${split.name}:${offset}`));
  const opt = makeOptimizer(model.params, ctx.train);
  let last = Number.NaN;
  try {
    for (let s = 1; s <= steps && !ctx.shouldStop(); s++) {
      const batch = stream.next();
      let extra = 0;
      const loss = optimizerStep(opt, model.params, () => {
        const ce = crossEntropy(model.forward(batch.x), batch.y);
        if (!opts.extraLoss) return ce;
        const pen = opts.extraLoss(model, batch.x, batch.y);
        extra = pen.dataSync()[0];
        return tf.add(ce, pen);
      });
      if (batch.owned) {
        batch.x.dispose();
        batch.y.dispose();
      }
      const metrics: StepMetrics = { lossX: opts.extraLoss ? loss - extra : loss };
      if (opts.extraLoss) metrics.lossExtra = extra;
      last = loss;
      ctx.onStep(offset + s, metrics);
    }
  } finally {
    opt.dispose();
    stream.dispose();
  }
  return last;
}
