import { z } from "zod";
import { tf } from "../engine/tf.js";
import { softCrossEntropy } from "../train/loss.js";
import { trainThenMix } from "./shared/then-mix.js";
import type { Technique } from "./types.js";

const hparams = z
  .object({
    /** Fraction of the step budget spent on X alone before Y is mixed in. */
    uniformLabelsPhase1Frac: z.number().min(0).max(1).default(0.5),
    /** Weight of Y (target: the uniform distribution) in the second phase's mixture. */
    uniformLabelsMix: z.number().min(0).max(1).default(0.5),
  })
  .strict();

/**
 * Seed, "Some techniques for influencing model generalisation", technique 2:
 *
 * > 2. After training on X, train on a mixture of X and Y where Y is labelled
 * >    with a uniform distribution.
 * >    - In this case, the model is incentivised to work out which tasks are X
 * >      and which are Y, so that it can predict a uniform distribution when
 * >      the task is Y. However, this may not affect the accuracy much (in the
 * >      sense of selecting the highest probability guess) because a mixture of
 * >      guessing correctly and guessing uniformly leads to less confidence but
 * >      a still correct guess.
 *
 * Adaptation: the Y loss is the cross-entropy to the uniform distribution over
 * all classes (minimised by equal logits); the mixture is a weighted sum of
 * the X and Y losses as in `random-labels`.
 */
export const uniformLabels: Technique<typeof hparams> = {
  name: "uniform-labels",
  describe: "train on X, then on X mixed with Y.access whose target is the uniform distribution",
  source: "seed: techniques with access to Y, no. 2 (uniform labels)",
  usesY: true,
  hparams,
  samplers: {
    uniformLabelsPhase1Frac: (rng) => 0.1 + 0.8 * rng.uniform(),
    uniformLabelsMix: (rng) => 0.1 + 0.8 * rng.uniform(),
  },
  train(ctx) {
    const C = ctx.task.numClasses;
    trainThenMix(ctx, {
      phase1Frac: ctx.hparams.uniformLabelsPhase1Frac,
      mix: ctx.hparams.uniformLabelsMix,
      ySplit: ctx.yAccess,
      yLoss: (logits) => softCrossEntropy(logits, tf.fill([logits.shape[0], C], 1 / C)),
    });
  },
};
