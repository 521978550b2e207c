import type { z } from "zod";
import { applySets, type RunConfig, resolveRunConfig } from "../../src/config/run-config.js";
import { deriveSeed, Rng } from "../../src/engine/rng.js";
import type { Tensor } from "../../src/engine/tf.js";
import { tf } from "../../src/engine/tf.js";
import { ownedVariable } from "../../src/models/init.js";
import type { Model } from "../../src/models/types.js";
import { buildModel, buildTask } from "../../src/run/execute.js";
import { guardTask } from "../../src/run/guard.js";
import type { BuiltTask, Split } from "../../src/tasks/types.js";
import { techniques } from "../../src/techniques/index.js";
import type { TrainContext } from "../../src/techniques/types.js";
import { AdamW } from "../../src/train/adamw.js";
import { splitTensors } from "../../src/train/batches.js";
import { crossEntropy } from "../../src/train/loss.js";
import { optimizerStep } from "../../src/train/optimizer.js";

/**
 * Mechanism tests need the trained model (executeRun disposes it), so this
 * harness builds the same context as the pipeline (guarded task, seeded rng,
 * onStep/log/stop) and hands back the model, the full task and the log.
 */
export interface Trained {
  config: RunConfig;
  task: BuiltTask;
  model: Model;
  /** Columnar per-step log: every key ever reported, by step row (NaN where absent). */
  rows: { step: number; metrics: Record<string, number> }[];
  steps: number;
  stopReason?: string;
}

/**
 * A resolved tiny a5-s5 config (embed-mlp 16/32, 150 full-batch steps at lr
 * 0.01, where X.train is being fitted but not yet generalised) with the
 * given technique and `--set` overrides.
 */
export function tinyConfig(technique: string, sets: string[] = [], seed = 0): RunConfig {
  return resolveRunConfig(
    applySets({ task: { name: "a5-s5" }, technique: { name: technique }, seed }, [
      "model.dEmbed=16",
      "model.dHidden=32",
      "train.steps=150",
      "train.lr=0.01",
      "train.evalEvery=50",
      ...sets,
    ]),
  );
}

/**
 * A tiny pair where the baseline does carry X to Y, so there is transfer to
 * prevent: shapes `colour` (X: red square vs blue triangle; Y: red square vs
 * blue square) with an MLP of 32 hidden units, full batch, 200 steps at lr
 * 3e-4. The baseline gets Y.access right (a5-s5's tiny config never does).
 */
export function tinyShapesColourConfig(technique: string, sets: string[] = [], seed = 0): RunConfig {
  return resolveRunConfig(
    applySets({ task: { name: "shapes" }, technique: { name: technique }, model: { name: "mlp" }, seed }, [
      "task.variant=colour",
      "task.xTrain=256",
      "task.xTest=128",
      "task.yAccess=128",
      "task.yTest=128",
      "task.yRelearn=32",
      "model.hidden=[32]",
      "train.batchSize=0",
      "train.steps=200",
      "train.lr=3e-4",
      ...sets,
    ]),
  );
}

/** Build a context exactly like executeRun's (minus evaluation) for `config`. */
export function makeContext(config: RunConfig): { ctx: TrainContext<unknown>; result: Trained } {
  const tech = techniques.get(config.technique.name);
  const task = buildTask(config);
  const model = buildModel(config, task);
  const guarded = guardTask(task, tech.name, tech.usesY);
  const { name: _n, ...hparams } = config.technique;
  const result: Trained = { config, task, model, rows: [], steps: 0 };
  const ctx: TrainContext<z.infer<typeof tech.hparams>> = {
    task: guarded,
    xTrain: task.splits["X.train"],
    get yAccess() {
      return guarded.splits["Y.access"];
    },
    model,
    newModel: (label: string) => buildModel(config, task, label),
    train: config.train,
    hparams,
    rng: new Rng(deriveSeed(config.seed, `technique:${tech.name}`)),
    onStep(step, metrics) {
      for (const [k, v] of Object.entries(metrics)) {
        if (!Number.isFinite(v)) throw new Error(`${k} became ${v} at step ${step}`);
      }
      result.steps = step;
      result.rows.push({ step, metrics: { ...metrics } });
    },
    log(step, metrics) {
      result.rows.push({ step, metrics: { ...metrics } });
    },
    shouldStop: () => result.stopReason !== undefined,
    stop(reason) {
      result.stopReason = reason;
    },
  };
  return { ctx, result };
}

