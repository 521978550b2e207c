import { z } from "zod";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { ConfigError } from "../util/errors.js";
import { clearEdits, emit, hookWithEdits } from "./edits.js";
import { disposeParams, normalVariable, zerosVariable } from "./init.js";
import { addDense, dense, heStd, lecunStd } from "./layers.js";
import type { HookFn, Model, ModelBuildArgs } from "./types.js";

/** Hyperparameters of `cnn`. */
export const cnnConfig = z
  .object({
    /** Output channels of each conv layer (each: conv k×k 'valid' + bias + ReLU + 2×2 max-pool). */
    channels: z.array(z.number().int().positive()).min(1).default([32, 64]),
    /** Square kernel size of every conv layer. */
    kernel: z.number().int().positive().default(3),
    /** Width of the dense ReLU layer between the conv stack and the output layer. */
    dDense: z.number().int().positive().default(128),
  })
  .strict();
export type CnnConfig = z.infer<typeof cnnConfig>;

/**
 * Spatial size after each conv + pool stage: a 'valid' conv gives s − k + 1,
 * then a 2×2 stride-2 'valid' max-pool halves it, rounding down.
 * 28, k 3 → 26 → 13 → 11 → 5 (the returned list is [13, 5]).
 */
export function cnnSpatialSizes(size: number, kernel: number, stages: number): number[] {
  const out: number[] = [];
  let s = size;
  for (let i = 0; i < stages; i++) {
    s = Math.floor((s - kernel + 1) / 2);
    out.push(s);
  }
  return out;
}

/**
 * A small convolutional classifier. The default is exactly the perf workload
 * `mnist-cnn`: conv 3×3×32 + ReLU + max-pool 2, conv 3×3×64 + ReLU + max-pool 2
 * ('valid' padding: 28 → 26 → 13 → 11 → 5, so 5·5·64 = 1,600 features),
 * dense 128 + ReLU, dense numClasses; all layers with biases. Works for any
 * HWC image big enough for the stack (32×32×3 → 6·6·64 = 2,304 features).
 *
 * Init: convs and the hidden dense layer He normal N(0, 2/fanIn) (fanIn = k·k·Cin
 * for convs; they feed ReLUs), the output layer LeCun normal N(0, 1/fanIn),
 * biases zero. Drawn from the seeded Rng, one fork per parameter name.
 *
 * Params: `conv.{i}.W` [k, k, Cin, Cout], `conv.{i}.b` [Cout], `dense.0.W`
 * [flat, dDense], `dense.0.b`, `unembed.W` [dDense, numClasses], `unembed.b`.
 * `embedParams` = the first conv and the output layer: the analogue, for
 * images, of the input embeddings and unembedding that the `embed`
 * relearning attack may change.
 *
 * Hooks:
 * - `conv.{i}.hook_post` — [batch, h_i, w_i, channels[i]] (after ReLU and pool)
 * - `dense.0.hook_post` — [batch, dDense]
 * - `hook_logits` — [batch, numClasses]
 *
 * A hook (or a persistent edit, `src/models/edits.ts`) may replace any of
 * them: the forward pass continues with the replacement.
 */
export function createCnn(args: ModelBuildArgs<CnnConfig>): Model {
  const { input, numClasses, config, rng } = args;
  if (input.kind !== "image") {
    throw new ConfigError(`model cnn needs image inputs (rotated-mnist, shapes), got ${input.kind} inputs`);
  }
  const { channels, kernel: k, dDense } = config;
  const hs = cnnSpatialSizes(input.height, k, channels.length);
  const ws = cnnSpatialSizes(input.width, k, channels.length);
  if (hs[hs.length - 1] < 1 || ws[ws.length - 1] < 1) {
    throw new ConfigError(
      `model cnn: a ${input.height}×${input.width} image is too small for ${channels.length} stages of ` +
        `${k}×${k} conv + 2×2 pool (sizes ${hs.join("→")} × ${ws.join("→")}); use fewer channels entries or a smaller kernel`,
    );
  }
  const params: Model["params"] = {};
  const hookPoints: { name: string; shape: string }[] = [];
  let cIn = input.channels;
  for (let i = 0; i < channels.length; i++) {
    const name = `conv.${i}`;
    params[`${name}.W`] = normalVariable(
      rng.fork(`${name}.W`),
      [k, k, cIn, channels[i]],
      heStd(k * k * cIn),
      `${name}.W`,
    );
    params[`${name}.b`] = zerosVariable([channels[i]], `${name}.b`);
    hookPoints.push({ name: `${name}.hook_post`, shape: `[batch, ${hs[i]}, ${ws[i]}, ${channels[i]}]` });
    cIn = channels[i];
  }
  const flat = hs[hs.length - 1] * ws[ws.length - 1] * cIn;
  addDense(params, rng, "dense.0", flat, dDense, heStd(flat));
  addDense(params, rng, "unembed", dDense, numClasses, lecunStd(dDense));
  hookPoints.push({ name: "dense.0.hook_post", shape: "[batch, dDense]" });
  hookPoints.push({ name: "hook_logits", shape: "[batch, numClasses]" });

  const model: Model = {
    arch: "cnn",
    params,
    hookPoints,
    embedParams: ["conv.0.W", "conv.0.b", "unembed.W", "unembed.b"],
    dHidden: dDense,
    forward(x: Tensor, hookArg?: HookFn): Tensor {
      const hook = hookWithEdits(model, hookArg);
      return tf.tidy(() => {
        let h = x as tf.Tensor4D; // [batch, H, W, C]
        for (let i = 0; i < channels.length; i++) {
          // conv + bias + ReLU as one fused kernel (and one fused gradient)
          const c = tf.fused.conv2d({
            x: h,
            filter: params[`conv.${i}.W`] as tf.Tensor4D,
            bias: params[`conv.${i}.b`],
            strides: 1,
            pad: "valid",
            activation: "relu",
          });
          h = emit(hook, `conv.${i}.hook_post`, tf.maxPool(c, 2, 2, "valid")) as tf.Tensor4D; // [batch, h_i, w_i, channels[i]]
        }
        const B = h.shape[0];
        const f = tf.reshape(h, [B, flat]); // [batch, flat]
        const d = emit(
          hook,
          "dense.0.hook_post",
          tf.fused.matMul({ a: f, b: params["dense.0.W"], bias: params["dense.0.b"], activation: "relu" }),
        ); // [batch, dDense]
        return emit(hook, "hook_logits", dense(d, params["unembed.W"], params["unembed.b"])); // [batch, numClasses]
      });
    },
    dispose() {
      clearEdits(model);
      disposeParams(params);
    },
  };
  return model;
}
