import { z } from "zod";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { evaluateSplit } from "../eval/behaviour.js";
import { getEdits, multiplyEdit, setEdit } from "../models/edits.js";
import type { Model } from "../models/types.js";
import { BatchStream, splitTensors } from "../train/batches.js";
import { supervisedTraining } from "../train/loop.js";
import { crossEntropy } from "../train/loss.js";
import { ConfigError } from "../util/errors.js";
import { lastHiddenHook, resolveHooks } from "./shared/hooks.js";
import { modelSteps, splitBudget } from "./shared/steps.js";
import type { Technique, TrainContext } from "./types.js";

const hparams = z
  .object({
    /** Hook whose units are split into a designated (Y) slice and the rest: `last-hidden` or a hook name. */
    gradRouteHook: z.string().default("last-hidden"),
    /** Fraction of the hook's units (its last axis) designated for Y: the last ⌈frac·units⌉ of them (at least 1, at most units − 1). */
    gradRouteFrac: z.number().gt(0).lt(1).default(0.25),
    /**
     * What X.train rows do at the hook. `ablated` (default): the slice is
     * zeroed for X rows, forward and backward — X is trained on the network
     * it will be after the ablation, and its gradient flows through the
     * rest only. `rest`: the brief's routing, values unchanged, gradient only
     * through the non-designated units. `all`: no routing for X. With `rest`
     * and `all` X's predictions still read the slice (which `rest` leaves X
     * no way to shape): in our runs `rest` trained X badly (a5-s5 16/64, 300
     * steps: X.train 0.51 vs the baseline's 1.0; subgroups: 0.41 vs 1.0) and
     * `all` made the ablation cost X (subgroups X.train 1.0 → 0.80).
     */
    gradRouteXFlow: z.enum(["ablated", "rest", "all"]).default("ablated"),
    /**
     * Weight of the routed Y.access cross-entropy against X's (the mixture's
     * Y share). Default 0.3: on a5-s5 (embed-mlp 16/64, 300 steps) 1 left
     * X.test at 0.25 after ablation, 0.3 at 0.52 (baseline 0.75), both with
     * Y.access at chance after the ablation.
     */
    gradRouteYWeight: z.number().nonnegative().default(0.3),
    /** Fraction of the budget spent fine-tuning on X.train after the slice is ablated. */
    gradRouteFinetuneFrac: z.number().min(0).lt(1).default(0.1),
  })
  .strict();
type H = z.infer<typeof hparams>;

/** The identity whose gradient is zero (torch's `detach`): built with `tf.customGrad`. */
export function stopGradient(x: Tensor): Tensor {
  const f = tf.customGrad((...inputs) => ({
    value: tf.clone(inputs[0] as Tensor),
    gradFunc: (dy: Tensor) => tf.zerosLike(dy),
  }));
  return f(x);
}

/**
 * Gradient routing at one activation a (Cloud et al. 2024, eq. 1):
 * `mask ⊙ a + (1 − mask) ⊙ stopGradient(a)` has a's value, but the gradient
 * reaches what computed `a` only through the entries where `mask` is 1.
 * `mask` broadcasts against `a` ([units] for the last axis, or per row).
 */
export function route(a: Tensor, mask: Tensor): Tensor {
  return tf.add(tf.mul(a, mask), tf.mul(stopGradient(a), tf.sub(1, mask)));
}

/** Where X rows' gradient may flow at the hook (see `gradRouteXFlow`). */
export type XFlow = "rest" | "all" | "ablated";

/**
 * How a batch of `nX` X rows followed by `nY` Y rows is routed at the hook.
 * `designated` [units] is 1 on the Y slice, `rest` = 1 − designated.
 */
export interface Routing {
  nX: number;
  nY: number;
  xFlow: XFlow;
  designated: Tensor;
  rest: Tensor;
}

/**
 * The activation at the routed hook, rows split into the X block and the Y
 * block (masks broadcast over the last axis): Y rows' gradient flows back
 * only through the designated slice; X rows' through the rest (`rest`),
 * through everything (`all`), or X rows have the slice zeroed outright,
 * forward and backward (`ablated`). Values are unchanged except for
 * `ablated` X rows.
 */
