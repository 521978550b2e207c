import { z } from "zod";

/**
 * The training budget and optimiser every technique gets (protocol §2: the
 * same number of optimiser steps on the model as the baseline). Tasks set
 * their own defaults (`TaskPair.trainDefaults`); users override per key.
 */
export const trainConfig = z
  .object({
    /** Optimiser steps on the model. */
    steps: z.number().int().nonnegative(),
    /** Examples per step; 0 means the whole of X.train every step. */
    batchSize: z.number().int().nonnegative(),
    optimizer: z.enum(["adamw", "sgd"]),
    lr: z.number().positive(),
    /** Decoupled weight decay (AdamW); for sgd, an L2 penalty on the weights. */
    weightDecay: z.number().nonnegative(),
    beta1: z.number().min(0).lt(1),
    beta2: z.number().min(0).lt(1),
    /** Evaluate X.test and Y.test every this many steps for the training curves. */
    evalEvery: z.number().int().positive(),
  })
  .strict();
export type TrainConfig = z.infer<typeof trainConfig>;

/** Defaults for keys a task leaves unset. */
export const TRAIN_DEFAULTS: TrainConfig = {
  steps: 1000,
  batchSize: 0,
  optimizer: "adamw",
  lr: 1e-3,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  evalEvery: 100,
};
