import { z } from "zod";
import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { ConfigError } from "../util/errors.js";
import { clearEdits, emit, hookWithEdits } from "./edits.js";
import { disposeParams, normalVariable, zerosVariable } from "./init.js";
import { dense } from "./layers.js";
import type { HookFn, Model, ModelBuildArgs } from "./types.js";

/** Hyperparameters of `transformer` (defaults: Nanda et al. 2023's modular-addition model). */
export const transformerConfig = z
  .object({
    /** Width of the residual stream. */
    dModel: z.number().int().positive().default(128),
    /** Attention heads per layer. */
    nHeads: z.number().int().positive().default(4),
    /** Width of each head's query/key/value (need not be dModel / nHeads). */
    dHead: z.number().int().positive().default(32),
    /** Width of each MLP's hidden (ReLU) layer. */
    dMlp: z.number().int().positive().default(512),
    /** Number of transformer blocks (attention + MLP). */
    nLayers: z.number().int().positive().default(1),
    /** Causal attention mask (as in the paper); the logits are read at the last position either way. */
    causal: z.boolean().default(true),
  })
  .strict();
export type TransformerConfig = z.infer<typeof transformerConfig>;

/** Mask value added to scores a query may not attend to: exp underflows to exactly 0, no −∞ arithmetic. */
const MASKED = -1e9;

/**
 * The one-layer transformer of Nanda, Chan, Lieberum,
 * Smith & Steinhardt 2023, "Progress measures for grokking via mechanistic
 * interpretability" (arXiv:2301.05217), §3 and their original code: learned
 * token and positional embeddings, blocks of multi-head attention then a ReLU
 * MLP, each added to the residual stream, NO LayerNorm, the unembedding read
 * at the last position (the `=` or modulus token) to `numClasses` logits.
 *
 * Biases: none in attention, `b_in`/`b_out` in the MLP (zero-initialised,
 * trained), exactly as the paper's code. (TransformerLens' reproduction has
 * bias tensors everywhere but freezes them at zero, which is the same
 * function with fewer free parameters in attention only.)
 *
 * Init (the paper's code): every weight N(0, 1/dModel) — embeddings,
 * positional embeddings, W_Q/W_K/W_V/W_O, W_in, W_out — except the
 * unembedding, N(0, 1/numClasses); biases zero. Drawn from the seeded Rng,
 * one fork per parameter name. Weight layouts are TransformerLens':
 *
 * | param | shape |
 * |---|---|
 * | `embed.W` | [vocab, dModel] |
 * | `pos_embed.W` | [L, dModel] |
 * | `blocks.{l}.attn.W_Q`, `W_K`, `W_V` | [nHeads, dModel, dHead] |
 * | `blocks.{l}.attn.W_O` | [nHeads, dHead, dModel] |
 * | `blocks.{l}.mlp.W_in`, `b_in` | [dModel, dMlp], [dMlp] |
 * | `blocks.{l}.mlp.W_out`, `b_out` | [dMlp, dModel], [dModel] |
 * | `unembed.W` | [dModel, numClasses] |
 *
 * `embedParams` = `embed.W` and `unembed.W` (the `embed` relearning attack).
 *
 * Hooks (TransformerLens names and shapes, for each block l):
 * - `hook_embed`, `hook_pos_embed` — [batch, pos, dModel]
 * - `blocks.{l}.hook_resid_pre`, `hook_attn_out`, `hook_resid_mid`, `hook_mlp_out`, `hook_resid_post` — [batch, pos, dModel]
 * - `blocks.{l}.attn.hook_q`, `hook_k`, `hook_v`, `hook_z` — [batch, pos, head, dHead]
 * - `blocks.{l}.attn.hook_attn_scores`, `hook_pattern` — [batch, head, qpos, kpos]
 * - `blocks.{l}.mlp.hook_pre`, `hook_post` — [batch, pos, dMlp]
 * - `hook_logits` — [batch, numClasses]
 *
 * One deliberate difference from TransformerLens: `hook_attn_scores` holds
 * the scaled scores q·k/√dHead BEFORE the causal mask (TransformerLens fills
 * masked entries with −∞ first), so that every cached activation is finite
 * and can be fed to a linear probe. The mask shows in `hook_pattern`.
 *
 * A hook (or a persistent edit, `src/models/edits.ts`) may replace any
 * activation: the forward pass continues with the replacement (a replaced
 * `hook_attn_scores` is masked and softmaxed; a replaced `hook_pos_embed` is
 * what gets added to the embeddings).
 *
 * Speed. Without a hook or an edit (training, plain evaluation) the last block is
 * computed only for the last query position, the only one the logits depend
 * on: with L = 3 that skips two thirds of that block's MLP and of its query
 * and output projections. A one-block model (the default) also takes its
 * keys, values and query as gathered rows of [L·vocab, ·] tables instead of
 * projecting the [B·L, dModel] residual stream (see `singleBlockFromTokens`).
 * With a hook every position is computed, Q, K and V in one matmul against
 * the packed [dModel, 3·nHeads·dHead] weights, so that every activation has
 * its full shape; that costs about 2–3× a hook-free step, and its logits
 * agree with the hook-free path up to float rounding.
 */