export function routeRows(a: Tensor, r: Routing): Tensor {
  const x = (t: Tensor) => (r.xFlow === "all" ? t : r.xFlow === "rest" ? route(t, r.rest) : tf.mul(t, r.rest));
  const y = (t: Tensor) => route(t, r.designated);
  if (r.nY === 0) return x(a);
  if (r.nX === 0) return y(a);
  const [ax, ay] = tf.split(a, [r.nX, r.nY], 0);
  return tf.concat([x(ax), y(ay)], 0);
}

/** The model's logits with the activation at `hook` routed (a plain forward when `routing` is null). */
export function routedForward(model: Model, x: Tensor, hook: string, routing: Routing | null): Tensor {
  if (!routing) return model.forward(x);
  if (x.shape[0] !== routing.nX + routing.nY) {
    throw new Error(`routedForward: ${x.shape[0]} rows, routing for ${routing.nX} + ${routing.nY}`);
  }
  return model.forward(x, (name, a) => (name === hook ? routeRows(a, routing) : undefined));
}

/** The designated slice of a hook with `units` units: the last `count` of them. */
export function designatedSlice(units: number, frac: number): { start: number; count: number } {
  if (units < 2) {
    throw new ConfigError(`gradient-routing: the hook has ${units} unit(s); routing needs at least 2 (one per side)`);
  }
  const count = Math.min(units - 1, Math.max(1, Math.ceil(frac * units)));
  return { start: units - count, count };
}

/** Number of units (last axis) of `hook`'s activation, from one forward pass on one X.train row. */
function hookUnits(model: Model, ctx: TrainContext<H>, hook: string): number {
  return tf.tidy(() => {
    let units = 0;
    model.forward(splitTensors(ctx.xTrain, [0]).x, (name, a) => {
      if (name === hook) units = a.shape[a.rank - 1];
    });
    return units;
  });
}

/**
 * Gradient routing: Cloud, Goldman-Wetzler, Wybitul, Miller & Turner 2024,
 * "Gradient Routing: Masking Gradients to Localize Computation in Neural
 * Networks", arXiv:2410.04332 — its Expand-Route-Ablate (ERA) recipe for
 * removing a capability, adapted.
 *
 * - Expand → designate. Our models have fixed widths, so instead of adding
 *   units we designate the last `gradRouteFrac` of the units (the last axis)
 *   of one hook's activation (default `lastHiddenHook`; for a transformer,
 *   those residual-stream dimensions at every position).
 * - Route. Train on a mixture: each step one X.train batch and one Y.access
 *   batch with its true labels (the "forget" data), in one forward pass,
 *   loss CE_X + `gradRouteYWeight`·CE_Y. At the hook, a hook that returns a
 *   replacement (src/models/types.ts `HookFn`) sets the Y rows' activation
 *   to `mask ⊙ a + (1 − mask) ⊙ stopGradient(a)` — the same value, but the
 *   gradient reaches everything before the hook only through the
 *   designated slice, so only the slice's upstream weights learn Y. X rows
 *   (`gradRouteXFlow`): by default they run with the slice zeroed
 *   (`ablated`: X never uses the slice, and never trains it); `rest` routes
 *   their gradient through the other units with values unchanged
 *   (symmetric routing), `all` does not route them. Layers
 *   after the hook see every unit the rows carry, as in the paper.
 * - Ablate. The designated units are then zeroed for good, by a persistent
 *   edit (src/models/edits.ts) that every later forward pass — evaluation and
 *   the relearning attack's copy included — goes through; then the model is
 *   fine-tuned on X.train alone for `gradRouteFinetuneFrac` of the budget
 *   (the paper's optional "coherence" fine-tuning).
 *
 * Every routed step and every fine-tuning step counts toward the model's
 * budget. Logged: Y.access and X.train accuracy just before and after the
 * ablation (`gradRouteYAccBefore`, `gradRouteYAccAfter`, `gradRouteXAccBefore`,
 * `gradRouteXAccAfter`).
 */
