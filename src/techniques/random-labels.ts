import { z } from "zod";
import { crossEntropy } from "../train/loss.js";
import { relabel } from "./shared/context.js";
import { trainThenMix } from "./shared/then-mix.js";
import type { Technique } from "./types.js";

const hparams = z
  .object({
    /** Fraction of the step budget spent on X alone before Y is mixed in. */
    randomLabelsPhase1Frac: z.number().min(0).max(1).default(0.5),
    /** Weight of the randomly labelled Y in the second phase's mixture (the fraction of a batch that is Y). */
    randomLabelsMix: z.number().min(0).max(1).default(0.5),
  })
  .strict();

/**
 * Seed, "Some techniques for influencing model generalisation", technique 1:
 *
 * > 1. After training on X, train on a mixture of X and Y where Y has random labels
 * >    - In this case, the model can't do better than random on Y unless it
 * >      memorises the labels. Therefore the model is not actually incentivised
 * >      to forget Y, and it would be able to perform task Y in the test set
 * >      even after memorising false labels for Y in the train set.
 *
 * Adaptation: each Y.access example gets one label drawn uniformly from all
 * classes, once per run (fixed, so that memorising them is possible, which
 * is the failure mode the seed predicts). The "mixture" is a weighted sum of
 * the X and Y losses over one X batch and one Y batch per step, equal in
 * expectation to batches that are a `randomLabelsMix` fraction Y.
 */
export const randomLabels: Technique<typeof hparams> = {
  name: "random-labels",
  describe: "train on X, then on X mixed with Y.access under fixed uniformly random labels",
  source: "seed: techniques with access to Y, no. 1 (random labels)",
  usesY: true,
  hparams,
  samplers: {
    randomLabelsPhase1Frac: (rng) => 0.1 + 0.8 * rng.uniform(),
    randomLabelsMix: (rng) => 0.1 + 0.8 * rng.uniform(),
  },
  train(ctx) {
    const y = ctx.yAccess;
    const labelRng = ctx.rng.fork("random-labels");
    const labels = Int32Array.from({ length: y.n }, () => labelRng.int(ctx.task.numClasses));
    trainThenMix(ctx, {
      phase1Frac: ctx.hparams.randomLabelsPhase1Frac,
      mix: ctx.hparams.randomLabelsMix,
      ySplit: relabel(y, labels),
      yLoss: crossEntropy,
    });
  },
};
