/**
 * The relearning attack (protocol §3; Deeb & Roger 2024, "Do unlearning
 * methods remove information from language model weights?", and SOPHON,
 * Deng et al. 2024): fine-tune a copy of the model on `k` labelled examples
 * of `Y.relearn` for `n` steps with a fixed optimiser and score `Y.test`
 * along the way. A model that merely hides Y relearns it fast; one that never
 * learned it relearns no faster than a freshly initialised model, which is
 * the reference (`relearnAttack` on `buildModel(config, task, "fresh")`).
 *
 * Modes:
 * - `all`: every parameter is trained;
 * - `embed`: only `model.embedParams` (input embeddings and unembedding).
 *   This is the seed's A5→S5 test: if the hidden layer already composes
 *   through S5's standard representation, learning the 60 odd elements'
 *   embeddings is enough to do S5.
 *
 * The attacked model is always a copy (its variables hold new buffers with
 * the source's values); the source is only read. Every `k` uses the first
 * `k` rows of one seeded permutation of Y.relearn (so the sets are nested)
 * and the same seeded batch order for the model and its fresh reference.
 */
import type { TrainConfig } from "../config/train.js";
import type { Rng } from "../engine/rng.js";
import type { Variable } from "../engine/tf.js";
import { copyModel } from "../models/copy.js";
import type { Model } from "../models/types.js";
import type { Split } from "../tasks/types.js";
import { BatchStream, takeRows } from "../train/batches.js";
import { crossEntropy } from "../train/loss.js";
import { makeOptimizer, optimizerStep } from "../train/optimizer.js";
import { ConfigError, NumericalError } from "../util/errors.js";
import { evaluateSplit } from "./behaviour.js";

export const RELEARN_MODES = ["all", "embed"] as const;
export type RelearnMode = (typeof RELEARN_MODES)[number];

/** The attack's budget and optimiser. */
export interface RelearnOptions {
  /** Numbers of Y.relearn examples to fine-tune on (each ≤ Y.relearn's size). */
  ks: readonly number[];
  mode: RelearnMode;
  /** Optimiser steps per attack. */
  steps: number;
  /** Examples per step; 0 or ≥ k means all k every step. */
  batchSize: number;
  /** Score the curve every this many steps (and at step 0 and the last step). */
  evalEvery: number;
  /**
   * The curve is scored on a fixed seeded subset of this many Y.test rows
   * (all of Y.test if it is smaller); `final` is always on all of Y.test.
   * Scoring a large image test split at every curve point would cost more
   * than the attack itself.
   */
  curveExamples: number;
  optimizer: Pick<TrainConfig, "optimizer" | "lr" | "weightDecay" | "beta1" | "beta2">;
  /** Examples per forward pass when scoring (memory, not results). */
  evalBatchSize: number;
  /** For the example subset and the batch order; pass the same stream label for a model and its fresh reference. */
  rng: Rng;
  /** Called with each attacked copy before it is freed (tests inspect it; do not keep it). */
  onAttacked?: (attacked: Model, k: number) => void;
}

/** One attack's curve. */
export interface RelearnCurve {
  k: number;
  /** Steps at which the curve was scored (0 first, `steps` last). */
  step: number[];
  /** Accuracy at those steps on `curveRows` rows of Y.test (all of it when it is small). */
  acc: number[];
  /** Rows of Y.test the curve was scored on. */
  curveRows: number;
  /** Training loss on the attack's batch at those steps (NaN at step 0). */
  loss: number[];
  /** Accuracy on all of Y.test after the last step. */
  final: number;
  /** Area under the curve: mean accuracy over the curve points. */
  auc: number;
}

/** All `k` of one mode. */
export interface RelearnResult {
  mode: RelearnMode;
  /** Parameters the attack trained. */
  trained: string[];
  curves: RelearnCurve[];
}

/** Re-exported for techniques that need a frozen or attack copy (it lives in src/models/copy.ts). */
export { copyModel };

