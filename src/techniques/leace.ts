import { z } from "zod";
import type { Rng } from "../engine/rng.js";
import { tf } from "../engine/tf.js";
import { affineEdit, getEdits, setEdit } from "../models/edits.js";
import { runWithCache } from "../models/hooks.js";
import type { Model } from "../models/types.js";
import type { Split } from "../tasks/types.js";
import { splitTensors } from "../train/batches.js";
import { supervisedTraining } from "../train/loop.js";
import { ConfigError } from "../util/errors.js";
import { features, lastHiddenHook, resolveHooks } from "./shared/hooks.js";
import { columnBasis, identity, matMul, symmetricEigen, transpose } from "./shared/linalg.js";
import { splitBudget } from "./shared/steps.js";
import type { Technique, TrainContext } from "./types.js";

/** Widest activation (features per example) the eraser is fitted on: a d×d Jacobi eigendecomposition in plain TS. */
export const LEACE_MAX_FEATURES = 512;
/** Most rows of each split the statistics are computed on (a seeded subset beyond that). */
const MAX_ROWS = 4096;
/** Examples per forward pass while collecting activations (memory only). */
const CHUNK = 1024;
/**
 * Covariance directions with variance at or below this fraction of the
 * largest are set to their mean rather than whitened (see `fitEraser`):
 * such a direction's spread is within ~3e4 float32 ulps of the largest
 * component, so whitening it would amplify float32 rounding into the
 * result. Bounds the eraser's norm by about √(1/LOW_VARIANCE) ≈ 3e4. (A
 * coarser cut collapses real directions when fine-tuning has blown one
 * direction up by orders of magnitude, which it does to escape an eraser.)
 */
const LOW_VARIANCE = 1e-9;
/** Singular values of the whitened cross-covariance kept: above this fraction of the largest and this absolute floor. */
const SV_REL_TOL = 1e-9;
const SV_ABS_TOL = 1e-10;

const hparams = z
  .object({
    /** Fraction of the step budget trained on X.train before the eraser is fitted; the rest fine-tunes with it in place. */
    leacePhase1Frac: z.number().min(0).max(1).default(0.5),
    /** Hook whose activation is erased: `last-hidden` (the one the unembedding reads) or a hook name. */
    leaceHook: z.string().default("last-hidden"),
    /**
     * The concept Z erased (see the technique's comment): `label+source` =
     * one category per Y answer plus one for "an X.train input", on
     * X.train ∪ Y.access; `label` = the Y answer on Y.access alone;
     * `source` = X.train vs Y.access input (one direction).
     */
    leaceConcept: z.enum(["label", "label+source", "source"]).default("label"),
    /**
     * Refits during fine-tuning: the fine-tuning phase is cut into this many
     * equal segments, and after each one a new eraser is fitted on the
     * model's (already erased) activations and composed with the current
     * one. The last refit comes after the last step, so with ≥ 1 the
     * guarantee holds for the returned model; fine-tuning otherwise lets the
     * concept re-emerge in the kept directions. Each refit can erase up to
     * the concept's rank again (cheap for binary concepts, costly for many
     * Y classes).
     */
    leaceRefits: z.number().int().min(0).max(20).default(1),
  })
  .strict();
type H = z.infer<typeof hparams>;

/** An affine eraser in row form: r(x) = x·A + b for per-example features x [1, d]. */
export interface Eraser {
  dim: number;
  /** Row-major [d, d]. */
  A: Float64Array;
  b: Float64Array;
  /**
   * Dimension of the erased subspace: rank of W·Σ_XZ plus the collapsed
   * low-variance directions (for a composition, the sum of its parts'
   * ranks, an upper bound).
   */
  rank: number;
}

/** Category of a row that carries no concept label: its Z is the labelled rows' class frequencies. */
export const PRIOR = -1;

/**
 * The closed-form LEACE eraser (Belrose et al. 2023, Theorem 4.3) for rows
 * `x` [n, d] and a categorical concept: `cat[i]` in 0..k−1 (Z = its one-hot)
 * or `PRIOR` (Z = the class frequencies among the labelled rows, i.e. a row
 * that says nothing about the concept but counts in the mean and
 * covariance). Computed in Float64:
 *
 *   r(x) = x − W⁺ P W (x − μ),
 *
 * W = (Σ_XX^{1/2})⁺ the whitening, W⁺ = Σ_XX^{1/2} on the same support, P
 * the orthogonal projection onto the column space of W·Σ_XZ. Then
 * Cov(r(X), Z) = 0 on the fitted rows — every labelled class has the same
 * mean of r(x) — so no linear predictor of Z (least squares, or any convex
 * loss) beats a constant; among affine maps with that property it moves x
 * least in every norm ‖·‖_M. PRIOR rows add nothing to Σ_XZ beyond the
 * labelled rows' own cross-covariance, so the guarantee also holds on the
 * labelled rows alone.
 *
 * Numerics: the eraser is an oblique projection whose norm grows like
 * √(λ_max/λ_min) of the whitened directions, and it is applied in float32.
 * Directions of variance ≤ `LOW_VARIANCE`·λ_max (but above rounding level)
 * are therefore not whitened: they are set to their mean (an orthogonal
 * projection, a negligible change to x) — which erases whatever of Z they
 * carried, exactly. Directions with no variance at all (rounding level)
 * carry nothing of Z on these rows and are left alone.
 */
