/**
 * Linear probes (protocol §3): for each named activation, a fresh softmax
 * regression is fitted on the frozen model's activations of `Y.relearn` and
 * scored on `Y.test`. The best hook's test accuracy is `probeY`. Run on a
 * freshly initialised model of the same architecture it gives the reference
 * `probeY_fresh` (raw inputs can already be linearly decodable, e.g. MNIST
 * digits at ~90%, so a probe's accuracy alone says little).
 *
 * Fixed recipe, so numbers are comparable across techniques:
 * - features are standardised with the training rows' mean and standard
 *   deviation (constant features become 0);
 * - weights start at zero (the problem is convex, so no seed is needed for
 *   the fit itself), full-batch Adam for `steps` steps with an L2 penalty
 *   `l2·‖W‖²` on the weights (not the bias);
 * - large activations are reduced before fitting: image feature maps
 *   [batch, H, W, C] (only when the task's inputs are images) are average
 *   pooled over k×k windows (stride k, "same" padding) with the smallest k
 *   that brings H'·W'·C to at most `maxFeatures`; any activation still wider
 *   than `maxFeatures` keeps a fixed, seeded subset of `maxFeatures` of its
 *   flattened features; splits longer than `maxExamples` use a seeded subset
 *   of rows.
 * Activations are read only through `runWithCache`, in chunks of `batchSize`
 * examples, and reduced chunk by chunk, so memory is O(rows × maxFeatures).
 */
import type { Rng } from "../engine/rng.js";
import type { Tensor, Variable } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { runWithCache } from "../models/hooks.js";
import { ownedVariable } from "../models/init.js";
import type { Model } from "../models/types.js";
import type { Split } from "../tasks/types.js";
import { AdamW } from "../train/adamw.js";
import { splitTensors } from "../train/batches.js";
import { ConfigError, NumericalError } from "../util/errors.js";

/** The probe recipe. */
export interface ProbeOptions {
  /** Hooks to probe; default every hook point except `hook_logits`. */
  hooks?: readonly string[];
  /** Full-batch Adam steps per probe. */
  steps: number;
  lr: number;
  /** Weight of the L2 penalty l2·‖W‖². */
  l2: number;
  /** Widest feature vector fitted (see the module comment for how wider ones are reduced). */
  maxFeatures: number;
  /** Most training (and test) rows used; larger splits are subsampled. */
  maxExamples: number;
  /** Examples per forward pass while collecting activations (memory, not results). */
  batchSize: number;
  /** Treat rank-4 activations as [batch, H, W, C] image maps and pool them (tasks with image inputs). */
  spatial: boolean;
  /** For the row and feature subsets. */
  rng: Rng;
}

/** How one hook's activation was turned into probe features. */
export interface ProbeReduction {
  /** Per-example activation shape, as emitted. */
  shape: number[];
  /** Pooling window (1 = none). */
  pool: number;
  /** Features after pooling, before subsampling. */
  pooledFeatures: number;
  /** Features fitted. */
  features: number;
}

/** One hook's probe. */
export interface HookProbe extends ProbeReduction {
  hook: string;
  trainAcc: number;
  testAcc: number;
}

/** All hooks' probes and the best one. */
export interface ProbeResult {
  hooks: HookProbe[];
  /** The hook with the highest test accuracy (first in forward order on ties). */
  best: { hook: string; testAcc: number };
  trainRows: number;
  testRows: number;
}

/** Hook points probed by default: every one except the logits (those are behaviour, not a probe). */
export function defaultProbeHooks(model: Model): string[] {
  return model.hookPoints.map((h) => h.name).filter((n) => n !== "hook_logits");
}

interface Reducer {
  info: ProbeReduction;
  /** [b, ...shape] → [b, features]. */
  apply(t: Tensor): Tensor;
  /** Free the column index tensor, if any. */
  dispose(): void;
}

