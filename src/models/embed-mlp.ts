import { z } from "zod";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { ConfigError } from "../util/errors.js";
import { clearEdits, emit, hookWithEdits } from "./edits.js";
import { disposeParams, normalVariable } from "./init.js";
import type { HookFn, Model, ModelBuildArgs } from "./types.js";

/** Hyperparameters of `embed-mlp`. */
export const embedMlpConfig = z
  .object({
    /** Width of each input embedding (Chughtai et al. use 256). */
    dEmbed: z.number().int().positive().default(256),
    /** Width of the single hidden layer (Chughtai et al. use 128). */
    dHidden: z.number().int().positive().default(128),
  })
  .strict();
export type EmbedMlpConfig = z.infer<typeof embedMlpConfig>;

/** Name of the embedding table for input position `i`. */
export function embedName(i: number): string {
  return i === 0 ? "left" : i === 1 ? "right" : `pos${i}`;
}

/**
 * The one-hidden-layer MLP of Chughtai, Chan & Nanda 2023, "A Toy Model of
 * Universality" (arXiv:2302.03025), §4: separate embeddings for each input
 * token, concatenated, one ReLU hidden layer, an unembedding, no biases.
 * Embeddings are gathers (not one-hot matmuls) so their gradient is a sparse
 * segment sum, which is what makes the seed's A5→S5 argument concrete: rows
 * of elements never seen in training never move.
 *
 * Hooks:
 * - `hook_embed_left`, `hook_embed_right` (`hook_embed_pos{i}` for i ≥ 2) — [batch, dEmbed]
 * - `layers.0.hook_pre`, `layers.0.hook_post` — [batch, dHidden]
 * - `hook_logits` — [batch, numClasses]
 *
 * A hook (or a persistent edit, `src/models/edits.ts`) may replace any of
 * them: the forward pass continues with the replacement.
 */
export function createEmbedMlp(args: ModelBuildArgs<EmbedMlpConfig>): Model {
  const { input, numClasses, config, rng } = args;
  if (input.kind !== "tokens") {
    throw new ConfigError(`model embed-mlp needs token inputs (group or modular tasks), got ${input.kind} inputs`);
  }
  const { dEmbed, dHidden } = config;
  const L = input.length;
  const params: Model["params"] = {};
  const embedKeys: string[] = [];
  for (let i = 0; i < L; i++) {
    const key = `embed_${embedName(i)}.W`;
    // N(0, 1/dEmbed) as in the paper's code.
    params[key] = normalVariable(rng.fork(key), [input.vocab, dEmbed], 1 / Math.sqrt(dEmbed), key);
    embedKeys.push(key);
  }
  params["layers.0.W"] = normalVariable(
    rng.fork("layers.0.W"),
    [L * dEmbed, dHidden],
    1 / Math.sqrt(L * dEmbed),
    "layers.0.W",
  );
  params["unembed.W"] = normalVariable(
    rng.fork("unembed.W"),
    [dHidden, numClasses],
    1 / Math.sqrt(dHidden),
    "unembed.W",
  );

  const hookPoints = [
    ...embedKeys.map((_, i) => ({ name: `hook_embed_${embedName(i)}`, shape: "[batch, dEmbed]" })),
    { name: "layers.0.hook_pre", shape: "[batch, dHidden]" },
    { name: "layers.0.hook_post", shape: "[batch, dHidden]" },
    { name: "hook_logits", shape: "[batch, numClasses]" },
  ];

  const model: Model = {
    arch: "embed-mlp",
    params,
    hookPoints,
    embedParams: [...embedKeys, "unembed.W"],
    dHidden,
    forward(x: Tensor, hookArg?: HookFn): Tensor {
      const hook = hookWithEdits(model, hookArg);
      return tf.tidy(() => {
        const B = x.shape[0];
        const parts: Tensor[] = [];
        for (let i = 0; i < L; i++) {
          const idx = tf.reshape(tf.slice(x, [0, i], [B, 1]), [B]);
          const e = tf.gather(params[embedKeys[i]], idx); // [batch, dEmbed]
          parts.push(emit(hook, `hook_embed_${embedName(i)}`, e));
        }
        const h = parts.length === 1 ? parts[0] : tf.concat(parts, 1); // [batch, L*dEmbed]
        const pre = emit(hook, "layers.0.hook_pre", tf.matMul(h, params["layers.0.W"])); // [batch, dHidden]
        const post = emit(hook, "layers.0.hook_post", tf.relu(pre)); // [batch, dHidden]
        return emit(hook, "hook_logits", tf.matMul(post, params["unembed.W"])); // [batch, numClasses]
      });
    },
    dispose() {
      clearEdits(model);
      disposeParams(params);
    },
  };
  return model;
}