export function fitEraser(x: Float32Array | Float64Array, n: number, d: number, cat: Int32Array, k: number): Eraser {
  const mu = new Float64Array(d);
  const sums = new Float64Array((k + 1) * d); // row k: the PRIOR rows
  const counts = new Float64Array(k + 1);
  for (let i = 0; i < n; i++) {
    const c = cat[i] === PRIOR ? k : cat[i];
    if (!(c >= 0 && c <= k)) throw new Error(`fitEraser: category ${cat[i]} of row ${i} is outside 0..${k - 1}`);
    counts[c]++;
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j];
      mu[j] += v;
      sums[c * d + j] += v;
    }
  }
  for (let j = 0; j < d; j++) mu[j] /= n;
  // Σ_XX = (1/n) Σ (x − μ)(x − μ)ᵀ, upper triangle then mirrored.
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j] - mu[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const o = a * d;
      for (let b = a; b < d; b++) cov[o + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b] /= n;
      cov[b * d + a] = cov[a * d + b];
    }
  }
  // Σ_XZ [d, k] = (1/n) Σ_i (x_i − μ) z_iᵀ (Σ_i (x_i − μ) = 0, so z needs no centring):
  // column c = [Σ_{cat=c} (x_i − μ) + p_c Σ_{PRIOR} (x_i − μ)] / n, p = labelled rows' class frequencies.
  const labelled = n - counts[k];
  const sxz = new Float64Array(d * k);
  for (let c = 0; c < k; c++) {
    const pc = labelled > 0 ? counts[c] / labelled : 0;
    if (pc === 0) continue;
    for (let j = 0; j < d; j++) {
      const own = sums[c * d + j] - counts[c] * mu[j];
      const prior = sums[k * d + j] - counts[k] * mu[j];
      sxz[j * k + c] = (own + pc * prior) / n;
    }
  }
  const { values, vectors } = symmetricEigen(cov, d);
  const lmax = values[d - 1] ?? 0;
  if (!(lmax > 0)) return { dim: d, A: identity(d), b: new Float64Array(d), rank: 0 };
  const zero = d * Number.EPSILON * lmax;
  const low = LOW_VARIANCE * lmax;
  // W, S = Σ^{∓1/2} on the well-conditioned directions; Q = projection onto the low-variance ones.
  const W = new Float64Array(d * d);
  const S = new Float64Array(d * d);
  const Q = new Float64Array(d * d);
  let collapsed = 0;
  for (let j = 0; j < d; j++) {
    const l = values[j];
    if (l <= zero) continue;
    const isLow = l <= low;
    if (isLow) collapsed++;
    const fw = isLow ? 0 : 1 / Math.sqrt(l);
    const fs = isLow ? 0 : Math.sqrt(l);
    for (let r = 0; r < d; r++) {
      const vr = vectors[r * d + j];
      if (vr === 0) continue;
      for (let c = 0; c < d; c++) {
        const vv = vr * vectors[c * d + j];
        if (isLow) Q[r * d + c] += vv;
        else {
          W[r * d + c] += fw * vv;
          S[r * d + c] += fs * vv;
        }
      }
    }
  }
  const { basis: U, rank } = columnBasis(matMul(W, sxz, d, d, k), d, k, SV_REL_TOL, SV_ABS_TOL);
  if (rank === 0 && collapsed === 0) return { dim: d, A: identity(d), b: new Float64Array(d), rank: 0 };
  // M = W⁺ P W + Q = (S U)(Uᵀ W) + Q; r(x) = x − M(x − μ) = (I − M)x + Mμ, as a row map: A = I − Mᵀ, b = Mμ.
  const M =
    rank > 0 ? matMul(matMul(S, U, d, d, rank), matMul(transpose(U, d, rank), W, rank, d, d), d, rank, d) : Q.slice();
  if (rank > 0) for (let i = 0; i < d * d; i++) M[i] += Q[i];
  const A = identity(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] -= M[j * d + i];
  const b = matMul(M, mu, d, d, 1);
  return { dim: d, A, b, rank: rank + collapsed };
}

