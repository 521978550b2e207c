import type { Tensor } from "../../engine/tf.js";
import { tf } from "../../engine/tf.js";
import type { Model } from "../../models/types.js";
import { ConfigError } from "../../util/errors.js";

/** Every hook point of the model except the logits (the "hidden" activations), in forward order. */
export function hiddenHooks(model: Model): string[] {
  return model.hookPoints.map((h) => h.name).filter((n) => n !== "hook_logits");
}

/**
 * Resolve a technique's hook list: `"hidden"` means every hidden hook;
 * otherwise each name must be one of the model's hook points.
 * @throws ConfigError naming the unknown hook and listing the valid ones.
 */
export function resolveHooks(model: Model, spec: "hidden" | readonly string[], key: string): string[] {
  if (spec === "hidden") return hiddenHooks(model);
  const valid = model.hookPoints.map((h) => h.name);
  for (const n of spec) {
    if (!valid.includes(n)) {
      throw new ConfigError(`${key}: model ${model.arch} has no hook '${n}'; valid hooks: ${valid.join(", ")}`);
    }
  }
  return [...new Set(spec)];
}

/**
 * The hook that holds the model's last hidden representation, the one the
 * unembedding reads: the last hook point before `hook_logits`.
 */
export function lastHiddenHook(model: Model): string {
  const names = model.hookPoints.map((h) => h.name);
  const i = names.indexOf("hook_logits");
  if (i < 1) throw new ConfigError(`model ${model.arch} has no hidden hook before hook_logits to read`);
  return names[i - 1];
}

/**
 * An activation as features [batch, d]: rank-2 as is; a sequence [batch, pos,
 * d] at its last position when `lastPosition` (where a transformer's logits
 * are read), otherwise flattened; anything else flattened.
 */
export function features(act: Tensor, lastPosition = false): Tensor {
  if (act.rank === 2) return act;
  const B = act.shape[0];
  if (lastPosition && act.rank === 3) {
    const [, L, d] = act.shape as [number, number, number];
    return tf.reshape(tf.slice(act, [0, L - 1, 0], [B, 1, d]), [B, d]);
  }
  return tf.reshape(act, [B, -1]);
}
