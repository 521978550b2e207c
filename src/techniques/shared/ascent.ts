import type { Tensor } from "../../engine/tf.js";
import { tf } from "../../engine/tf.js";
import { supervisedTraining } from "../../train/loop.js";
import { crossEntropy } from "../../train/loss.js";
import { makeOptimizer, type Optimizer } from "../../train/optimizer.js";
import type { TrainContext } from "../types.js";
import { pairedSteps } from "./paired.js";
import { splitBudget } from "./steps.js";

/**
 * The ceiling of a clamped ascent: `clamp · ln C`, i.e. `clamp` times the
 * cross-entropy of a uniform guess over the C classes (chance level).
 * `clamp = 1` stops the ascent once the model is on average no better than
 * uniform on the Y batch; a larger `clamp` lets it push on towards
 * confidently wrong (which, as the unlearning literature notes, can keep
 * the information about Y — the model must know the answer to avoid it).
 */
export function ascentCeiling(clamp: number, numClasses: number): number {
  if (!(clamp > 0)) throw new Error(`ascentCeiling: clamp must be > 0, got ${clamp}`);
  if (!(numClasses >= 2)) throw new Error(`ascentCeiling: needs at least 2 classes, got ${numClasses}`);
  return clamp * Math.log(numClasses);
}

/** The clamped ascent term of one batch and the raw cross-entropy it is built from. */
export interface ClampedAscent {
  /** `−min(CE, ceiling)`: minimising it ascends CE until CE reaches the ceiling, then has zero gradient. */
  term: Tensor;
  /** The batch's mean true-label cross-entropy (unclamped), to report. */
  ce: Tensor;
}

/**
 * Clamped gradient ascent on the cross-entropy of a batch (the forgetting
 * term of gradient-ascent unlearning, Jang et al. 2023, arXiv:2210.01504;
 * Maini et al. 2024, arXiv:2401.06121), as a loss to *minimise*:
 * `−min(CE, ceiling)` with CE the batch's mean true-label cross-entropy.
 *
 * Why a clamp: the cross-entropy is unbounded above, so plain ascent runs
 * away (logits → ±∞, then NaN) and drags every other task with it. Below
 * the ceiling the term's gradient is exactly −∇CE; at or above it the
 * gradient is zero (tf.minimum routes the gradient to the smaller input),
 * so the ascent stops paying once the batch is as bad as the ceiling says.
 * The clamp is on the batch mean, not per example: the goal is "no better
 * than chance on average on Y", and a per-example clamp would keep pushing
 * the easy examples while the mean is already past the ceiling.
 *
 * The zero gradient alone does not stop a momentum optimiser: AdamW keeps
 * moving along its first moment for ~1/(1−β₁) steps (and weight decay keeps
 * shrinking), so `ascentSteps` also skips the update of a step that has no
 * other live term. Where an X term keeps the step alive (grad-diff), the
 * ascent's leftover momentum can carry CE briefly past the ceiling (on the
 * tests' shapes config: at most 0.08 nats past ln 2); it does not run away.
 */
export function clampedAscent(logits: Tensor, labels: Tensor, ceiling: number): ClampedAscent {
  const ce = crossEntropy(logits, labels);
  return { term: tf.neg(tf.minimum(ce, ceiling)), ce };
}

/** Options of `ascentSteps`. */
export interface AscentStepsOptions {
  /** Model steps in this phase. */
  steps: number;
  /** Steps already reported before this phase. */
  stepOffset: number;
  /** Ceiling of the Y cross-entropy (see `ascentCeiling`). */
  ceiling: number;
  /**
   * Weight of the descent on CE_X. 0 is gradient ascent on Y alone (CE_X is
   * still computed on an X batch and reported as `lossX`, but no gradient
   * flows from it); 1 is gradient difference.
   */
  xWeight: number;
  /** Weight λ of the clamped ascent term. */
  yWeight: number;
  /** Label for the batch streams' rng forks (distinct per technique/phase). */
  label: string;
}