function makeReducer(shape: number[], opts: ProbeOptions, rng: Rng): Reducer {
  const size = shape.reduce((a, b) => a * b, 1);
  let pool = 1;
  let pooled = size;
  if (opts.spatial && shape.length === 3 && size > opts.maxFeatures) {
    const [H, W, C] = shape;
    while (pooled > opts.maxFeatures && pool < Math.max(H, W)) {
      pool += 1;
      pooled = Math.ceil(H / pool) * Math.ceil(W / pool) * C;
    }
  }
  let cols: Tensor | null = null;
  let features = pooled;
  if (pooled > opts.maxFeatures) {
    const keep = Array.from(rng.permutation(pooled).subarray(0, opts.maxFeatures)).sort((a, b) => a - b);
    cols = tf.tensor1d(keep, "int32");
    features = opts.maxFeatures;
  }
  const info: ProbeReduction = { shape, pool, pooledFeatures: pooled, features };
  return {
    info,
    apply(t: Tensor): Tensor {
      return tf.tidy(() => {
        const b = t.shape[0];
        let x = t;
        if (pool > 1) x = tf.avgPool(x as tf.Tensor4D, [pool, pool], [pool, pool], "same");
        x = tf.reshape(x, [b, pooled]);
        return cols ? tf.gather(x, cols, 1) : x;
      });
    },
    dispose() {
      cols?.dispose();
    },
  };
}

/** Seeded subset of at most `max` row indices, in ascending order (all rows when n ≤ max). */
function pickRows(n: number, max: number, rng: Rng): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from(rng.permutation(n).subarray(0, max)).sort();
}

/**
 * Reduced activations of `rows` of `split` for each hook, as row-major
 * Float32Arrays. Reducers are created on first sight of a hook (from its
 * shape) and reused for every chunk and for later splits, so train and test
 * features line up.
 */
function collectFeatures(
  model: Model,
  split: Split,
  rows: Int32Array,
  hooks: readonly string[],
  reducers: Map<string, Reducer>,
  opts: ProbeOptions,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (let start = 0; start < rows.length; start += opts.batchSize) {
    const chunk = rows.subarray(start, Math.min(rows.length, start + opts.batchSize));
    const { x, y } = splitTensors(split, chunk);
    y.dispose();
    const c = runWithCache(model, x, hooks);
    try {
      for (const hook of hooks) {
        const act = c.cache[hook];
        if (!act) {
          throw new ConfigError(
            `probe: hook '${hook}' did not fire; the model's hooks are ${model.hookPoints.map((h) => h.name).join(", ")}`,
          );
        }
        let r = reducers.get(hook);
        if (!r) {
          r = makeReducer(act.shape.slice(1), opts, opts.rng.fork(`features:${hook}`));
          reducers.set(hook, r);
        }
        const red = r.apply(act);
        const data = red.dataSync() as Float32Array;
        red.dispose();
        let buf = out.get(hook);
        if (!buf) {
          buf = new Float32Array(rows.length * r.info.features);
          out.set(hook, buf);
        }
        buf.set(data, start * r.info.features);
      }
    } finally {
      c.dispose();
      x.dispose();
    }
  }
  return out;
}

/** Accuracy of a fitted probe: argmax(XW) vs labels (X has the constant bias column). */
function probeAccuracy(X: Tensor, y: Int32Array, W: Tensor): number {
  return tf.tidy(() => {
    const pred = tf.argMax(tf.matMul(X, W), 1).dataSync();
    let ok = 0;
    for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
    return y.length ? ok / y.length : Number.NaN;
  });
}

/**
 * Fit one softmax-regression probe on (trainX, trainY) and score it on
 * (testX, testY). Features are standardised here with the training rows'
 * statistics. `dim` is the feature count, rows are row-major.
 */