/** Train `config`'s technique and return the trained model (dispose it with `result.model.dispose()`). */
export async function trainWith(config: RunConfig): Promise<Trained> {
  const tech = techniques.get(config.technique.name);
  const { ctx, result } = makeContext(config);
  await tech.train(ctx);
  return result;
}

/** The values of `key` in the log, in order, with their steps. */
export function series(t: Trained, key: string): { step: number; value: number }[] {
  return t.rows.filter((r) => key in r.metrics).map((r) => ({ step: r.step, value: r.metrics[key] }));
}

/** Softmax probabilities of the model on a whole split, as rows. */
export function probabilities(model: Model, split: Split): Float32Array {
  return tf.tidy(() => {
    const b = splitTensors(split);
    return tf.softmax(model.forward(b.x)).dataSync() as Float32Array;
  });
}

/** Mean entropy (nats) of the model's predictive distribution over a split. */
export function meanEntropy(model: Model, split: Split): number {
  return tf.tidy(() => {
    const b = splitTensors(split);
    const logp = tf.logSoftmax(model.forward(b.x));
    return -tf.mean(tf.sum(tf.mul(tf.exp(logp), logp), 1)).dataSync()[0];
  });
}

/** Arg-max predictions of the model on a split. */
export function predictions(model: Model, split: Split): Int32Array {
  return tf.tidy(() => {
    const b = splitTensors(split);
    return tf.argMax(model.forward(b.x), 1).dataSync() as Int32Array;
  });
}

/** Accuracy of the model on a split. */
export function accuracyOn(model: Model, split: Split): number {
  const p = predictions(model, split);
  let c = 0;
  for (let i = 0; i < split.n; i++) if (p[i] === split.y[i]) c++;
  return c / split.n;
}

/** The activation `hook` of the model on a whole split, flattened to [n, d], as a kept tensor. */
export function activations(model: Model, split: Split, hook: string): Tensor {
  return tf.tidy(() => {
    const b = splitTensors(split);
    let act: Tensor | undefined;
    model.forward(b.x, (name, a) => {
      if (name === hook) act = tf.keep(tf.reshape(a, [a.shape[0], -1]));
    });
    if (!act) throw new Error(`hook ${hook} did not fire`);
    return act;
  });
}

/**
 * A fresh linear probe (softmax regression, AdamW, full batch) fitted on
 * `train` features and scored on `test` features: the test's own
 * independent measurement of what the activations encode.
 */
export function fitProbe(
  train: { x: Tensor; y: Int32Array },
  test: { x: Tensor; y: Int32Array },
  numClasses: number,
  opts: { steps?: number; lr?: number; weightDecay?: number; seed?: number } = {},
): { trainAcc: number; testAcc: number } {
  const d = train.x.shape[1] as number;
  const rng = new Rng(opts.seed ?? 1234);
  const W = ownedVariable(tf.tensor2d(rng.normalArray(d * numClasses, 1 / Math.sqrt(d)), [d, numClasses]));
  const b = ownedVariable(tf.zeros([numClasses]));
  const opt = new AdamW({ W, b }, { lr: opts.lr ?? 1e-2, weightDecay: opts.weightDecay ?? 0 });
  const yTrain = tf.tensor1d(train.y, "int32");
  try {
    for (let s = 0; s < (opts.steps ?? 300); s++) {
      optimizerStep(opt, { W, b }, () => crossEntropy(tf.add(tf.matMul(train.x, W), b), yTrain));
    }
    const acc = (x: Tensor, y: Int32Array) =>
      tf.tidy(() => {
        const pred = tf.argMax(tf.add(tf.matMul(x, W), b), 1).dataSync();
        let c = 0;
        for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) c++;
        return c / y.length;
      });
    return { trainAcc: acc(train.x, train.y), testAcc: acc(test.x, test.y) };
  } finally {
    opt.dispose();
    W.dispose();
    b.dispose();
    yTrain.dispose();
  }
}
