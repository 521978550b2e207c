import { z } from "zod";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { type ActivationCache, runWithCache } from "../models/hooks.js";
import { AdamW } from "../train/adamw.js";
import { BatchStream, splitTensors } from "../train/batches.js";
import { crossEntropy } from "../train/loss.js";
import { makeOptimizer, optimizerStep } from "../train/optimizer.js";
import { gradReverse } from "./shared/grad-reverse.js";
import { createHead, type Head } from "./shared/head.js";
import { features, resolveHooks } from "./shared/hooks.js";
import { JointOptimizer, modelSteps } from "./shared/steps.js";
import type { Technique, TrainContext } from "./types.js";

const hparams = z
  .object({
    /** λ: weight of the adversary's success in the model's loss. */
    advProbeWeight: z.number().nonnegative().default(1),
    /**
     * `minmax`: alternate — the adversary takes its steps on the current
     * model's activations, then the model takes one step on CE_X − λ·CE_adv
     * with the adversary fixed. `reversal`: one backward pass through a
     * gradient-reversal layer updates both (Ganin & Lempitsky 2015).
     */
    advProbeMode: z.enum(["minmax", "reversal"]).default("minmax"),
    /** Activations the adversaries read: "hidden" = every hook except the logits, or a list of hook names. */
    advProbeHooks: z.union([z.literal("hidden"), z.array(z.string()).min(1)]).default("hidden"),
    /** One adversary per hook: softmax regression, or an MLP with one ReLU layer of `advProbeHidden` units. */
    advProbeArch: z.enum(["linear", "mlp"]).default("linear"),
    advProbeHidden: z.number().int().positive().default(64),
    /** Adversary updates per model step (in `reversal` mode the last one shares the model's backward pass). */
    advProbeSteps: z.number().int().positive().default(1),
    /**
     * Y.access examples per adversary step and per penalty term; 0 = the
     * run's batch size (all of Y.access for full-batch runs) capped at 512,
     * because every model step costs 1 + advProbeSteps extra passes over it.
     */
    advProbeBatchSize: z.number().int().nonnegative().default(0),
    /** The adversaries' own AdamW. */
    advProbeLr: z.number().positive().default(1e-2),
    advProbeWeightDecay: z.number().nonnegative().default(0),
  })
  .strict();
type H = z.infer<typeof hparams>;

/**
 * Seed, "Some techniques for influencing model generalisation", technique 3:
 *
 * > 3. After each step in training, give an adversary access to the internal
 * >    activations and have it try to work out what the correct answer was.
 * >    Punish the model if the correct answer (in task Y) can be gleaned from
 * >    the model's activations.
 * >    - In this case unlike previous ones, the model cannot even secretly
 * >      think about the task. However, it is still possible for the model to
 * >      implement a circuit that could work on Y, and a classifier early in
 * >      the model which determines whether to use this circuit.
 *
 * Adaptation: one adversary per hooked activation (flattened), trained with
 * its own AdamW to predict the true Y label from the model's activations on
 * Y.access inputs. The model minimises CE_X − λ·mean_h min(CE_h, ln C): the
 * adversaries' cross-entropy is clamped at chance level (ln C for C classes)
 * because an adversary that is already no better than uniform guessing has
 * nothing left to reveal, and an unclamped −CE rewards making it confidently
 * wrong without bound. The `reversal` mode applies the same clamp per hook in
 * the reversed gradient. Adversary steps are extra, not part of the model's
 * budget (protocol §2); the adversaries' accuracy on the batch they are
 * trained on is logged (`advAcc`, `advAcc:<hook>`) ten times per `evalEvery`.
 */
export const adversarialProbe: Technique<typeof hparams> = {
  name: "adversarial-probe",
  describe: "penalise the model when adversaries reading its activations on Y.access can predict the Y answer",
  source: "seed: techniques with access to Y, no. 3 (adversary on activations); gradient reversal: arXiv:1409.7495",
  usesY: true,
  hparams,
  samplers: {
    advProbeWeight: (rng) => 10 ** (rng.uniform() * 2 - 1),
    advProbeMode: (rng) => (rng.uniform() < 0.5 ? "minmax" : "reversal"),
    advProbeArch: (rng) => (rng.uniform() < 0.5 ? "linear" : "mlp"),
    advProbeHidden: (rng) => 2 ** (4 + rng.int(4)),
    advProbeSteps: (rng) => 1 + rng.int(4),
    advProbeBatchSize: (rng) => [0, 128, 256, 512, 1024][rng.int(5)],
    advProbeLr: (rng) => 10 ** (rng.uniform() * 1.5 - 3),
    advProbeWeightDecay: (rng) => (rng.uniform() < 0.5 ? 0 : 10 ** (rng.uniform() * 3 - 4)),
  },
  train(ctx) {
    trainAdversarially(ctx);
  },
};