/** The parameters an attack in `mode` trains. */
export function attackParams(model: Model, mode: RelearnMode): Record<string, Variable> {
  if (mode === "all") return { ...model.params };
  const out: Record<string, Variable> = {};
  for (const n of model.embedParams) {
    const v = model.params[n];
    if (!v) throw new ConfigError(`relearn: embed parameter '${n}' is not among the model's parameters`);
    out[n] = v;
  }
  if (Object.keys(out).length === 0) {
    throw new ConfigError(
      `relearn mode 'embed' needs a model with embedParams; ${model.arch} has none (use mode 'all')`,
    );
  }
  return out;
}

/**
 * Run the attack on copies of `source` for every `k` in `opts.ks`. Returns
 * one curve per k; the source is untouched.
 */
export function relearnAttack(
  source: Model,
  make: () => Model,
  relearn: Split,
  test: Split,
  opts: RelearnOptions,
): RelearnResult {
  if (!(opts.steps >= 0) || !(opts.evalEvery >= 1)) {
    throw new ConfigError(`relearn: steps must be ≥ 0 and evalEvery ≥ 1, got ${opts.steps} and ${opts.evalEvery}`);
  }
  for (const k of opts.ks) {
    if (!Number.isInteger(k) || k < 1 || k > relearn.n) {
      throw new ConfigError(`relearn: k must be an integer in 1..${relearn.n} (the size of Y.relearn), got ${k}`);
    }
  }
  const order = opts.rng.fork("subset").permutation(relearn.n);
  const curveSplit =
    test.n > opts.curveExamples
      ? takeRows(
          test,
          Int32Array.from(opts.rng.fork("curve").permutation(test.n).subarray(0, opts.curveExamples)).sort(),
        )
      : test;
  const trainCfg: TrainConfig = { ...opts.optimizer, steps: opts.steps, batchSize: opts.batchSize, evalEvery: 1 };
  const curves: RelearnCurve[] = [];
  let trained: string[] = [];
  for (const k of opts.ks) {
    const data = takeRows(relearn, order.subarray(0, k));
    const model = copyModel(source, make);
    const stream = new BatchStream(data, opts.batchSize, opts.rng.fork(`batches:${k}`));
    const vars = attackParams(model, opts.mode);
    trained = Object.keys(vars);
    const opt = makeOptimizer(vars, trainCfg);
    const curve: RelearnCurve = {
      k,
      step: [],
      acc: [],
      curveRows: curveSplit.n,
      loss: [],
      final: Number.NaN,
      auc: Number.NaN,
    };
    const score = (step: number, loss: number) => {
      curve.step.push(step);
      curve.acc.push(evaluateSplit(model, curveSplit, opts.evalBatchSize).acc);
      curve.loss.push(loss);
    };
    try {
      score(0, Number.NaN);
      for (let s = 1; s <= opts.steps; s++) {
        const batch = stream.next();
        const loss = optimizerStep(opt, vars, () => crossEntropy(model.forward(batch.x), batch.y));
        if (batch.owned) {
          batch.x.dispose();
          batch.y.dispose();
        }
        if (!Number.isFinite(loss)) {
          throw new NumericalError(
            `relearning attack (${opts.mode}, k=${k}): loss became ${loss} at step ${s} (lower eval.relearnLr)`,
          );
        }
        if (s % opts.evalEvery === 0 || s === opts.steps) score(s, loss);
      }
      curve.final =
        curveSplit === test ? curve.acc[curve.acc.length - 1] : evaluateSplit(model, test, opts.evalBatchSize).acc;
      opts.onAttacked?.(model, k);
    } finally {
      opt.dispose();
      stream.dispose();
      model.dispose();
    }
    curve.auc = curve.acc.reduce((a, b) => a + b, 0) / curve.acc.length;
    curves.push(curve);
  }
  return { mode: opts.mode, trained, curves };
}
