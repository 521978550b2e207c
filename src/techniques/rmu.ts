import { z } from "zod";
import type { Rng } from "../engine/rng.js";
import type { Tensor, Variable } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { copyModel } from "../eval/relearn.js";
import { runWithCache } from "../models/hooks.js";
import type { Model } from "../models/types.js";
import type { Split } from "../tasks/types.js";
import { splitTensors } from "../train/batches.js";
import { supervisedTraining } from "../train/loop.js";
import { crossEntropy } from "../train/loss.js";
import { makeOptimizer } from "../train/optimizer.js";
import { ConfigError } from "../util/errors.js";
import { features, lastHiddenHook, resolveHooks } from "./shared/hooks.js";
import { pairedHookSteps } from "./shared/paired.js";
import { splitBudget } from "./shared/steps.js";
import type { Technique, TrainContext } from "./types.js";

const hparams = z
  .object({
    /** Fraction of the step budget spent on X alone (the "pretrained model") before the RMU phase. */
    rmuPretrainFrac: z.number().min(0).max(1).default(0.8),
    /** c: the steering coefficient (see `rmuCoeffScale`). */
    rmuCoeff: z.number().positive().default(4),
    /**
     * `norm`: the target's norm is c × the mean norm of the frozen model's
     * activation rows on Y.access (so c is comparable across models);
     * `absolute`: the target's norm is c, as in the paper.
     */
    rmuCoeffScale: z.enum(["norm", "absolute"]).default("norm"),
    /** α: weight of the retain loss ‖h(X) − h_frozen(X)‖². */
    rmuAlpha: z.number().nonnegative().default(100),
    /** Weight of the cross-entropy on X in the RMU phase (0 = the paper's loss, forget + α·retain only). */
    rmuCeWeight: z.number().nonnegative().default(1),
    /** The activation steered ("last" = the last hidden representation, `lastHiddenHook`; or a hook name). */
    rmuHook: z.string().min(1).default("last"),
    /** Parameters the RMU phase updates: "all", or regular expressions, a parameter is updated if its name matches one. */
    rmuParams: z.union([z.literal("all"), z.array(z.string().min(1)).min(1)]).default("all"),
  })
  .strict();
type H = z.infer<typeof hparams>;

/** The `Rng.fork` label of the random direction, from the technique's rng. */
export const RMU_DIRECTION_LABEL = "rmu:direction";

/**
 * The fixed random unit vector u of width `d`: as in the paper's code, i.i.d.
 * uniform [0, 1) entries, normalised (so every entry is non-negative).
 * `techniqueRng` is the technique's `ctx.rng` (forked here), so a test can
 * rebuild the same u.
 */
export function rmuDirection(techniqueRng: Rng, d: number): Float32Array {
  const rng = techniqueRng.fork(RMU_DIRECTION_LABEL);
  const u = new Float32Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    u[i] = rng.uniform();
    norm += u[i] * u[i];
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < d; i++) u[i] /= norm;
  return u;
}

/**
 * An activation as rows [rows, d] for steering: a sequence [batch, pos, d]
 * gives one row per position (the paper steers every token); anything else
 * is `features` (rank 2 as is, else flattened per example).
 */
export function rmuRows(act: Tensor): Tensor {
  if (act.rank === 3) {
    const [B, L, d] = act.shape as [number, number, number];
    return tf.reshape(act, [B * L, d]);
  }
  return features(act);
}

/** The hook an `rmuHook` value names on `model`. */
export function rmuHookName(model: Model, spec: string): string {
  return spec === "last" ? lastHiddenHook(model) : resolveHooks(model, [spec], "technique.rmuHook")[0];
}

/** The parameters the RMU phase trains. @throws ConfigError on a bad regex or when nothing matches. */
export function rmuParamsOf(model: Model, spec: H["rmuParams"]): Record<string, Variable> {
  if (spec === "all") return { ...model.params };
  const res = spec.map((s) => {
    try {
      return new RegExp(s);
    } catch (e) {
      throw new ConfigError(`technique.rmuParams: '${s}' is not a regular expression (${(e as Error).message})`);
    }
  });
  const out: Record<string, Variable> = {};
  for (const [name, v] of Object.entries(model.params)) if (res.some((r) => r.test(name))) out[name] = v;
  if (Object.keys(out).length === 0) {
    throw new ConfigError(
      `technique.rmuParams: no parameter of ${model.arch} matches ${JSON.stringify(spec)}; its parameters: ${Object.keys(model.params).join(", ")}`,
    );
  }
  return out;
}