export const gradientRouting: Technique<typeof hparams> = {
  name: "gradient-routing",
  describe:
    "route Y.access's gradient into a designated slice of a hidden layer (X uses the rest), then ablate the slice and fine-tune on X",
  source:
    "Cloud, Goldman-Wetzler, Wybitul, Miller & Turner 2024, Gradient Routing: Masking Gradients to Localize Computation in Neural Networks, arXiv:2410.04332 (Expand-Route-Ablate)",
  usesY: true,
  hparams,
  samplers: {
    gradRouteFrac: (rng) => 0.1 + 0.4 * rng.uniform(),
    gradRouteXFlow: (rng) => {
      const u = rng.uniform();
      return u < 0.6 ? "ablated" : u < 0.8 ? "rest" : "all";
    },
    gradRouteYWeight: (rng) => 10 ** (rng.uniform() * 1.5 - 0.5),
    gradRouteFinetuneFrac: (rng) => 0.3 * rng.uniform(),
  },
  train(ctx) {
    const { gradRouteHook, gradRouteFrac, gradRouteXFlow, gradRouteYWeight, gradRouteFinetuneFrac } = ctx.hparams;
    const model = ctx.model;
    const hook =
      gradRouteHook === "last-hidden"
        ? lastHiddenHook(model)
        : resolveHooks(model, [gradRouteHook], "technique.gradRouteHook")[0];
    if (getEdits(model).has(hook))
      throw new ConfigError(`gradient-routing: the model already has an edit at '${hook}'`);
    const units = hookUnits(model, ctx, hook);
    const { start, count } = designatedSlice(units, gradRouteFrac);
    const y = ctx.yAccess;
    const [pRoute, pFinetune] = splitBudget(ctx.train.steps, [1 - gradRouteFinetuneFrac, gradRouteFinetuneFrac]);
    const designated = Float32Array.from({ length: units }, (_, i) => (i >= start ? 1 : 0));
    const designatedT = tf.tensor1d(designated);
    const restT = tf.tensor1d(designated.map((v) => 1 - v));
    const xs = new BatchStream(ctx.xTrain, ctx.train.batchSize, ctx.rng.fork("gradRoute:X.train"));
    const ys = new BatchStream(y, ctx.train.batchSize, ctx.rng.fork("gradRoute:Y.access"));
    try {
      modelSteps(ctx, {
        steps: pRoute,
        loss: () => {
          // One forward pass over the X rows then the Y rows, routed block by block at the hook.
          const xb = xs.next();
          const yb = ys.next();
          const nX = xb.x.shape[0];
          const nY = yb.x.shape[0];
          const routing: Routing = { nX, nY, xFlow: gradRouteXFlow, designated: designatedT, rest: restT };
          const logits = routedForward(model, tf.concat([xb.x, yb.x], 0), hook, routing);
          const [lx, ly] = tf.split(logits, [nX, nY], 0);
          const lossX = crossEntropy(lx, xb.y);
          const lossY = crossEntropy(ly, yb.y);
          return { total: tf.add(lossX, tf.mul(lossY, gradRouteYWeight)), parts: { lossX, lossY } };
        },
      });
    } finally {
      xs.dispose();
      ys.dispose();
      designatedT.dispose();
      restT.dispose();
    }
    if (ctx.shouldStop()) return;
    const before = { y: evaluateSplit(model, y).acc, x: evaluateSplit(model, ctx.xTrain).acc };
    const keep = designated.map((v) => 1 - v);
    setEdit(
      model,
      hook,
      multiplyEdit(keep, [units], `gradient routing: units ${start}..${units - 1} of ${units} at ${hook} ablated`),
    );
    ctx.log(pRoute, {
      gradRouteUnits: count,
      gradRouteYAccBefore: before.y,
      gradRouteYAccAfter: evaluateSplit(model, y).acc,
      gradRouteXAccBefore: before.x,
      gradRouteXAccAfter: evaluateSplit(model, ctx.xTrain).acc,
    });
    if (pFinetune > 0) supervisedTraining(ctx, { steps: pFinetune, stepOffset: pRoute });
  },
};
