import { z } from "zod";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { runWithCache } from "../models/hooks.js";
import type { Model } from "../models/types.js";
import type { Split } from "../tasks/types.js";
import { splitTensors } from "../train/batches.js";
import { crossEntropy, softCrossEntropy } from "../train/loss.js";
import { makeOptimizer } from "../train/optimizer.js";
import { createHead, type Head } from "./shared/head.js";
import { features, lastHiddenHook } from "./shared/hooks.js";
import { pairedHookSteps, pairedSteps } from "./shared/paired.js";
import { JointOptimizer, splitBudget } from "./shared/steps.js";
import type { Technique, TrainContext } from "./types.js";

const hparams = z
  .object({
    /** Fraction of the model's step budget spent on phase 1 (learning to tell X inputs from Y inputs). */
    discPhase1Frac: z.number().min(0).max(1).default(0.3),
    /**
     * What "bad at Y" means in phase 2: `uniform` = cross-entropy to the
     * uniform distribution; `ascent` = gradient ascent on the true-label
     * cross-entropy, clamped at `discAscentClamp`·ln C.
     */
    discBad: z.enum(["uniform", "ascent"]).default("uniform"),
    /** Weight of the "bad at Y" term against CE_X in phase 2. */
    discBadWeight: z.number().nonnegative().default(1),
    /** Ascent stops paying once the Y cross-entropy exceeds this multiple of chance level (ln C). */
    discAscentClamp: z.number().positive().default(1),
  })
  .strict();
type H = z.infer<typeof hparams>;

/** Label of X inputs (0) and of Y inputs (1) for the discriminator head. */
const IS_X = 0;
const IS_Y = 1;

/**
 * Seed, "Some techniques for influencing model generalisation", technique 4:
 *
 * > 4. Train a model specifically to discriminate between X and Y, then later
 * >    finetune it to have good performance at X and bad at Y.
 *
 * Adaptation: phase 1 trains the model together with an extra linear head
 * (two logits) reading its last hidden representation (`lastHiddenHook`, the
 * last position for sequence models) to tell X.train inputs from Y.access
 * inputs, balanced per step. Phase 2 drops the head and fine-tunes on
 * CE_X + w·bad(Y) with a fresh optimiser. Both phases count toward the
 * model's step budget. The head's accuracy on the training inputs at the end
 * of phase 1 is logged as `discAcc`.
 */
export const discriminateThenFinetune: Technique<typeof hparams> = {
  name: "discriminate-then-finetune",
  describe: "train a head on the last hidden layer to tell X from Y inputs, then fine-tune for good X and bad Y",
  source: "seed: techniques with access to Y, no. 4 (discriminate, then fine-tune)",
  usesY: true,
  hparams,
  samplers: {
    discPhase1Frac: (rng) => 0.05 + 0.5 * rng.uniform(),
    discBad: (rng) => (rng.uniform() < 0.5 ? "uniform" : "ascent"),
    discBadWeight: (rng) => 10 ** (rng.uniform() * 2 - 1),
    discAscentClamp: (rng) => 0.5 + 1.5 * rng.uniform(),
  },
  train(ctx) {
    const [p1, p2] = splitBudget(ctx.train.steps, [ctx.hparams.discPhase1Frac, 1 - ctx.hparams.discPhase1Frac]);
    if (p1 > 0) {
      const head = trainDiscriminator(ctx, p1);
      try {
        const acc =
          (discriminatorAccuracy(ctx.model, head, ctx.xTrain, IS_X) +
            discriminatorAccuracy(ctx.model, head, ctx.yAccess, IS_Y)) /
          2;
        ctx.log(p1, { discAcc: acc });
      } finally {
        head.dispose();
      }
    }
    if (p2 > 0 && !ctx.shouldStop()) finetune(ctx, p2, p1);
  },
};

/**
 * Phase 1: `steps` model steps training the model and a fresh linear head
 * on the last hidden representation to tell X.train (class 0) from Y.access
 * (class 1) inputs, each step on one batch of each (the loss averages the
 * two, so the classes count equally whatever the split sizes). Reports
 * `lossDisc` and, for reference, the model's (unoptimised) `lossX`.
 * @returns the trained head; the caller disposes it.
 */
export function trainDiscriminator(ctx: TrainContext<H>, steps: number): Head {
  const model = ctx.model;
  const hook = lastHiddenHook(model);
  const dIn = tf.tidy(() => {
    const c = runWithCache(model, splitTensors(ctx.xTrain, [0]).x, [hook]);
    const d = features(c.cache[hook], true).shape[1] as number;
    c.dispose();
    return d;
  });
  const head = createHead(ctx.rng.fork("discriminator"), { dIn, dOut: 2, hidden: 0 }, "discriminator");
  const vars = JointOptimizer.merge([
    { prefix: "model:", vars: model.params },
    { prefix: "head:", vars: head.params },
  ]);
  const opt = makeOptimizer(vars, ctx.train);
  try {
    pairedHookSteps(ctx, {
      steps,
      vars,
      optimizer: opt,
      xLabel: "batches:X.train:0",
      yLabel: "batches:Y.access",
      hook,
      loss: ({ xb, yb, cx, cy }) => {
        const lx = crossEntropy(head.forward(features(cx.cache[hook], true)), tf.fill([xb.x.shape[0]], IS_X, "int32"));
        const ly = crossEntropy(head.forward(features(cy.cache[hook], true)), tf.fill([yb.x.shape[0]], IS_Y, "int32"));
        const lossDisc = tf.mul(tf.add(lx, ly), 0.5);
        return { total: lossDisc, parts: { lossX: crossEntropy(cx.output, xb.y), lossDisc } };
      },
    });
  } catch (e) {
    head.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
  return head;
}

/** Fraction of `split`'s inputs the head assigns to `label` (0 = X, 1 = Y). */
export function discriminatorAccuracy(model: Model, head: Head, split: Split, label: number): number {
  const hook = lastHiddenHook(model);
  return tf.tidy(() => {
    const b = splitTensors(split);
    const c = runWithCache(model, b.x, [hook]);
    const pred = tf.argMax(head.forward(features(c.cache[hook], true)), 1);
    const acc = tf.mean(tf.cast(tf.equal(pred, label), "float32")).dataSync()[0];
    c.dispose();
    return acc;
  });
}

/** Phase 2: CE_X + w·bad(Y) for `steps` steps with a fresh optimiser; reports `lossX` and `lossY` (true-label CE on Y). */
function finetune(ctx: TrainContext<H>, steps: number, offset: number): void {
  const { discBad, discBadWeight, discAscentClamp } = ctx.hparams;
  const model = ctx.model;
  const C = ctx.task.numClasses;
  const clamp = discAscentClamp * Math.log(C);
  pairedSteps(ctx, {
    steps,
    stepOffset: offset,
    xLabel: "finetune:X",
    yLabel: "finetune:Y",
    loss: ({ xb, yb }) => {
      const lossX = crossEntropy(model.forward(xb.x), xb.y);
      const logitsY = model.forward(yb.x);
      const lossY = crossEntropy(logitsY, yb.y);
      const bad: Tensor =
        discBad === "uniform"
          ? softCrossEntropy(logitsY, tf.fill([yb.x.shape[0], C], 1 / C))
          : tf.neg(tf.minimum(lossY, clamp));
      return { total: tf.add(lossX, tf.mul(bad, discBadWeight)), parts: { lossX, lossY } };
    },
  });
}
