import { z } from "zod";
import type { TrainConfig } from "../config/train.js";
import { type ModularOrdering, orderedBatches } from "../tasks/modular.js";
import { splitTensors } from "../train/batches.js";
import { supervisedTraining } from "../train/loop.js";
import { crossEntropy } from "../train/loss.js";
import { ConfigError } from "../util/errors.js";
import { withTrain } from "./shared/context.js";
import { modelSteps } from "./shared/steps.js";
import type { Technique } from "./types.js";

const hparams = z
  .object({
    /** Optimiser (default: the run's `train.optimizer`). */
    trainingSetupOptimizer: z.enum(["adamw", "sgd"]).optional(),
    /** Learning rate (default: the run's `train.lr`). */
    trainingSetupLr: z.number().positive().optional(),
    /** Weight decay (default: the run's `train.weightDecay`). */
    trainingSetupWeightDecay: z.number().nonnegative().optional(),
    /** Examples per step, 0 = full batch (default: the run's `train.batchSize`). */
    trainingSetupBatchSize: z.number().int().nonnegative().optional(),
    /**
     * Data order for tasks that describe one (`task.info.ordering`, the
     * modular pair): `mixed` = every batch from all moduli; `sequential` =
     * one modulus at a time with replay (the seed's ordering). Default: the
     * task's own `ordering`, else mixed.
     */
    trainingSetupOrder: z.enum(["mixed", "sequential"]).optional(),
    /** Fraction of each sequential batch replayed from earlier moduli (default: the task's `replayFraction`). */
    trainingSetupReplay: z.number().min(0).lt(1).optional(),
  })
  .strict();

/**
 * Seed, "Use an understanding of the training setup to influence the
 * outcome", second example:
 *
 * > - Find (preferably in a principled way) a set of hyperparameters, loss
 * >   function, optimiser or data ordering that influences how the model
 * >   generalises.
 *
 * and, for the modular pair, the ordering it describes:
 *
 * > if X is learned by first doing several epochs with $p_1$ only, then
 * > several with $p_2$ only (and a few cases of $p_1$ to prevent catastrophic
 * > forgetting) and so on, it seems more likely that the model would learn
 * > the $p$-specific circuits only than if the training has a lot of
 * > different values of $p$ from the beginning.
 *
 * Plain training on X.train whose optimiser, learning rate, weight decay,
 * batch size and (modular) data order are this technique's hyperparameters,
 * overriding the run's `train` settings, so a sweep over them is a sweep of
 * this technique. The step budget is the run's. With no hyperparameter set
 * it trains exactly like the baseline. Sequential order uses the modular
 * task's `orderedBatches` (one phase per modulus of P_X, in order).
 */
export const trainingSetup: Technique<typeof hparams> = {
  name: "training-setup",
  describe: "plain training with its own optimiser, lr, weight decay, batch size and (modular) data order",
  source: "seed: use an understanding of the training setup (hyperparameters, optimiser, data ordering)",
  usesY: false,
  hparams,
  samplers: {
    trainingSetupOptimizer: (rng) => (rng.uniform() < 0.5 ? "adamw" : "sgd"),
    trainingSetupLr: (rng) => 10 ** (rng.uniform() * 3 - 4),
    trainingSetupWeightDecay: (rng) => (rng.uniform() < 0.2 ? 0 : 10 ** (rng.uniform() * 4 - 3)),
    trainingSetupBatchSize: (rng) => [0, 32, 64, 128, 256, 512][rng.int(6)],
  },
  train(ctx) {
    const h = ctx.hparams;
    const train: TrainConfig = {
      ...ctx.train,
      optimizer: h.trainingSetupOptimizer ?? ctx.train.optimizer,
      lr: h.trainingSetupLr ?? ctx.train.lr,
      weightDecay: h.trainingSetupWeightDecay ?? ctx.train.weightDecay,
      batchSize: h.trainingSetupBatchSize ?? ctx.train.batchSize,
    };
    const c = withTrain(ctx, train);
    const taskOrdering = ctx.task.info.ordering as ModularOrdering | undefined;
    const order = h.trainingSetupOrder ?? taskOrdering?.kind ?? "mixed";
    if (order === "mixed") {
      supervisedTraining(c);
      return;
    }
    if (!taskOrdering || !ctx.xTrain.groupKey) {
      throw new ConfigError(
        "technique.trainingSetupOrder = sequential needs a task that describes a data order (task.info.ordering: the modular pair); this task has none, use mixed",
      );
    }
    const ordering: ModularOrdering = {
      ...taskOrdering,
      kind: "sequential",
      replayFraction: h.trainingSetupReplay ?? taskOrdering.replayFraction,
    };
    const batches = orderedBatches(
      ctx.xTrain,
      ordering,
      { steps: train.steps, batchSize: train.batchSize },
      ctx.rng.fork("sequential"),
    );
    modelSteps(c, {
      steps: train.steps,
      train,
      loss: () => {
        const rows = batches.next().value as Int32Array;
        const b = splitTensors(ctx.xTrain, rows);
        const lossX = crossEntropy(ctx.model.forward(b.x), b.y);
        return { total: lossX, parts: { lossX } };
      },
    });
  },
};
