import type { z } from "zod";
import type { InputSpec } from "../models/types.js";

/** The five splits of protocol §1. */
export const SPLIT_NAMES = ["X.train", "X.test", "Y.access", "Y.test", "Y.relearn"] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/**
 * One split, held in plain typed arrays (tensors are made per batch, so a
 * split costs no tensor memory while it is not in use).
 */
export interface Split {
  name: SplitName;
  /** Number of examples. */
  n: number;
  /** Inputs, row-major, `n * prod(exampleShape)` values. */
  x: Int32Array | Float32Array;
  xDtype: "int32" | "float32";
  /** Shape of one example, e.g. [2] for a token pair, [28, 28, 1] for an image. */
  exampleShape: number[];
  /** Integer class labels. */
  y: Int32Array;
  /**
   * Optional per-example group key used to report accuracy by subgroup (the
   * modulus in `modular`, the subgroup in `subgroups`).
   */
  groupKey?: Int32Array;
}

/** A task pair built for one config and seed. */
export interface BuiltTask {
  splits: Record<SplitName, Split>;
  chanceX: number;
  chanceY: number;
  numClasses: number;
  input: InputSpec;
  /** Free-form facts for interpretation (e.g. the group and its element list). */
  info: Record<string, unknown>;
}

/** A task's trivial-strategy accuracy on Y.test (see `TaskPair.yFloor`). */
export interface YFloor {
  value: number;
  /** The strategy, in a few words, e.g. "a + b without reducing mod p". */
  strategy: string;
}

/** Training defaults a task may set (the pair's "standard budget"). */
export interface TrainDefaults {
  steps?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  evalEvery?: number;
}

/**
 * Evaluation defaults a task may set (over the global ones), so that the
 * relearning attack measures what matters for the pair (e.g. `embed` mode
 * for group pairs, whose new elements' embeddings are the point) and the
 * evaluation stays a minority of the training time at the pair's budget.
 */
export interface EvalDefaults {
  relearnModes?: ("embed" | "all")[];
  relearnK?: number[];
  relearnEvalEvery?: number | "auto";
  relearnCurveExamples?: number;
}

/** A task pair (protocol §1): a schema for its parameters and a builder. */
export interface TaskPair<S extends z.ZodType = z.ZodType> {
  name: string;
  /** One line for `antilearn list`. */
  describe: string;
  /** Why X should, by default, generalise to Y: the hypothesis the pair tests. */
  hypothesis: string;
  configSchema: S;
  /** Registry name of the model used when the config does not name one. */
  defaultModel: string;
  /** Model names that make sense for this pair (the default first). */
  models?: readonly string[];
  trainDefaults: TrainDefaults;
  /** Overrides of the global evaluation defaults for this pair (absent = the global ones). */
  evalDefaults?: EvalDefaults;
  build(config: z.infer<S>, seed: number): BuiltTask;
  /**
   * Where a trivial strategy that needs no Y circuit already scores above
   * chance on Y.test, that strategy's accuracy (e.g. unreduced a + b on
   * `modular`). Reports print it beside chance so that an accY at this level
   * reads as the shortcut, not as generalisation. Absent = chance is the floor.
   */
  yFloor?(config: z.infer<S>, seed: number): YFloor;
}
