import { z } from "zod";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { clearEdits, emit, hookWithEdits } from "./edits.js";
import { disposeParams } from "./init.js";
import { addDense, dense, flatDim, heStd, lecunStd } from "./layers.js";
import type { HookFn, Model, ModelBuildArgs } from "./types.js";

/** Hyperparameters of `mlp`. */
export const mlpConfig = z
  .object({
    /**
     * Widths of the hidden ReLU layers, input side first. The default
     * 784-256-256-10 is the perf workload `mnist-mlp`; `[]` is a linear model.
     */
    hidden: z.array(z.number().int().positive()).default([256, 256]),
  })
  .strict();
export type MlpConfig = z.infer<typeof mlpConfig>;

/**
 * A plain multilayer perceptron with biases and ReLU: images are flattened
 * (HWC order) to vectors first.
 *
 * Init: hidden layers He normal N(0, 2/fanIn) (they feed a ReLU), the output
 * layer LeCun normal N(0, 1/fanIn), biases zero. Drawn from the seeded Rng,
 * one fork per parameter name.
 *
 * Params: `layers.{i}.W` [dIn, hidden[i]], `layers.{i}.b`, `unembed.W`
 * [dLast, numClasses], `unembed.b`. `embedParams` (what the `embed` relearning
 * attack may change) = the first layer and the output layer, the analogue of
 * input embeddings and unembedding.
 *
 * Hooks:
 * - `layers.{i}.hook_pre`, `layers.{i}.hook_post` — [batch, hidden[i]]
 * - `hook_logits` — [batch, numClasses]
 *
 * A hook (or a persistent edit, `src/models/edits.ts`) may replace any of
 * them: the forward pass continues with the replacement.
 */
export function createMlp(args: ModelBuildArgs<MlpConfig>): Model {
  const { input, numClasses, config, rng } = args;
  const dIn = flatDim(input, "mlp");
  const widths = [dIn, ...config.hidden];
  const params: Model["params"] = {};
  const hookPoints: { name: string; shape: string }[] = [];
  for (let i = 0; i < config.hidden.length; i++) {
    addDense(params, rng, `layers.${i}`, widths[i], widths[i + 1], heStd(widths[i]));
    hookPoints.push({ name: `layers.${i}.hook_pre`, shape: "[batch, dHidden]" });
    hookPoints.push({ name: `layers.${i}.hook_post`, shape: "[batch, dHidden]" });
  }
  const dLast = widths[widths.length - 1];
  addDense(params, rng, "unembed", dLast, numClasses, lecunStd(dLast));
  hookPoints.push({ name: "hook_logits", shape: "[batch, numClasses]" });
  const nHidden = config.hidden.length;
  const embedParams = nHidden > 0 ? ["layers.0.W", "layers.0.b", "unembed.W", "unembed.b"] : ["unembed.W", "unembed.b"];

  const model: Model = {
    arch: "mlp",
    params,
    hookPoints,
    embedParams,
    dHidden: dLast,
    forward(x: Tensor, hookArg?: HookFn): Tensor {
      const hook = hookWithEdits(model, hookArg);
      return tf.tidy(() => {
        let h = x.rank === 2 ? x : tf.reshape(x, [x.shape[0], dIn]); // [batch, dIn]
        for (let i = 0; i < nHidden; i++) {
          const pre = emit(hook, `layers.${i}.hook_pre`, dense(h, params[`layers.${i}.W`], params[`layers.${i}.b`])); // [batch, hidden[i]]
          h = emit(hook, `layers.${i}.hook_post`, tf.relu(pre)); // [batch, hidden[i]]
        }
        return emit(hook, "hook_logits", dense(h, params["unembed.W"], params["unembed.b"])); // [batch, numClasses]
      });
    },
    dispose() {
      clearEdits(model);
      disposeParams(params);
    },
  };
  return model;
}
