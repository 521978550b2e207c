import { z } from "zod";
import { evaluateSplit } from "../eval/behaviour.js";
import { BatchStream, takeRows } from "../train/batches.js";
import { crossEntropy } from "../train/loss.js";
import { ConfigError } from "../util/errors.js";
import { modelSteps } from "./shared/steps.js";
import type { Technique } from "./types.js";

const hparams = z
  .object({
    /** Fraction of X.train held out for validation (never X.test, which is for evaluation only). */
    earlyStoppingValFrac: z.number().gt(0).lt(1).default(0.1),
    /** Stop at the first check where validation accuracy is at least this. */
    earlyStoppingThreshold: z.number().gt(0).max(1).default(0.95),
    /** Check validation accuracy every this many steps. */
    earlyStoppingEvery: z.number().int().positive().default(10),
  })
  .strict();

/**
 * Seed, "Use an understanding of the training setup to influence the
 * outcome", first example:
 *
 * > - Use early stopping, if the model learns just X initially, but would
 * >   eventually learn Y
 *
 * Adaptation: a seeded `earlyStoppingValFrac` slice of X.train is held out
 * as a validation set; the model trains on the rest with the run's optimiser
 * and stops (`ctx.stop`) at the first check, every `earlyStoppingEvery`
 * steps, where its validation accuracy reaches `earlyStoppingThreshold`.
 * Validation accuracy is logged at every check (`valAcc`). Uses no Y data:
 * the point is to stop before the (unseen) Y is picked up, which the
 * pipeline's X/Y curves show.
 */
export const earlyStopping: Technique<typeof hparams> = {
  name: "early-stopping",
  describe: "train on part of X.train, stop once accuracy on a held-out slice of X.train reaches a threshold",
  source: "seed: use an understanding of the training setup (early stopping)",
  usesY: false,
  hparams,
  samplers: {
    earlyStoppingValFrac: (rng) => 0.05 + 0.2 * rng.uniform(),
    earlyStoppingThreshold: (rng) => 0.5 + 0.5 * rng.uniform(),
    earlyStoppingEvery: (rng) => 5 * (1 + rng.int(10)),
  },
  train(ctx) {
    const { earlyStoppingValFrac: frac, earlyStoppingThreshold: thr, earlyStoppingEvery: every } = ctx.hparams;
    const n = ctx.xTrain.n;
    const nVal = Math.round(frac * n);
    if (nVal < 1 || nVal >= n) {
      throw new ConfigError(
        `technique.earlyStoppingValFrac = ${frac} leaves ${nVal} of X.train's ${n} examples for validation; choose a fraction that leaves at least one example on each side`,
      );
    }
    const order = ctx.rng.fork("validation").permutation(n);
    const val = takeRows(ctx.xTrain, order.subarray(0, nVal));
    const train = takeRows(ctx.xTrain, order.subarray(nVal));
    const xs = new BatchStream(train, ctx.train.batchSize, ctx.rng.fork("batches:train"));
    try {
      modelSteps(ctx, {
        steps: ctx.train.steps,
        loss: () => {
          const b = xs.next();
          const lossX = crossEntropy(ctx.model.forward(b.x), b.y);
          return { total: lossX, parts: { lossX } };
        },
        after: (s) => {
          if (s % every !== 0) return;
          const valAcc = evaluateSplit(ctx.model, val).acc;
          ctx.log(s, { valAcc });
          if (valAcc >= thr) ctx.stop(`validation accuracy ${valAcc.toFixed(4)} ≥ ${thr} at step ${s}`);
        },
      });
    } finally {
      xs.dispose();
    }
  },
};
