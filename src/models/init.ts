import type { Rng } from "../engine/rng.js";
import type { Tensor, Variable } from "../engine/tf.js";
import { tf } from "../engine/tf.js";

/**
 * A variable initialised from N(0, std²) drawn from our seeded RNG (not tfjs'
 * random ops), so the same seed gives bit-identical weights on every backend.
 */
export function normalVariable(rng: Rng, shape: number[], std: number, name: string): Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return ownedVariable(tf.tensor(rng.normalArray(size, std), shape, "float32"), name);
}

/** A zero-initialised variable (biases). */
export function zerosVariable(shape: number[], name: string): Variable {
  return ownedVariable(tf.zeros(shape, "float32"), name);
}

/**
 * A variable made from `init`, which is then disposed: `tf.variable` shares
 * the initial tensor's data but leaves the tensor itself alive, so without
 * this every variable would leak one tensor.
 */
export function ownedVariable(init: Tensor, name?: string, trainable = true): Variable {
  const v = tf.variable(init, trainable, name === undefined ? undefined : uniqueVarName(name));
  init.dispose();
  return v;
}

let counter = 0;
/** tfjs variable names must be globally unique; models may be built many times. */
function uniqueVarName(name: string): string {
  counter += 1;
  return `${name}#${counter}`;
}

/** Dispose every variable of a params record. */
export function disposeParams(params: Record<string, Variable>): void {
  for (const v of Object.values(params)) v.dispose();
}
