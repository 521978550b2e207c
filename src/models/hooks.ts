import type { Tensor } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import type { Model } from "./types.js";

/** Which hooks to keep: all, a list of names, or a predicate. */
export type HookFilter = "all" | readonly string[] | ((name: string) => boolean);

function accepts(filter: HookFilter, name: string): boolean {
  if (filter === "all") return true;
  if (typeof filter === "function") return filter(name);
  return filter.includes(name);
}

/** The result of `runWithCache`: the logits and the kept activations. */
export interface ActivationCache {
  output: Tensor;
  cache: Record<string, Tensor>;
  /** Free the output and every cached activation. */
  dispose(): void;
}

/**
 * Run the model and keep the named activations that pass `filter`.
 *
 * This is the only way metrics read activations. Everything the forward pass
 * allocates is freed by `tf.tidy` except the output and the kept activations,
 * which the caller owns and releases with `dispose()` (or use `withCache`).
 * Cached tensors are copies detached from the tidy scope, not views, so the
 * model can be trained further without invalidating them.
 */
export function runWithCache(model: Model, x: Tensor, filter: HookFilter = "all"): ActivationCache {
  const cache: Record<string, Tensor> = {};
  const output = tf.tidy(() => {
    const out = model.forward(x, (name, act) => {
      if (accepts(filter, name)) {
        if (cache[name]) throw new Error(`hook '${name}' fired twice in one forward pass`);
        cache[name] = tf.keep(act.clone());
      }
    });
    return out;
  });
  return {
    output,
    cache,
    dispose() {
      output.dispose();
      for (const t of Object.values(cache)) t.dispose();
    },
  };
}

/** `runWithCache`, hand the result to `fn`, then free it: nothing leaks. */
export function withCache<R>(
  model: Model,
  x: Tensor,
  filter: HookFilter,
  fn: (output: Tensor, cache: Record<string, Tensor>) => R,
): R {
  const c = runWithCache(model, x, filter);
  try {
    return fn(c.output, c.cache);
  } finally {
    c.dispose();
  }
}