function trainAdversarially(ctx: TrainContext<H>): void {
  const h = ctx.hparams;
  const model = ctx.model;
  const hooks = resolveHooks(model, h.advProbeHooks, "technique.advProbeHooks");
  const y = ctx.yAccess;
  const C = ctx.task.numClasses;
  const chanceCe = Math.log(C);
  const lambda = h.advProbeWeight;

  // Feature widths from one example's activations.
  const dims = tf.tidy(() => {
    const one = splitTensors(y, [0]);
    const c = runWithCache(model, one.x, hooks);
    const out = hooks.map((n) => features(c.cache[n]).shape[1] as number);
    c.dispose();
    return out;
  });
  const advs: Head[] = hooks.map((n, i) =>
    createHead(
      ctx.rng.fork(`adversary:${n}`),
      { dIn: dims[i], dOut: C, hidden: h.advProbeArch === "mlp" ? h.advProbeHidden : 0 },
      `adversary:${n}`,
    ),
  );
  const advVars = JointOptimizer.merge(advs.map((a, i) => ({ prefix: `${i}/`, vars: a.params })));
  const advOpt = new AdamW(advVars, { lr: h.advProbeLr, weightDecay: h.advProbeWeightDecay });
  // Same X stream as supervisedTraining's, so that λ = 0 trains exactly like the baseline.
  const xs = new BatchStream(ctx.xTrain, ctx.train.batchSize, ctx.rng.fork("batches:X.train:0"));
  const yBatch =
    h.advProbeBatchSize > 0 ? h.advProbeBatchSize : Math.min(512, ctx.train.batchSize > 0 ? ctx.train.batchSize : y.n);
  const ys = new BatchStream(y, yBatch, ctx.rng.fork("batches:Y.access"));
  const pending: ActivationCache[] = [];
  const lastAcc = new Float64Array(hooks.length);
  const logEvery = Math.max(1, Math.round(ctx.train.evalEvery / 10));

  const reversal = h.advProbeMode === "reversal";
  /** Whether step `s` logs the adversaries' accuracy (computing it costs an arg-max per hook). */
  const due = (s: number) => s % logEvery === 0 || s === ctx.train.steps;

  /** Per-hook adversary cross-entropies on activations `acts`; records their accuracies if `measure`. */
  const adversaryLosses = (acts: Tensor[], labels: Tensor, measure: boolean): Tensor[] => {
    const ces: Tensor[] = [];
    const accs: Tensor[] = [];
    acts.forEach((a, i) => {
      const logits = advs[i].forward(a);
      ces.push(crossEntropy(logits, labels));
      if (measure) accs.push(tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")));
    });
    if (measure) {
      const v = tf.stack(accs).dataSync();
      for (let i = 0; i < hooks.length; i++) lastAcc[i] = v[i];
    }
    return ces;
  };

  /** `n` adversary-only updates on the current model's (fixed) activations, before model step `s`. */
  const adversarySteps = (n: number, s: number) => {
    for (let k = 0; k < n; k++) {
      const yb = ys.next();
      const c = runWithCache(model, yb.x, hooks);
      try {
        optimizerStep(advOpt, advVars, () => {
          const acts = hooks.map((name) => features(c.cache[name]));
          // Accuracy from the last update before the model step (in reversal mode the joint pass measures it).
          return tf.mean(tf.stack(adversaryLosses(acts, yb.y, !reversal && k === n - 1 && due(s))));
        });
      } finally {
        c.dispose();
        if (yb.owned) tf.dispose([yb.x, yb.y]);
      }
    }
  };

  const modelOpt = makeOptimizer(model.params, ctx.train);
  const joint = reversal
    ? new JointOptimizer([
        { prefix: "model:", opt: modelOpt },
        { prefix: "adv:", opt: advOpt },
      ])
    : null;
  const gates = new Float64Array(hooks.length);

  try {
    modelSteps(ctx, {
      steps: ctx.train.steps,
      optimizer: joint ?? modelOpt,
      vars: joint
        ? JointOptimizer.merge([
            { prefix: "model:", vars: model.params },
            { prefix: "adv:", vars: advVars },
          ])
        : undefined,
      before: (s) => {
        adversarySteps(reversal ? h.advProbeSteps - 1 : h.advProbeSteps, s);
        return undefined;
      },
      loss: (s) => {
        const xb = xs.next();
        const yb = ys.next();
        const lossX = crossEntropy(model.forward(xb.x), xb.y);
        const c = runWithCache(model, yb.x, hooks);
        pending.push(c);
        const acts = hooks.map((name, i) => {
          const f = features(c.cache[name]);
          // Reversal: the model receives −λ·gate_i·∇CE_i, the adversary ∇CE_i.
          return reversal ? gradReverse(f, () => lambda * gates[i]) : f;
        });
        const ces = adversaryLosses(acts, yb.y, reversal && due(s));
        const ceValues = tf.stack(ces).dataSync();
        ceValues.forEach((v, i) => {
          gates[i] = v < chanceCe ? 1 : 0;
        });
        const lossAdv = tf.mean(tf.stack(ces));
        // What the model pays: mean_h max(0, ln C − CE_h) (= −min(CE_h, ln C) + const).
        const penalty = tf.mean(tf.stack(ces.map((ce) => tf.relu(tf.sub(chanceCe, ce)))));
        const total = reversal ? tf.add(lossX, lossAdv) : tf.add(lossX, tf.mul(penalty, lambda));
        return { total, parts: { lossX, lossAdv, penalty } };
      },
      after: (s) => {
        for (const c of pending.splice(0)) c.dispose();
        if (due(s)) {
          const m: Record<string, number> = { advAcc: lastAcc.reduce((p, q) => p + q, 0) / hooks.length };
          hooks.forEach((n, i) => {
            m[`advAcc:${n}`] = lastAcc[i];
          });
          ctx.log(s, m);
        }
      },
    });
  } finally {
    for (const c of pending.splice(0)) c.dispose();
    xs.dispose();
    ys.dispose();
    (joint ?? modelOpt).dispose();
    if (!joint) advOpt.dispose();
    for (const a of advs) a.dispose();
  }
}
