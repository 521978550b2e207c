import type { TrainConfig } from "../../config/train.js";
import type { Tensor, Variable } from "../../engine/tf.js";
import { tf } from "../../engine/tf.js";
import type { Model } from "../../models/types.js";
import { makeOptimizer, type Optimizer, optimizerStep } from "../../train/optimizer.js";
import type { StepMetrics, TrainContext } from "../types.js";

/** What a technique's loss function returns for one model step. */
export interface StepLoss {
  /** The scalar the optimiser minimises. */
  total: Tensor;
  /**
   * Named scalar parts to report through `ctx.onStep` (e.g. `lossX`,
   * `lossY`). Read once per step, after the forward pass.
   */
  parts: Record<string, Tensor>;
}

/** Options of `modelSteps`. */
export interface ModelStepsOptions {
  /** Optimiser steps on the model in this phase. */
  steps: number;
  /** Step number already reported before this phase (steps are reported as offset + 1, offset + 2, …). */
  stepOffset?: number;
  /** The model to update (default `ctx.model`). */
  model?: Model;
  /** Optimiser settings (default `ctx.train`); ignored when `optimizer` is given. */
  train?: TrainConfig;
  /** An optimiser to use (and keep: the caller disposes it), e.g. one shared by several phases. */
  optimizer?: Optimizer;
  /**
   * The variables to differentiate and hand to the optimiser (default: the
   * model's). A technique that trains an auxiliary net in the same backward
   * pass passes both, with a `JointOptimizer`.
   */
  vars?: Record<string, Variable>;
  /**
   * The loss of step `step` (1-based within the phase), built inside the
   * gradient tape: every tensor it makes (batches included) is freed after
   * the step.
   */
  loss: (step: number) => StepLoss;
  /** Runs before each model step (e.g. adversary updates); its numbers join the step's metrics. */
  before?: (step: number) => StepMetrics | undefined;
  /** Runs after each model step has been reported (e.g. a validation check). */
  after?: (step: number, metrics: StepMetrics) => void;
}

/**
 * Run `steps` optimiser steps on the model with a technique-defined loss,
 * reporting each through `ctx.onStep(offset + s, …)` and stopping early when
 * `ctx.shouldStop()`. The general form of `supervisedTraining` for techniques
 * whose loss mixes several batches (X and Y.access) or terms.
 *
 * @returns the number of steps taken (fewer than `steps` if stopped).
 */
export function modelSteps(ctx: TrainContext<unknown>, opts: ModelStepsOptions): number {
  const model = opts.model ?? ctx.model;
  const offset = opts.stepOffset ?? 0;
  const opt = opts.optimizer ?? makeOptimizer(model.params, opts.train ?? ctx.train);
  let done = 0;
  try {
    for (let s = 1; s <= opts.steps && !ctx.shouldStop(); s++) {
      const metrics: StepMetrics = { ...(opts.before?.(s) ?? {}) };
      optimizerStep(opt, opts.vars ?? model.params, () => {
        const { total, parts } = opts.loss(s);
        const names = Object.keys(parts);
        if (names.length > 0) {
          // One read for all parts: each dataSync is a synchronisation point.
          const values = tf.stack(names.map((n) => tf.reshape(parts[n], []))).dataSync();
          names.forEach((n, i) => {
            metrics[n] = values[i];
          });
        }
        return total;
      });
      done = s;
      ctx.onStep(offset + s, metrics);
      opts.after?.(s, metrics);
    }
  } finally {
    if (!opts.optimizer) opt.dispose();
  }
  return done;
}

/**
 * Split a step budget into phases by fractions (the last phase takes the
 * remainder so that the phases always add up to `total` exactly, protocol §2).
 */
export function splitBudget(total: number, fractions: readonly number[]): number[] {
  const out: number[] = [];
  let used = 0;
  for (let i = 0; i < fractions.length; i++) {
    const n = i === fractions.length - 1 ? total - used : Math.min(total - used, Math.round(total * fractions[i]));
    out.push(n);
    used += n;
  }
  return out;
}

/**
 * Several optimisers behind one: gradients keyed `${prefix}${name}` go to the
 * optimiser registered for that prefix (longest prefix wins). Lets one
 * backward pass update a model and an adversary with their own settings.
 */
export class JointOptimizer implements Optimizer {
  private readonly parts: { prefix: string; opt: Optimizer }[];

  constructor(parts: { prefix: string; opt: Optimizer }[]) {
    this.parts = [...parts].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The variables of every part in one record, keyed with their prefixes. */
  static merge(parts: { prefix: string; vars: Record<string, Variable> }[]): Record<string, Variable> {
    const out: Record<string, Variable> = {};
    for (const { prefix, vars } of parts) for (const [k, v] of Object.entries(vars)) out[prefix + k] = v;
    return out;
  }

  step(grads: Record<string, Tensor>): void {
    const split = this.parts.map(() => ({}) as Record<string, Tensor>);
    for (const [k, g] of Object.entries(grads)) {
      const i = this.parts.findIndex((p) => k.startsWith(p.prefix));
      if (i < 0) throw new Error(`JointOptimizer: no optimiser for variable '${k}'`);
      split[i][k.slice(this.parts[i].prefix.length)] = g;
    }
    this.parts.forEach((p, i) => {
      p.opt.step(split[i]);
    });
  }

  /** Disposes every part's optimiser. */
  dispose(): void {
    for (const p of this.parts) p.opt.dispose();
  }
}