export function createTransformer(args: ModelBuildArgs<TransformerConfig>): Model {
  const { input, numClasses, config, rng } = args;
  if (input.kind !== "tokens") {
    throw new ConfigError(`model transformer needs token inputs (group or modular tasks), got ${input.kind} inputs`);
  }
  const { dModel: d, nHeads: H, dHead: dH, dMlp, nLayers, causal } = config;
  const L = input.length;
  const HdH = H * dH;
  const std = 1 / Math.sqrt(d);
  const params: Model["params"] = {};
  const normal = (name: string, shape: number[], s: number) => {
    params[name] = normalVariable(rng.fork(name), shape, s, name);
  };
  normal("embed.W", [input.vocab, d], std);
  normal("pos_embed.W", [L, d], std);
  for (let l = 0; l < nLayers; l++) {
    const p = `blocks.${l}`;
    normal(`${p}.attn.W_Q`, [H, d, dH], std);
    normal(`${p}.attn.W_K`, [H, d, dH], std);
    normal(`${p}.attn.W_V`, [H, d, dH], std);
    normal(`${p}.attn.W_O`, [H, dH, d], std);
    normal(`${p}.mlp.W_in`, [d, dMlp], std);
    params[`${p}.mlp.b_in`] = zerosVariable([dMlp], `${p}.mlp.b_in`);
    normal(`${p}.mlp.W_out`, [dMlp, d], std);
    params[`${p}.mlp.b_out`] = zerosVariable([d], `${p}.mlp.b_out`);
  }
  normal("unembed.W", [d, numClasses], 1 / Math.sqrt(numClasses));

  const hookPoints: { name: string; shape: string }[] = [
    { name: "hook_embed", shape: "[batch, pos, dModel]" },
    { name: "hook_pos_embed", shape: "[batch, pos, dModel]" },
  ];
  for (let l = 0; l < nLayers; l++) {
    const p = `blocks.${l}`;
    hookPoints.push(
      { name: `${p}.hook_resid_pre`, shape: "[batch, pos, dModel]" },
      { name: `${p}.attn.hook_q`, shape: "[batch, pos, head, dHead]" },
      { name: `${p}.attn.hook_k`, shape: "[batch, pos, head, dHead]" },
      { name: `${p}.attn.hook_v`, shape: "[batch, pos, head, dHead]" },
      { name: `${p}.attn.hook_attn_scores`, shape: "[batch, head, qpos, kpos]" },
      { name: `${p}.attn.hook_pattern`, shape: "[batch, head, qpos, kpos]" },
      { name: `${p}.attn.hook_z`, shape: "[batch, pos, head, dHead]" },
      { name: `${p}.hook_attn_out`, shape: "[batch, pos, dModel]" },
      { name: `${p}.hook_resid_mid`, shape: "[batch, pos, dModel]" },
      { name: `${p}.mlp.hook_pre`, shape: "[batch, pos, dMlp]" },
      { name: `${p}.mlp.hook_post`, shape: "[batch, pos, dMlp]" },
      { name: `${p}.hook_mlp_out`, shape: "[batch, pos, dModel]" },
      { name: `${p}.hook_resid_post`, shape: "[batch, pos, dModel]" },
    );
  }
  hookPoints.push({ name: "hook_logits", shape: "[batch, numClasses]" });

  // Additive causal mask [qpos, kpos]: 0 where k ≤ q, MASKED above the diagonal.
  const maskValues = new Float32Array(L * L);
  for (let q = 0; q < L; q++) for (let k = q + 1; k < L; k++) maskValues[q * L + k] = MASKED;
  const scale = 1 / Math.sqrt(dH);
  /** [0, V, 2V, …]: added to tokens at each position, the row of (position, token) in a [L·V, ·] table. */
  const rowOffsets = (V: number) => Int32Array.from({ length: L }, (_, p) => p * V);

  /**
   * [dModel, n·nHeads·dHead]: the given [nHeads, dModel, dHead] weights side
   * by side, column (w·nHeads + h)·dHead + e = weight w, head h, entry e, so
   * that one matmul computes them all and a column slice reshapes to heads.
   */
  const packed = (names: string[]): Tensor => {
    const w =
      names.length === 1
        ? params[names[0]]
        : tf.concat(
            names.map((n) => params[n]),
            0,
          ); // [n·H, d, dH]
    return tf.reshape(tf.transpose(w, [1, 0, 2]), [d, names.length * HdH]);
  };
  /**
   * A [B·pos, n·HdH] projection split into its n weights, each as [B, pos,
   * head, dHead]. `tf.split`, not `tf.slice`: the gradient of a slice is a
   * pad, which on the cpu-derived backends is a slow generic loop (it was
   * half of a training step), while split's gradient is a concat.
   */
  const heads = (proj: Tensor, n: number, B: number, pos: number): Tensor[] =>
    tf.split(proj, n, 1).map((t) => tf.reshape(t, [B, pos, H, dH]));
  /** The residual stream at the last position: [B, L, d] → [B, d] (split, not slice: see `heads`). */
  const lastPosition = (resid: Tensor): Tensor => {
    const B = resid.shape[0];
    const last = L === 1 ? resid : tf.split(resid, [L - 1, 1], 1)[1];
    return tf.reshape(last, [B, d]);
  };

  /** One block over every position, emitting all its hooks. resid [B, L, d] → [B, L, d]. */
  const fullBlock = (l: number, resid: Tensor, hook?: HookFn): Tensor => {
    const p = `blocks.${l}`;
    const B = resid.shape[0];
    const residIn = emit(hook, `${p}.hook_resid_pre`, resid);
    const qkv = tf.matMul(tf.reshape(residIn, [B * L, d]), packed([`${p}.attn.W_Q`, `${p}.attn.W_K`, `${p}.attn.W_V`]));
    const [q0, k0, v0] = heads(qkv, 3, B, L); // each [B, L, H, dH]
    const q = emit(hook, `${p}.attn.hook_q`, q0);
    const k = emit(hook, `${p}.attn.hook_k`, k0);
    const v = emit(hook, `${p}.attn.hook_v`, v0);
    const qh = tf.transpose(q, [0, 2, 1, 3]); // [B, H, L, dH]
    const kh = tf.transpose(k, [0, 2, 1, 3]);
    const vh = tf.transpose(v, [0, 2, 1, 3]);
    const scores = emit(hook, `${p}.attn.hook_attn_scores`, tf.mul(tf.matMul(qh, kh, false, true), scale)); // [B, H, Lq, Lk]
    const pattern = emit(
      hook,
      `${p}.attn.hook_pattern`,
      tf.softmax(causal ? tf.add(scores, tf.tensor2d(maskValues, [L, L])) : scores),
    ); // [B, H, Lq, Lk]
    const z = emit(hook, `${p}.attn.hook_z`, tf.transpose(tf.matMul(pattern, vh), [0, 2, 1, 3])); // [B, L, H, dH]
    const attnOut = emit(
      hook,
      `${p}.hook_attn_out`,
      tf.reshape(tf.matMul(tf.reshape(z, [B * L, HdH]), tf.reshape(params[`${p}.attn.W_O`], [HdH, d])), [B, L, d]),
    );
    const mid = emit(hook, `${p}.hook_resid_mid`, tf.add(residIn, attnOut)); // [B, L, d]
    const pre = emit(
      hook,
      `${p}.mlp.hook_pre`,
      tf.reshape(dense(tf.reshape(mid, [B * L, d]), params[`${p}.mlp.W_in`], params[`${p}.mlp.b_in`]), [B, L, dMlp]),
    );
    const post = emit(hook, `${p}.mlp.hook_post`, tf.relu(pre)); // [B, L, dMlp]
    const mlpOut = emit(
      hook,
      `${p}.hook_mlp_out`,
      tf.reshape(dense(tf.reshape(post, [B * L, dMlp]), params[`${p}.mlp.W_out`], params[`${p}.mlp.b_out`]), [B, L, d]),
    );
    return emit(hook, `${p}.hook_resid_post`, tf.add(mid, mlpOut));
  };

  /**
   * The rest of block `l` for the last query position only (all the logits
   * need), given that query q [B, H·dH], the keys and values of every
   * position k, v [B, L, H, dH] and the residual at the last position
   * last [B, d]. A single query is the last one, which the causal mask lets
   * see everything, so no mask is needed. Returns resid_post at the last
   * position [B, d].
   */
  const finishLastPosition = (l: number, q: Tensor, k: Tensor, v: Tensor, last: Tensor): Tensor => {
    const p = `blocks.${l}`;
    const B = last.shape[0];
    // L is small (3 for the group and modular tasks): broadcast products and
    // sums beat B·H batched matmuls of [1, dH] × [dH, L] and need no transposes.
    const scores = tf.mul(tf.sum(tf.mul(tf.reshape(q, [B, 1, H, dH]), k), 3), scale); // [B, Lk, H]
    const pattern = tf.softmax(tf.transpose(scores, [0, 2, 1])); // [B, H, Lk]
    const pk = tf.reshape(tf.transpose(pattern, [0, 2, 1]), [B, L, H, 1]);
    const z = tf.reshape(tf.sum(tf.mul(pk, v), 1), [B, HdH]); // [B, H·dH]
    const mid = tf.add(last, tf.matMul(z, tf.reshape(params[`${p}.attn.W_O`], [HdH, d]))); // [B, d]
    const post = tf.fused.matMul({
      a: mid,
      b: params[`${p}.mlp.W_in`],
      bias: params[`${p}.mlp.b_in`],
      activation: "relu",
    });
    return tf.add(mid, dense(post, params[`${p}.mlp.W_out`], params[`${p}.mlp.b_out`])); // [B, d]
  };

  /** Block `l` for the last query position only. resid [B, L, d] → [B, d]. */
  const lastPositionBlock = (l: number, resid: Tensor): Tensor => {
    const p = `blocks.${l}`;
    const B = resid.shape[0];
    const kv = tf.matMul(tf.reshape(resid, [B * L, d]), packed([`${p}.attn.W_K`, `${p}.attn.W_V`]));
    const [k, v] = heads(kv, 2, B, L); // each [B, L, H, dH]
    const last = lastPosition(resid);
    return finishLastPosition(l, tf.matMul(last, packed([`${p}.attn.W_Q`])), k, v, last);
  };

  /**
   * A one-block model for the last position, straight from the tokens. The
   * block's input embed[x] + pos[p] takes only vocab·L distinct values, so
   * its keys, values and query are rows of small tables ([L·vocab, dModel] ×
   * [dModel, H·dH] matmuls) gathered per token, instead of products of the
   * [B·L, dModel] residual stream: for the paper's batch of 3,830 sequences
   * that removes a third of a training step's arithmetic, and separate
   * gathers for K and V need no split of a packed projection either.
   * x [B, L] int32 → resid_post at the last position [B, d].
   */
  const singleBlockFromTokens = (x: Tensor): Tensor => {
    const B = x.shape[0];
    const V = params["embed.W"].shape[0];
    // row p·V + t of `inputs` is embed[t] + pos[p]: [L·V, d]
    const inputs = tf.reshape(tf.add(tf.expandDims(params["embed.W"], 0), tf.expandDims(params["pos_embed.W"], 1)), [
      L * V,
      d,
    ]);
    const rows = tf.add(x, tf.tensor2d(rowOffsets(V), [1, L], "int32")); // [B, L] int32: no gradient flows here
    const rowsAll = tf.reshape(rows, [B * L]);
    const rowsLast = tf.reshape(L === 1 ? rows : tf.split(rows, [L - 1, 1], 1)[1], [B]);
    const table = (name: string) => tf.matMul(inputs, packed([`blocks.0.attn.${name}`])); // [L·V, H·dH]
    const k = tf.reshape(tf.gather(table("W_K"), rowsAll), [B, L, H, dH]);
    const v = tf.reshape(tf.gather(table("W_V"), rowsAll), [B, L, H, dH]);
    const q = tf.gather(table("W_Q"), rowsLast); // [B, H·dH]
    return finishLastPosition(0, q, k, v, tf.gather(inputs, rowsLast));
  };

  const model: Model = {
    arch: "transformer",
    params,
    hookPoints,
    embedParams: ["embed.W", "unembed.W"],
    dHidden: d,
    forward(x: Tensor, hookArg?: HookFn): Tensor {
      if (x.rank !== 2 || x.shape[1] !== L) {
        throw new Error(`transformer: expected token input [batch, ${L}], got [${x.shape.join(", ")}]`);
      }
      // The model's edits act through the hook too, so an edited model never takes the fast paths.
      const hook = hookWithEdits(model, hookArg);
      return tf.tidy(() => {
        const B = x.shape[0];
        if (!hook && nLayers === 1) return tf.matMul(singleBlockFromTokens(x), params["unembed.W"]); // [B, numClasses]
        const embed = emit(
          hook,
          "hook_embed",
          tf.reshape(tf.gather(params["embed.W"], tf.reshape(x, [B * L])), [B, L, d]),
        ); // [B, L, d]
        let pos: Tensor = params["pos_embed.W"]; // [L, d], broadcast over the batch
        if (hook) {
          const full = tf.broadcastTo(pos, [B, L, d]);
          const r = emit(hook, "hook_pos_embed", full);
          if (r !== full) pos = r;
        }
        let resid = tf.add(embed, pos); // [B, L, d]
        for (let l = 0; l < nLayers - 1; l++) resid = fullBlock(l, resid, hook);
        let final: Tensor; // residual stream at the last position [B, d]
        if (hook) {
          final = lastPosition(fullBlock(nLayers - 1, resid, hook));
        } else {
          final = lastPositionBlock(nLayers - 1, resid);
        }
        return emit(hook, "hook_logits", tf.matMul(final, params["unembed.W"])); // [B, numClasses]
      });
    },
    dispose() {
      clearEdits(model);
      disposeParams(params);
    },
  };
  return model;
}