export function fitSoftmaxProbe(
  train: { x: Float32Array; y: Int32Array },
  test: { x: Float32Array; y: Int32Array },
  dim: number,
  numClasses: number,
  opts: Pick<ProbeOptions, "steps" | "lr" | "l2">,
): { trainAcc: number; testAcc: number } {
  const n = train.y.length;
  const m = test.y.length;
  if (train.x.length !== n * dim || test.x.length !== m * dim) {
    throw new ConfigError(`fitSoftmaxProbe: expected ${n}×${dim} and ${m}×${dim} features`);
  }
  // Standardise with the training statistics (float64 sums: n·dim can be millions).
  const mu = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mu[j] += train.x[i * dim + j];
  for (let j = 0; j < dim; j++) mu[j] /= Math.max(1, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sd[j] += (train.x[i * dim + j] - mu[j]) ** 2;
  const scale = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    const s = Math.sqrt(sd[j] / Math.max(1, n));
    scale[j] = s > 1e-6 ? 1 / s : 0; // a constant feature carries nothing: zero it
  }
  // Standardised features plus a constant 1 (the bias, folded into W's last row
  // so that the whole probe is one variable: half the optimiser work per step).
  const d1 = dim + 1;
  const standardise = (x: Float32Array, rows: number) => {
    const o = new Float32Array(rows * d1);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < dim; j++) o[i * d1 + j] = (x[i * dim + j] - mu[j]) * scale[j];
      o[i * d1 + dim] = 1;
    }
    return o;
  };
  const Xtr = tf.tensor2d(standardise(train.x, n), [n, d1]);
  const Xte = tf.tensor2d(standardise(test.x, m), [m, d1]);
  const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(train.y, "int32"), numClasses));
  // d(l2·‖W‖²)/dW = 2·l2·W on the weights, 0 on the bias row. The step below
  // uses n times the gradient (no 1/n on the [n, classes] residual: Adam's
  // update does not change when the gradient is scaled), so the decay is
  // scaled by n too.
  const decayRows = Float32Array.from({ length: d1 }, (_, j) => (j < dim ? 2 * opts.l2 * n : 0));
  const decay = tf.tensor2d(decayRows, [d1, 1]);
  const vars: Record<string, Variable> = { W: ownedVariable(tf.zeros([d1, numClasses]), "probe.W") };
  const W = vars.W;
  const opt = new AdamW(vars, { lr: opts.lr });
  try {
    // The gradient of mean cross-entropy + l2·‖W‖² is written out (softmax − onehot),
    // not taken by autodiff: a probe step is then two matmuls and a softmax, which
    // is several times faster than tf.variableGrads through softmaxCrossEntropy.
    for (let s = 0; s < opts.steps; s++) {
      tf.tidy(() => {
        const residual = tf.sub(tf.softmax(tf.matMul(Xtr, W)), onehot);
        opt.step({ W: tf.add(tf.matMul(Xtr, residual, true, false), tf.mul(W, decay)) });
      });
    }
    const loss = tf.tidy(() => {
      const ce = tf.losses.softmaxCrossEntropy(onehot, tf.matMul(Xtr, W));
      return tf.add(ce, tf.mul(tf.sum(tf.mul(tf.square(W), decay)), 0.5 / n)).dataSync()[0];
    });
    if (!Number.isFinite(loss)) throw new NumericalError(`probe loss became ${loss} (lower eval.probeLr)`);
    return { trainAcc: probeAccuracy(Xtr, train.y, W), testAcc: probeAccuracy(Xte, test.y, W) };
  } finally {
    opt.dispose();
    W.dispose();
    for (const t of [Xtr, Xte, onehot, decay]) t.dispose();
  }
}

/**
 * Probe every hook of a frozen model: fit on `train` (Y.relearn), score on
 * `test` (Y.test). The model is only read (forward passes through
 * `runWithCache`), never changed.
 */
export function probeModel(
  model: Model,
  train: Split,
  test: Split,
  numClasses: number,
  opts: ProbeOptions,
): ProbeResult {
  const hooks = opts.hooks && opts.hooks.length > 0 ? [...opts.hooks] : defaultProbeHooks(model);
  const known = new Set(model.hookPoints.map((h) => h.name));
  for (const h of hooks) {
    if (!known.has(h)) {
      throw new ConfigError(`probe: unknown hook '${h}'; this model's hooks are ${[...known].join(", ")}`);
    }
  }
  const trainRows = pickRows(train.n, opts.maxExamples, opts.rng.fork("rows:train"));
  const testRows = pickRows(test.n, opts.maxExamples, opts.rng.fork("rows:test"));
  const ytr = Int32Array.from(trainRows, (r) => train.y[r]);
  const yte = Int32Array.from(testRows, (r) => test.y[r]);
  const reducers = new Map<string, Reducer>();
  try {
    const ftr = collectFeatures(model, train, trainRows, hooks, reducers, opts);
    const fte = collectFeatures(model, test, testRows, hooks, reducers, opts);
    const results: HookProbe[] = hooks.map((hook) => {
      const r = reducers.get(hook) as Reducer;
      const fit = fitSoftmaxProbe(
        { x: ftr.get(hook) as Float32Array, y: ytr },
        { x: fte.get(hook) as Float32Array, y: yte },
        r.info.features,
        numClasses,
        opts,
      );
      return { hook, ...r.info, ...fit };
    });
    let best = results[0];
    for (const r of results) if (r.testAcc > best.testAcc) best = r;
    return {
      hooks: results,
      best: { hook: best?.hook ?? "", testAcc: best?.testAcc ?? Number.NaN },
      trainRows: trainRows.length,
      testRows: testRows.length,
    };
  } finally {
    for (const r of reducers.values()) r.dispose();
  }
}
