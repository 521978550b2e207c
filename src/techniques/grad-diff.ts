import { z } from "zod";
import { trainThenAscend } from "./shared/ascent.js";
import type { Technique } from "./types.js";

const hparams = z
  .object({
    /** Weight λ of the clamped ascent on Y.access against the descent on X.train. */
    gradDiffLambda: z.number().nonnegative().default(1),
    /** The ascent stops paying once the Y.access batch's cross-entropy reaches this multiple of ln C (chance). */
    gradDiffClamp: z.number().positive().default(1),
    /** Fraction of the step budget spent on X.train alone before the gradient difference (0 = from the start). */
    gradDiffPhase1Frac: z.number().min(0).max(1).default(0.5),
  })
  .strict();

/**
 * Gradient difference (Liu, Liu & Stone 2022, "Continual Learning
 * and Private Unlearning", CoLLAs 2022, arXiv:2203.12817; the `GradDiff`
 * baseline of Maini et al. 2024, TOFU, arXiv:2401.06121, as implemented in
 * open-unlearning): descend the loss on the retain set while ascending it on
 * the forget set in the same step.
 *
 * Adaptation to our setting: the retain set is X.train, the forget set
 * Y.access (true labels), the loss the classification cross-entropy. After
 * an optional X-only phase (`gradDiffPhase1Frac` of `ctx.train.steps`,
 * exactly the baseline's training), each remaining step (fresh optimiser)
 * takes one X.train and one Y.access batch and minimises
 * `CE_X − λ·min(CE_Y, gradDiffClamp·ln C)`. The clamp (shared with
 * `gradient-ascent`, see `src/techniques/shared/ascent.ts`) is our
 * addition: the papers' unbounded ascent term can run away, while here its
 * gradient vanishes once the Y batch is as bad as the ceiling (default:
 * chance level), leaving only the X descent. Uses only the logits, so it
 * applies to every model and pair.
 */
export const gradDiff: Technique<typeof hparams> = {
  name: "grad-diff",
  describe: "descend CE on X.train while ascending the (clamped) CE on Y.access: CE_X − λ·min(CE_Y, ceiling)",
  source: "Liu et al. 2022 (CoLLAs), arXiv:2203.12817; Maini et al. 2024 (TOFU), arXiv:2401.06121",
  usesY: true,
  hparams,
  samplers: {
    gradDiffLambda: (rng) => 10 ** (rng.uniform() * 2 - 1),
    gradDiffClamp: (rng) => 0.5 + 1.5 * rng.uniform(),
    gradDiffPhase1Frac: (rng) => 0.8 * rng.uniform(),
  },
  train(ctx) {
    const h = ctx.hparams;
    trainThenAscend(ctx, {
      phase1Frac: h.gradDiffPhase1Frac,
      clamp: h.gradDiffClamp,
      xWeight: 1,
      yWeight: h.gradDiffLambda,
      label: "grad-diff",
    });
  },
};
