import { z } from "zod";
import { supervisedTraining } from "../train/loop.js";
import type { Technique } from "./types.js";

/**
 * Plain training on X.train with the run's optimiser and budget. The
 * reference every other technique is scored against (protocol §4: the
 * baseline scores 0 by construction).
 */
export const baseline: Technique = {
  name: "baseline",
  describe: "plain training on X.train (the reference every score is relative to)",
  source: "protocol §4 (reference model)",
  usesY: false,
  hparams: z.object({}).strict(),
  samplers: {},
  train(ctx) {
    supervisedTraining(ctx);
  },
};