/**
 * Representation Misdirection for Unlearning (RMU; Li, Pan, Gopal, … ,
 * Hendrycks, "The WMDP Benchmark: Measuring and Reducing Malicious Use with
 * Unlearning", 2024, arXiv:2403.03218, §5). From a pretrained model, with a
 * frozen copy M_frozen, a fixed random unit vector u and a coefficient c:
 *
 *   L = mean ‖h(x_forget) − c·u‖²  +  α · mean ‖h(x_retain) − h_frozen(x_retain)‖²
 *
 * where h is the activation at one layer: the forget data's representation
 * is scrambled (its norm raised to c in a direction unrelated to anything the
 * later layers read) while the retain data's is kept as it was.
 *
 * Adaptation: forget = Y.access, retain = X.train, and the "pretrained
 * model" is our own: the first `rmuPretrainFrac` of the budget trains on X
 * alone (as the baseline does), then the frozen copy is taken (a model from
 * `ctx.newModel` with those weights copied in; it is never trained) and the
 * RMU phase spends the rest. Since X may not be fully learned by then, the
 * RMU phase adds `rmuCeWeight`·CE_X (default 1; 0 gives the paper's loss):
 * L = forget + α·retain + w·CE_X. Both squared norms are, as in the
 * authors' code (`F.mse_loss`), means over rows *and* dimensions, i.e.
 * ‖·‖²/d averaged over rows. h is `rmuHook` (default the last hidden
 * representation; in the paper a middle layer of a 7B LLM, layer 7); a
 * sequence activation gives one row per position (the paper steers every
 * token), others are flattened per example. u has i.i.d. uniform [0, 1)
 * entries, normalised, as in their code. With `rmuCoeffScale = norm`
 * (default) the target norm is `rmuCoeff` × the frozen model's mean row norm
 * on Y.access (the paper hand-picks an absolute c per model, e.g. 6.5 for
 * Zephyr-7B; `absolute` does that). The paper updates only the MLPs of three
 * layers up to the steered one; here `rmuParams` (regexes on parameter
 * names) picks the parameters, default all of them; the phase's optimiser
 * (the run's settings, fresh) only sees those. Reports `lossX`,
 * `lossForget`, `lossRetain` and `rmuCos` (mean cosine of Y rows with u)
 * per step; logs the target norm `rmuTargetNorm` at the phase's start.
 *
 * Measured caveat (tiny a5-s5, 75 + 75 steps, test/techniques/rmu.test.ts):
 * the retain term freezes X's representation where the pretraining left it,
 * so if X was not yet learned it stops improving (X.train accuracy 0.07
 * against the baseline's 0.39 at α = 100; 0.12 at α = 1): the pretraining
 * fraction must leave X learned, hence the default 0.8.
 */
export const rmu: Technique<typeof hparams> = {
  name: "rmu",
  describe:
    "representation misdirection: train on X, then steer Y.access activations to a random direction c·u while X's stay frozen",
  source: "Li et al. 2024, The WMDP Benchmark (RMU), arXiv:2403.03218",
  usesY: true,
  hparams,
  samplers: {
    rmuPretrainFrac: (rng) => 0.2 + 0.6 * rng.uniform(),
    rmuCoeff: (rng) => 10 ** (rng.uniform() * 1.3),
    rmuAlpha: (rng) => 10 ** (rng.uniform() * 3),
    rmuCeWeight: (rng) => (rng.uniform() < 0.25 ? 0 : 10 ** (rng.uniform() - 0.5)),
  },
  train(ctx) {
    const f = ctx.hparams.rmuPretrainFrac;
    const [p1, p2] = splitBudget(ctx.train.steps, [f, 1 - f]);
    // Validate the settings before spending the pretraining budget.
    rmuHookName(ctx.model, ctx.hparams.rmuHook);
    rmuParamsOf(ctx.model, ctx.hparams.rmuParams);
    if (p1 > 0) supervisedTraining(ctx, { steps: p1 });
    if (p2 > 0 && !ctx.shouldStop()) rmuPhase(ctx, p2, p1);
  },
};