/**
 * A phase of `steps` model steps minimising
 * `xWeight·CE_X − yWeight·min(CE_Y, ceiling)` on one X.train batch and one
 * Y.access batch per step, with a fresh optimiser (a new objective) from
 * the run's settings.
 *
 * A step whose loss has no live term — ascent alone (`xWeight` 0) on a Y
 * batch already at or past the ceiling — makes no update at all: "ascend
 * only while the Y loss is below the ceiling". Handing AdamW the zero
 * gradient instead would still move the weights (its first moment decays
 * over ~1/(1−β₁) steps, and weight decay shrinks them), and on a tiny
 * shapes config that carried the Y loss from the ceiling (ln 2) to 4 nats
 * and X to chance. The step is still reported (it counts toward the
 * budget, like a step with a zero gradient). With an X term the step is
 * taken (the X descent continues); only the ascent's leftover momentum
 * can then carry the Y loss briefly past the ceiling.
 *
 * Reports per step: `lossX`, `lossY` (the unclamped true-label CE of the
 * Y.access batch, before the step), `ascentLive` (1 while that batch is
 * below the ceiling, i.e. the ascent gradient is non-zero; 0 past it) and
 * `yCeiling` (constant, so a log alone shows the cap).
 * @returns the number of steps taken.
 */
export function ascentSteps(ctx: TrainContext<unknown>, opts: AscentStepsOptions): number {
  if (opts.steps <= 0) return 0;
  const model = ctx.model;
  const inner = makeOptimizer(model.params, ctx.train);
  let skip = false;
  const optimizer: Optimizer = {
    step(grads) {
      if (!skip) inner.step(grads);
    },
    dispose() {
      inner.dispose();
    },
  };
  try {
    return pairedSteps(ctx, {
      steps: opts.steps,
      stepOffset: opts.stepOffset,
      optimizer,
      xLabel: `${opts.label}:X`,
      yLabel: `${opts.label}:Y`,
      loss: ({ xb, yb }) => {
        const lossX = crossEntropy(model.forward(xb.x), xb.y);
        const { term, ce: lossY } = clampedAscent(model.forward(yb.x), yb.y, opts.ceiling);
        const ascentTerm = tf.mul(term, opts.yWeight);
        // With xWeight 0 the X forward pass is only reported: it is not part of
        // the differentiated loss, so tfjs does not backpropagate through it.
        const total = opts.xWeight === 0 ? ascentTerm : tf.add(tf.mul(lossX, opts.xWeight), ascentTerm);
        const ascentLive = tf.cast(tf.less(lossY, opts.ceiling), "float32");
        skip = opts.xWeight === 0 && ascentLive.dataSync()[0] === 0;
        return { total, parts: { lossX, lossY, ascentLive, yCeiling: tf.scalar(opts.ceiling) } };
      },
    });
  } finally {
    optimizer.dispose();
  }
}

/** Options of `trainThenAscend`. */
export interface TrainThenAscendOptions extends Omit<AscentStepsOptions, "steps" | "stepOffset" | "ceiling"> {
  /** Fraction of `ctx.train.steps` spent on plain X.train training (the baseline's) before the ascent phase. */
  phase1Frac: number;
  /** The ceiling as a multiple of chance level (see `ascentCeiling`). */
  clamp: number;
}

/**
 * The schedule of the ascent techniques (gradient-ascent, grad-diff): the
 * first `phase1Frac` of the budget is plain training on X.train, exactly
 * the baseline's, then `ascentSteps` spends the rest with the ceiling
 * `clamp·ln C`. Together the phases take exactly `ctx.train.steps` model steps.
 */
export function trainThenAscend(ctx: TrainContext<unknown>, opts: TrainThenAscendOptions): void {
  const { phase1Frac: f, clamp, ...ascent } = opts;
  const [p1, p2] = splitBudget(ctx.train.steps, [f, 1 - f]);
  if (p1 > 0) supervisedTraining(ctx, { steps: p1 });
  if (p2 === 0 || ctx.shouldStop()) return;
  ascentSteps(ctx, { ...ascent, steps: p2, stepOffset: p1, ceiling: ascentCeiling(clamp, ctx.task.numClasses) });
}
