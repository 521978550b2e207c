import { z } from "zod";
import { trainThenAscend } from "./shared/ascent.js";
import type { Technique } from "./types.js";

const hparams = z
  .object({
    /** Fraction of the step budget spent training on X.train before the ascent on Y.access. */
    gradAscentPhase1Frac: z.number().min(0).max(1).default(0.8),
    /** The ascent stops paying once the Y.access batch's cross-entropy reaches this multiple of ln C (chance). */
    gradAscentClamp: z.number().positive().default(1),
  })
  .strict();

/**
 * Gradient ascent, the standard unlearning baseline: Jang et al. 2023,
 * "Knowledge Unlearning for Mitigating Privacy Risks in Language Models"
 * (ACL 2023, arXiv:2210.01504), and the `GradAscent` baseline of Maini et
 * al. 2024, "TOFU: A Task of Fictitious Unlearning for LLMs"
 * (arXiv:2401.06121), as implemented in open-unlearning: after training,
 * maximise the loss on the forget set alone.
 *
 * Adaptation to our setting: the "trained model" is produced inside the
 * budget — phase 1 (`gradAscentPhase1Frac` of `ctx.train.steps`) is plain
 * training on X.train, exactly the baseline's; phase 2 (the rest, with a
 * fresh optimiser) ascends the true-label cross-entropy on Y.access (the
 * forget set; the language-model token loss becomes our classification
 * loss) and nothing else. Unlike the papers, which stop after a few epochs
 * or at a target forget-set score, the ascent is clamped
 * (`src/techniques/shared/ascent.ts`): each step minimises
 * `−min(CE_Y, gradAscentClamp·ln C)`, so the gradient vanishes once the Y
 * batch is as bad as the ceiling (default: chance level) and the loss
 * cannot run away to infinity. X.train's loss is still reported (`lossX`)
 * but not trained in phase 2: the damage to X is the point of comparison
 * with `grad-diff`. Uses only the logits, so it applies to every model and
 * pair.
 */
export const gradientAscent: Technique<typeof hparams> = {
  name: "gradient-ascent",
  describe: "train on X, then ascend the (clamped) cross-entropy on Y.access alone",
  source: "Jang et al. 2023 (ACL), arXiv:2210.01504; Maini et al. 2024 (TOFU), arXiv:2401.06121",
  usesY: true,
  hparams,
  samplers: {
    gradAscentPhase1Frac: (rng) => 0.5 + 0.45 * rng.uniform(),
    gradAscentClamp: (rng) => 0.5 + 1.5 * rng.uniform(),
  },
  train(ctx) {
    const h = ctx.hparams;
    trainThenAscend(ctx, {
      phase1Frac: h.gradAscentPhase1Frac,
      clamp: h.gradAscentClamp,
      xWeight: 0,
      yWeight: 1,
      label: "gradient-ascent",
    });
  },
};