/** Mean L2 norm of the rows of `model`'s `hook` activation on all of `split` (in chunks of `chunk` examples). */
function meanRowNorm(model: Model, split: Split, hook: string, chunk = 1024): number {
  let sum = 0;
  let rows = 0;
  for (let start = 0; start < split.n; start += chunk) {
    const idx = Array.from({ length: Math.min(chunk, split.n - start) }, (_, i) => start + i);
    tf.tidy(() => {
      const c = runWithCache(model, splitTensors(split, idx).x, [hook]);
      const r = rmuRows(c.cache[hook]);
      sum += tf.sum(tf.norm(r, "euclidean", 1)).dataSync()[0];
      rows += r.shape[0] as number;
      c.dispose();
    });
  }
  return sum / rows;
}

/** `steps` model steps on the RMU loss, reported from `offset + 1`. */
function rmuPhase(ctx: TrainContext<H>, steps: number, offset: number): void {
  const h = ctx.hparams;
  const model = ctx.model;
  const hook = rmuHookName(model, h.rmuHook);
  const vars = rmuParamsOf(model, h.rmuParams);
  const frozen = copyModel(model, () => ctx.newModel("rmu:frozen"));
  const kept: Tensor[] = [];
  const opt = makeOptimizer(vars, ctx.train);
  try {
    const d = tf.tidy(() => {
      const c = runWithCache(frozen, splitTensors(ctx.yAccess, [0]).x, [hook]);
      const w = rmuRows(c.cache[hook]).shape[1] as number;
      c.dispose();
      return w;
    });
    const scale = h.rmuCoeffScale === "norm" ? meanRowNorm(frozen, ctx.yAccess, hook) : 1;
    const c = h.rmuCoeff * scale;
    ctx.log(offset, { rmuTargetNorm: c });
    const uVec = tf.tensor1d(rmuDirection(ctx.rng, d));
    kept.push(uVec);
    const target = tf.mul(uVec, c);
    kept.push(target);
    /** The frozen model's activation rows on X when X is full batch (then they never change). */
    let fixedRetain: Tensor | null = null;
    pairedHookSteps(ctx, {
      steps,
      stepOffset: offset,
      vars,
      optimizer: opt,
      xLabel: "rmu:X",
      yLabel: "rmu:Y",
      hook,
      start: ({ x }) => {
        if (!x.isFullBatch) return;
        const xAll = x.next().x;
        fixedRetain = tf.tidy(() => {
          const fc = runWithCache(frozen, xAll, [hook]);
          const rows = tf.clone(rmuRows(fc.cache[hook]));
          fc.dispose();
          return rows;
        });
        kept.push(fixedRetain);
      },
      loss: ({ xb, cx, cy, defer }) => {
        const hy = rmuRows(cy.cache[hook]);
        const hx = rmuRows(cx.cache[hook]);
        const lossForget = tf.mean(tf.square(tf.sub(hy, target)));
        const retainTarget = fixedRetain ?? rmuRows(defer(runWithCache(frozen, xb.x, [hook])).cache[hook]);
        const lossRetain = tf.mean(tf.square(tf.sub(hx, retainTarget)));
        const lossX = crossEntropy(cx.output, xb.y);
        const rmuCos = tf.mean(
          tf.div(tf.matMul(hy, tf.reshape(uVec, [d, 1])), tf.add(tf.norm(hy, "euclidean", 1, true), 1e-12)),
        );
        let total = tf.add(lossForget, tf.mul(lossRetain, h.rmuAlpha));
        if (h.rmuCeWeight > 0) total = tf.add(total, tf.mul(lossX, h.rmuCeWeight));
        return { total, parts: { lossX, lossForget, lossRetain, rmuCos } };
      },
    });
  } finally {
    tf.dispose(kept);
    opt.dispose();
    frozen.dispose();
  }
}