/** x ↦ second(first(x)) as one row map: A = A₁A₂, b = b₁A₂ + b₂. */
export function composeErasers(first: Eraser, second: Eraser): Eraser {
  const d = first.dim;
  const A = matMul(first.A, second.A, d, d, d);
  const b = matMul(first.b, second.A, 1, d, d);
  for (let j = 0; j < d; j++) b[j] += second.b[j];
  return { dim: d, A, b, rank: first.rank + second.rank };
}

/** Flattened activations at `hook` (with the model's edits applied) of `rows` of `split`: [rows, d] row-major. */
export function collectActivations(
  model: Model,
  split: Split,
  rows: Int32Array,
  hook: string,
): { x: Float32Array; d: number } {
  let out: Float32Array | null = null;
  let d = 0;
  for (let s = 0; s < rows.length; s += CHUNK) {
    const idx = rows.subarray(s, Math.min(rows.length, s + CHUNK));
    const chunk = tf.tidy(() => {
      const b = splitTensors(split, idx);
      const c = runWithCache(model, b.x, [hook]);
      try {
        return features(c.cache[hook]).dataSync() as Float32Array;
      } finally {
        c.dispose();
      }
    });
    if (!out) {
      d = chunk.length / idx.length;
      if (d > LEACE_MAX_FEATURES) {
        throw new ConfigError(
          `technique.leaceHook: hook '${hook}' of ${model.arch} has ${d} features per example; the LEACE fit ` +
            `(a d×d eigendecomposition in plain TypeScript) takes at most ${LEACE_MAX_FEATURES}: choose a narrower hook ` +
            `(valid: ${model.hookPoints.map((h) => h.name).join(", ")})`,
        );
      }
      out = new Float32Array(rows.length * d);
    }
    out.set(chunk, s * d);
  }
  return { x: out ?? new Float32Array(0), d };
}

/** A seeded subset of at most `max` row indices (all rows, in order, when the split is smaller). */
function pickRows(n: number, max: number, rng: Rng): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from(rng.permutation(n).subarray(0, max)).sort();
}

/**
 * Fit the eraser for `ctx.hparams.leaceConcept` at `hook` on the model as it
 * is now (the activations a forward pass produces, edits included).
 */
function fitOnModel(ctx: TrainContext<H>, hook: string): Eraser {
  const concept = ctx.hparams.leaceConcept;
  const y = ctx.yAccess;
  const yRows = pickRows(y.n, MAX_ROWS, ctx.rng.fork("leace:rows:Y.access"));
  const ya = collectActivations(ctx.model, y, yRows, hook);
  const xRows = pickRows(ctx.xTrain.n, MAX_ROWS, ctx.rng.fork("leace:rows:X.train"));
  const xa = collectActivations(ctx.model, ctx.xTrain, xRows, hook);
  const n = xRows.length + yRows.length;
  const all = new Float32Array(n * ya.d);
  all.set(xa.x, 0);
  all.set(ya.x, xRows.length * ya.d);
  // label: X.train rows are PRIOR (no Y label), Y.access rows their answer.
  // label+source: category 0 = an X.train input, 1 + answer for Y.access. source: 0 = X.train, 1 = Y.access.
  const cat = new Int32Array(n);
  const C = ctx.task.numClasses;
  if (concept === "label") cat.fill(PRIOR, 0, xRows.length);
  for (let i = 0; i < yRows.length; i++) {
    const label = y.y[yRows[i]];
    cat[xRows.length + i] = concept === "label" ? label : concept === "source" ? 1 : 1 + label;
  }
  return fitEraser(all, n, ya.d, cat, concept === "label" ? C : concept === "source" ? 2 : 1 + C);
}

function install(model: Model, hook: string, e: Eraser, concept: string, refits: number): void {
  const what = refits === 0 ? "" : `, ${refits} refit${refits === 1 ? "" : "s"}`;
  const rank = refits === 0 ? `${e.rank}` : `≤ ${e.rank}`;
  setEdit(
    model,
    hook,
    affineEdit(e.A, e.b, e.dim, `LEACE eraser (concept ${concept}${what}), erased rank ${rank} of ${e.dim} features`),
  );
}

