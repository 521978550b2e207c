import type { TrainConfig } from "../../config/train.js";
import type { Split } from "../../tasks/types.js";
import type { TrainContext } from "../types.js";

/**
 * The same context with other training settings (optimiser, lr, batch
 * size…). Why not `{ ...ctx, train }`: spreading would read the `yAccess`
 * getter, which throws for techniques that did not declare `usesY`.
 */
export function withTrain<H>(ctx: TrainContext<H>, train: TrainConfig): TrainContext<H> {
  return Object.create(ctx, { train: { value: train, enumerable: true } }) as TrainContext<H>;
}

/** A copy of `split` with other labels (same rows, same order). */
export function relabel(split: Split, labels: Int32Array): Split {
  if (labels.length !== split.n) {
    throw new Error(`relabel: ${split.name} has ${split.n} rows but ${labels.length} labels were given`);
  }
  return { ...split, y: labels };
}
