import { type ActivationCache, runWithCache } from "../../models/hooks.js";
import { type Batch, BatchStream } from "../../train/batches.js";
import type { TrainContext } from "../types.js";
import { type ModelStepsOptions, modelSteps, type StepLoss } from "./steps.js";

/** The batches of one paired step: one from X.train, one from Y.access. */
export interface PairedBatches {
  xb: Batch;
  yb: Batch;
}

/** Options of `pairedSteps`: `modelSteps`'s (on `ctx.model`), with a loss on one X and one Y batch. */
export interface PairedStepsOptions<L = PairedBatches> extends Omit<ModelStepsOptions, "loss" | "model"> {
  /** `ctx.rng.fork` label of the X.train batch stream. */
  xLabel: string;
  /** `ctx.rng.fork` label of the Y.access batch stream. */
  yLabel: string;
  /**
   * Runs once both streams exist, before the first step (e.g. to precompute
   * something on X when `streams.x.isFullBatch`, where every X batch is the
   * same). Must not draw from the streams unless they are full batch.
   */
  start?: (streams: { x: BatchStream; y: BatchStream }) => void;
  /** The loss of a step from its batches (inside the gradient tape, like `modelSteps`'s `loss`). */
  loss: (batches: L, step: number) => StepLoss;
}

/**
 * `modelSteps` on a loss that draws one X.train batch and then one Y.access
 * batch per step, each from its own `BatchStream` (run's batch size, rng
 * forked from `ctx.rng` with `xLabel` / `yLabel`); the streams are freed at
 * the end, whatever happens. Techniques whose loss mixes an X term and a Y
 * term build on it.
 * @returns the number of steps taken.
 */
export function pairedSteps(ctx: TrainContext<unknown>, opts: PairedStepsOptions): number {
  const { xLabel, yLabel, start, loss, ...rest } = opts;
  const streams: BatchStream[] = [];
  try {
    const x = new BatchStream(ctx.xTrain, ctx.train.batchSize, ctx.rng.fork(xLabel));
    streams.push(x);
    const y = new BatchStream(ctx.yAccess, ctx.train.batchSize, ctx.rng.fork(yLabel));
    streams.push(y);
    start?.({ x, y });
    return modelSteps(ctx, { ...rest, loss: (step) => loss({ xb: x.next(), yb: y.next() }, step) });
  } finally {
    for (const s of streams) s.dispose();
  }
}

/** What a `pairedHookSteps` loss gets: the step's batches and the model's run on each, with `hook` cached. */
export interface PairedHookBatches extends PairedBatches {
  /** `runWithCache(ctx.model, xb.x, [hook])`. */
  cx: ActivationCache;
  /** `runWithCache(ctx.model, yb.x, [hook])`. */
  cy: ActivationCache;
  /** Frees `c` with the step's own caches, after the step (for other forward passes made by the loss). */
  defer(c: ActivationCache): ActivationCache;
}

/** Options of `pairedHookSteps`. */
export interface PairedHookStepsOptions extends PairedStepsOptions<PairedHookBatches> {
  /** The activation cached on both batches. */
  hook: string;
}

/**
 * `pairedSteps` for losses on an activation: each step runs `ctx.model` on
 * the X batch and then on the Y batch with `runWithCache(…, [hook])`, and
 * frees both caches (and any the loss `defer`s) once the step has been
 * taken and reported (they live outside the step's tidy scope, as the
 * backward pass needs them).
 * @returns the number of steps taken.
 */
export function pairedHookSteps(ctx: TrainContext<unknown>, opts: PairedHookStepsOptions): number {
  const { hook, loss, after, ...rest } = opts;
  const model = ctx.model;
  const pending: ActivationCache[] = [];
  const defer = (c: ActivationCache): ActivationCache => {
    pending.push(c);
    return c;
  };
  const release = () => {
    for (const c of pending.splice(0)) c.dispose();
  };
  try {
    return pairedSteps(ctx, {
      ...rest,
      loss: ({ xb, yb }, step) => {
        const cx = defer(runWithCache(model, xb.x, [hook]));
        const cy = defer(runWithCache(model, yb.x, [hook]));
        return loss({ xb, yb, cx, cy, defer }, step);
      },
      after: (step, metrics) => {
        release();
        after?.(step, metrics);
      },
    });
  } finally {
    release();
  }
}
