import { tf } from "../engine/tf.js";
import type { Model } from "../models/types.js";
import { crossEntropy } from "../train/loss.js";
import { type Optimizer, optimizerStep } from "../train/optimizer.js";
import type { Batch, PerfSession } from "./types.js";

/**
 * The session every workload uses: the project's own training step
 * (`optimizerStep`: `tf.variableGrads` of `crossEntropy` on the model's
 * logits, the optimiser update, reading the loss back) cycling through fixed
 * batches that are already tensors, so that a step measures training and not
 * data loading. Reading the loss each step (a sync) is what every training
 * loop here does, and what the PyTorch reference does with `loss.item()`.
 */
export function trainingSession(model: Model, opt: Optimizer, batches: Batch[]): PerfSession {
  let i = 0;
  return {
    model,
    params: Object.values(model.params).reduce((n, v) => n + v.size, 0),
    step() {
      const b = batches[i % batches.length];
      i += 1;
      return optimizerStep(opt, model.params, () => crossEntropy(model.forward(b.x), b.y));
    },
    dispose() {
      opt.dispose();
      model.dispose();
      for (const b of batches) tf.dispose([b.x, b.y]);
    },
  };
}
