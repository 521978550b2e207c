import { tf } from "../engine/tf.js";
import { ConfigError } from "../util/errors.js";
import { copyEdits } from "./edits.js";
import type { Model } from "./types.js";

/**
 * Copy every parameter value of `source` into `target`, a model of the same
 * architecture (e.g. one from `ctx.newModel`), with `assign`. Lets a
 * technique keep one auxiliary copy and refresh it every step instead of
 * building a model per step.
 *
 * The values go through fresh buffers (read back and re-uploaded), never by
 * sharing the source's data, so training the copy afterwards cannot touch the
 * source whatever a backend does with shared buffers . The copy is bit-exact. The target also gets clones
 * of the source's persistent activation edits (src/models/edits.ts),
 * replacing its own, so it computes the same function as the source.
 *
 * @throws ConfigError if the two models' parameter names or shapes differ
 *   (then `target` is left unchanged).
 */
export function copyWeights(source: Model, target: Model): void {
  const names = Object.keys(source.params);
  const extra = Object.keys(target.params).filter((n) => !(n in source.params));
  if (extra.length > 0) {
    throw new ConfigError(`copyWeights: the target has parameters the source lacks: ${extra.join(", ")}`);
  }
  for (const name of names) {
    const v = source.params[name];
    const t = target.params[name];
    if (!t) throw new ConfigError(`copyWeights: the target has no parameter '${name}' (different architecture?)`);
    if (t.shape.join() !== v.shape.join() || t.dtype !== v.dtype) {
      throw new ConfigError(
        `copyWeights: '${name}' is ${v.dtype}[${v.shape}] in the source and ${t.dtype}[${t.shape}] in the target`,
      );
    }
  }
  for (const name of names) {
    const v = source.params[name];
    const fresh = tf.tensor(v.dataSync().slice(), v.shape, v.dtype);
    target.params[name].assign(fresh);
    fresh.dispose();
  }
  copyEdits(source, target);
}

/**
 * A copy of `source` with its own buffers: `make()` builds a model of the
 * same architecture (its initial values are overwritten by `copyWeights`,
 * edits included). The copy is disposed if the architectures differ.
 */
export function copyModel(source: Model, make: () => Model): Model {
  const copy = make();
  try {
    copyWeights(source, copy);
  } catch (e) {
    copy.dispose();
    throw e;
  }
  return copy;
}
