import { z } from "zod";
import type { Rng } from "../engine/rng.js";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import type { Model } from "../models/types.js";
import { supervisedTraining } from "../train/loop.js";
import { crossEntropy } from "../train/loss.js";
import { features, lastHiddenHook, resolveHooks } from "./shared/hooks.js";
import { gaussianMmd } from "./shared/mmd.js";
import { pairedHookSteps } from "./shared/paired.js";
import { splitBudget } from "./shared/steps.js";
import type { Technique, TrainContext } from "./types.js";

const hparams = z
  .object({
    /** α: scale of the ascent term α·KL(Y)·MMD (the paper's default 0.1). */
    ntlAlpha: z.number().nonnegative().default(0.1),
    /** β: upper bound of the ascent term; above it the term is constant (no gradient). The paper's default 1.0. */
    ntlBeta: z.number().positive().default(1),
    /** Fraction of the step budget spent on plain X training before the NTL loss (0 = NTL from the first step, as in the paper). */
    ntlWarmFrac: z.number().min(0).max(1).default(0),
    /** Activation the MMD compares ("last" = the last hidden representation, `lastHiddenHook`; or a hook name). */
    ntlHook: z.string().min(1).default("last"),
    /** Rows of each of the X and Y batches (drawn at random each step) on which the MMD is estimated. */
    ntlMmdBatch: z.number().int().min(2).default(256),
  })
  .strict();
type H = z.infer<typeof hparams>;

/** The hook an `ntlHook` value names on `model`. */
export function ntlHookName(model: Model, spec: string): string {
  return spec === "last" ? lastHiddenHook(model) : resolveHooks(model, [spec], "technique.ntlHook")[0];
}

/**
 * Non-Transferable Learning, target-specified (Wang, Yi, Kang, Zhou & Hao,
 * "Non-Transferable Learning: A New Approach for Model Ownership
 * Verification and Applicability Authorization", ICLR 2022,
 * arXiv:2106.06916), eq. 3:
 *
 *   L = KL(P_S, Y_S) − min(β, α · KL(P_T, Y_T) · MMD(F_S, F_T))
 *
 * fit the source domain S while pushing the target domain T's predictions
 * away from its labels *and* its features away from the source's, the
 * product of the two being the ascent term, bounded by β so that it cannot
 * swamp the source loss (beyond β it is constant and gives no gradient).
 *
 * Adaptation: S = X.train, T = Y.access (our tasks are classification in a
 * shared label space, where the paper's T is another image domain with the
 * same classes). KL(P, Y) with one-hot labels is the cross-entropy, so both
 * KL terms are the per-example mean cross-entropy in nats. (The authors'
 * code uses PyTorch's `KLDivLoss()` with its default element-wise mean,
 * which also divides by the number of classes C: their effective α is ours
 * over C. We keep the paper's formula and defaults α = 0.1, β = 1.0 instead;
 * their code clamps α·KL and the MMD at 1 separately, the paper clamps the
 * product at β, as here.) F is the activation at `ntlHook` (default the last
 * hidden representation, the input of the unembedding, standing in for the
 * paper's feature-extractor output; the last position for sequence models,
 * flattened otherwise). The MMD is their five-kernel Gaussian MMD
 * (`gaussianMmd`), estimated each step on `ntlMmdBatch` random rows of each
 * of the X and Y batches (equal numbers, as in their zipped loaders; the
 * full batches give the two cross-entropies). Optionally the first
 * `ntlWarmFrac` of the budget trains on X alone (the paper trains with L
 * from scratch: default 0). X and Y batches use the run's batch size (full
 * batch = all of X.train and all of Y.access every step). Reports `lossX`,
 * `lossY` (KL on Y.access), `mmd` and `ntlAscent` (the clamped term) per step.
 *
 * Measured caveats (tiny configs, see test/techniques/ntl.test.ts): the
 * ascent is a product, so when the baseline already fits Y (KL_Y ≈ 0) and
 * the features barely differ (MMD ≈ 0.01) its gradient vanishes: at α = 0.1
 * on shapes-colour it stayed below 0.005 and changed nothing; α = 10 cut
 * Y.access accuracy from 1.0 to 0.78. On tiny a5-s5 from scratch, α = 0.1
 * already drove the MMD to ~5 and stalled X (X.train CE stuck at ln 60
 * against the baseline's 2.7). The sampler draws α from 10^[−2, 2].
 */
export const ntl: Technique<typeof hparams> = {
  name: "ntl",
  describe:
    "non-transferable learning: fit X while pushing Y.access predictions off their labels and its features off X's (MMD)",
  source:
    "Wang, Yi, Kang, Zhou & Hao 2022, Non-Transferable Learning, ICLR 2022, arXiv:2106.06916 (target-specified NTL)",
  usesY: true,
  hparams,
  samplers: {
    ntlAlpha: (rng) => 10 ** (rng.uniform() * 4 - 2),
    ntlBeta: (rng) => 10 ** (rng.uniform() * 1.5 - 1),
    ntlWarmFrac: (rng) => (rng.uniform() < 0.5 ? 0 : 0.6 * rng.uniform()),
    ntlMmdBatch: (rng) => [64, 128, 256, 512][rng.int(4)],
  },
  train(ctx) {
    const f = ctx.hparams.ntlWarmFrac;
    const [p0, p1] = splitBudget(ctx.train.steps, [f, 1 - f]);
    if (p0 > 0) supervisedTraining(ctx, { steps: p0 });
    if (p1 > 0 && !ctx.shouldStop()) ntlPhase(ctx, p1, p0);
  },
};

/** `k` random rows of `t` [n, d] (all of them, in order, when k ≥ n). */
function sampleRows(t: Tensor, k: number, rng: Rng): Tensor {
  const n = t.shape[0] as number;
  if (k >= n) return t;
  return tf.gather(t, tf.tensor1d(rng.permutation(n).subarray(0, k), "int32"));
}

/** `steps` model steps on the NTL loss, reported from `offset + 1`. */
function ntlPhase(ctx: TrainContext<H>, steps: number, offset: number): void {
  const { ntlAlpha: alpha, ntlBeta: beta, ntlMmdBatch } = ctx.hparams;
  const hook = ntlHookName(ctx.model, ctx.hparams.ntlHook);
  const pick = ctx.rng.fork("ntl:mmd-rows");
  pairedHookSteps(ctx, {
    steps,
    stepOffset: offset,
    // supervisedTraining's stream for a phase starting at `offset`: with α = 0 this phase trains exactly like it.
    xLabel: `batches:${ctx.xTrain.name}:${offset}`,
    yLabel: "ntl:Y",
    hook,
    loss: ({ xb, yb, cx, cy }) => {
      const lossX = crossEntropy(cx.output, xb.y);
      const lossY = crossEntropy(cy.output, yb.y);
      const fx = features(cx.cache[hook], true);
      const fy = features(cy.cache[hook], true);
      const k = Math.min(ntlMmdBatch, fx.shape[0] as number, fy.shape[0] as number);
      const mmd = gaussianMmd(sampleRows(fx, k, pick), sampleRows(fy, k, pick));
      const ntlAscent = tf.minimum(tf.mul(tf.mul(lossY, mmd), alpha), beta);
      return { total: tf.sub(lossX, ntlAscent), parts: { lossX, lossY, mmd, ntlAscent } };
    },
  });
}
