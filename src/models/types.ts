import type { Rng } from "../engine/rng.js";
import type { Tensor, Variable } from "../engine/tf.js";

/** What a model's input looks like; tasks declare it, model factories consume it. */
export type InputSpec =
  /** Integer tokens, e.g. `[a, b]` for group composition; shape [batch, length]. */
  | { kind: "tokens"; vocab: number; length: number }
  /** Images in HWC layout; shape [batch, height, width, channels]. */
  | { kind: "image"; height: number; width: number; channels: number }
  /** Flat feature vectors; shape [batch, dim]. */
  | { kind: "vector"; dim: number };

/**
 * Receives named activations during a forward pass. Hook names are module
 * paths in the TransformerLens style: `hook_embed_left`, `layers.0.hook_post`,
 * `blocks.0.attn.hook_pattern`, `hook_logits`.
 *
 * As in TransformerLens, a hook may return a tensor of the activation's
 * shape: the forward pass then carries on with it in place of the activation
 * (gradients flow through whatever the replacement was computed from).
 * Returning nothing (or the activation itself) leaves the pass unchanged. The
 * replacement is made inside the forward pass's `tf.tidy`, so it is freed
 * with it; persistent replacements belong in `src/models/edits.ts`.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets every existing read-only hook (a block body with no return) type-check unchanged.
export type HookFn = (name: string, activation: Tensor) => Tensor | void;

/**
 * A model is a plain object of named variables plus a forward function.
 * No base classes: techniques and evaluations only need these fields.
 */
export interface Model {
  /** Registry name of the architecture, e.g. "embed-mlp". */
  readonly arch: string;
  /** Named trainable variables, e.g. `embed_left.W`, `layers.0.W`, `unembed.W`. */
  readonly params: Record<string, Variable>;
  /** Hook points this model emits, in forward order, each with its shape. */
  readonly hookPoints: readonly { name: string; shape: string }[];
  /**
   * Parameter names that a relearning attack in `embed` mode may change: the
   * input embeddings and the unembedding (protocol §3; seed's A5→S5 argument).
   */
  readonly embedParams: readonly string[];
  /** Width of the last hidden representation (for heads that read it). */
  readonly dHidden: number;
  /**
   * Logits [batch, numClasses]. Calls `hook` for every hook point if given and
   * continues with what it returns (see `HookFn`); the model's persistent
   * edits (`setEdit`) are applied first, so a hook sees the edited activation.
   */
  forward(x: Tensor, hook?: HookFn): Tensor;
  /** Free all variables and the model's edits (`src/models/edits.ts`). */
  dispose(): void;
}

/** Everything a model factory gets to build a model. */
export interface ModelBuildArgs<C> {
  input: InputSpec;
  numClasses: number;
  config: C;
  /** Seeded stream for initialisation; all initial values are drawn from it. */
  rng: Rng;
}
