import type { z } from "zod";
import type { TrainConfig } from "../config/train.js";
import type { Rng } from "../engine/rng.js";
import type { Model } from "../models/types.js";
import type { BuiltTask, Split } from "../tasks/types.js";

/** Per-step numbers a technique logs (lossX always; others as it likes). */
export type StepMetrics = Record<string, number>;

/**
 * What a technique's `train` gets. It sees only the splits it may use:
 * `X.train` always, `Y.access` if it declared `usesY`; any other split
 * throws a SplitAccessError (protocol §1).
 */
export interface TrainContext<H> {
  /** The task, with guarded splits. */
  task: BuiltTask;
  /** X.train, the task we want learned. */
  xTrain: Split;
  /** Y.access; throws unless the technique declared `usesY: true`. */
  readonly yAccess: Split;
  /** The model to train (already initialised from the seed). */
  model: Model;
  /** A freshly initialised model of the same architecture, for techniques that need one. */
  newModel(seedLabel: string): Model;
  /** The training budget and optimiser settings. */
  train: TrainConfig;
  /** This technique's hyperparameters, validated. */
  hparams: H;
  /** Seeded stream for this technique's own randomness. */
  rng: Rng;
  /**
   * Call after every optimiser step on the model with the step number
   * (1-based) and the step's numbers. Throws NumericalError on a non-finite
   * loss. The pipeline may evaluate curves here (never shown to the technique).
   */
  onStep(step: number, metrics: StepMetrics): void;
  /** Log numbers that are not tied to a model step (e.g. an adversary's accuracy). */
  log(step: number, metrics: StepMetrics): void;
  /** True once the run should stop early (Ctrl-C, or the technique's own decision via `stop`). */
  shouldStop(): boolean;
  /** End training early and record why (e.g. early stopping). */
  stop(reason: string): void;
}

/** One hyperparameter's seeded sampler for random-search sweeps. */
export type Sampler = (rng: Rng) => unknown;

/**
 * A technique (protocol §2): a training procedure with its hyperparameters,
 * whether it uses Y.access, and where it comes from.
 */
export interface Technique<S extends z.ZodType = z.ZodType> {
  name: string;
  /** One line for `antilearn list`. */
  describe: string;
  /** The seed paragraph or paper it implements. */
  source: string;
  usesY: boolean;
  /** Hyperparameters with defaults (a strict zod object). */
  hparams: S;
  /** Seeded samplers per hyperparameter, for random sweeps. */
  samplers: Partial<Record<keyof z.infer<S> & string, Sampler>>;
  /** Tasks it does not apply to, with the reason; absent = all. */
  notFor?: Record<string, string>;
  train(ctx: TrainContext<z.infer<S>>): Promise<void> | void;
}