/**
 * LEAst-squares Concept Erasure: Belrose, Schneider-Joseph, Ravfogel,
 * Cotterell, Raff & Biderman 2023, "LEACE: Perfect linear concept erasure in
 * closed form", NeurIPS 2023, arXiv:2306.03819.
 *
 * LEACE is the affine map r(x) = x − W⁺PW(x − μ) (W the whitening
 * Σ_XX^{-1/2}, P the projection onto the column space of W·Σ_XZ) that makes
 * a concept Z linearly unpredictable from r(X) — every class of Z has the
 * same mean of r(X), so no linear predictor (least squares, or any convex
 * loss) beats a constant — while moving X least. The paper erases concepts
 * from frozen representations (and, in "concept scrubbing", from every layer
 * of a frozen LM).
 *
 * Adaptation to antilearning: train on X.train for `leacePhase1Frac` of the
 * budget; fit the eraser at one hook (default `lastHiddenHook`, the
 * representation the unembedding reads; each example's activation flattened
 * with `features`, so for a transformer all positions jointly, ≤ 512
 * features) on X.train ∪ Y.access; install it as a persistent edit
 * (src/models/edits.ts) so every later forward pass — training, evaluation,
 * the relearning attack's copy — goes through it; fine-tune on X.train for
 * the rest of the budget with the eraser in place, so the layers after it
 * adapt to the erased representation. Fine-tuning moves the activations the
 * eraser was fitted on (the concept can re-emerge in the kept directions),
 * so with `leaceRefit` a second eraser is fitted on the final model's edited
 * activations and composed with the first: the guarantee then holds for the
 * returned model on the rows it was fitted on. Erasure itself takes no
 * optimiser step.
 *
 * The concept (`leaceConcept`): by default `label+source`, a categorical
 * with one class per Y answer and one for "X input", fitted on the pooled
 * rows. Equal class means over it imply equal means of every Y answer
 * within Y.access, so the Y label is linearly unpredictable on Y.access
 * (what we want) and X inputs are linearly indistinguishable from Y inputs;
 * the pooled statistics make the minimal change account for X rows too.
 * `label` fits on Y.access alone; `source` erases only "is a Y input" (one
 * direction; it does not stop the answer from being decodable).
 *
 * Cost to X: the erased subspace has the dimension of the concept's span,
 * up to the number of Y answer classes (+1). On a pair with many answer
 * classes and a narrow hook (a5-s5: 120 answers, shared with X's) it takes
 * most of the representation and X with it; LEACE only hides the concept at
 * that hook (earlier hooks, which the probe evaluation also reads, still
 * encode it) and only from linear read-outs.
 */
export const leace: Technique<typeof hparams> = {
  name: "leace",
  describe:
    "train on X, then erase the Y label linearly at a hook with a closed-form LEACE eraser (a persistent edit) and fine-tune on X",
  source:
    "Belrose, Schneider-Joseph, Ravfogel, Cotterell, Raff & Biderman 2023, LEACE: Perfect linear concept erasure in closed form, NeurIPS 2023, arXiv:2306.03819",
  usesY: true,
  hparams,
  samplers: {
    leacePhase1Frac: (rng) => 0.2 + 0.7 * rng.uniform(),
    leaceConcept: (rng) => (rng.uniform() < 0.7 ? "label+source" : "label"),
    leaceRefits: (rng) => Math.floor(rng.uniform() * 5),
  },
  train(ctx) {
    const { leacePhase1Frac, leaceHook, leaceRefits } = ctx.hparams;
    const model = ctx.model;
    const hook =
      leaceHook === "last-hidden" ? lastHiddenHook(model) : resolveHooks(model, [leaceHook], "technique.leaceHook")[0];
    if (getEdits(model).has(hook)) {
      throw new ConfigError(`leace: the model already has an edit at '${hook}'`);
    }
    const [p1, p2] = splitBudget(ctx.train.steps, [leacePhase1Frac, 1 - leacePhase1Frac]);
    if (p1 > 0) supervisedTraining(ctx, { steps: p1 });
    if (ctx.shouldStop()) return;
    let eraser = fitOnModel(ctx, hook);
    install(model, hook, eraser, ctx.hparams.leaceConcept, 0);
    ctx.log(p1, { leaceRank: eraser.rank, leaceFeatures: eraser.dim });
    if (p2 === 0) return;
    const segments = leaceRefits === 0 ? [p2] : splitBudget(p2, Array(leaceRefits).fill(1 / leaceRefits));
    let done = p1;
    for (const [i, steps] of segments.entries()) {
      if (steps > 0) supervisedTraining(ctx, { steps, stepOffset: done });
      done += steps;
      if (leaceRefits === 0 || ctx.shouldStop()) return;
      const next = fitOnModel(ctx, hook);
      eraser = composeErasers(eraser, next);
      install(model, hook, eraser, ctx.hparams.leaceConcept, i + 1);
      ctx.log(done, { leaceRefitRank: next.rank });
    }
  },
};
