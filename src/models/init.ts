import type { Rng } from "../engine/rng.js";
import { tf } from "../engine/tf.js";
import type { Variable } from "../engine/tf.js";

/**
 * A variable initialised from N(0, std²) drawn from our seeded RNG (not tfjs'
 * random ops), so the same seed gives bit-identical weights on every backend.
 */
export function normalVariable(rng: Rng, shape: number[], std: number, name: string): Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.variable(tf.tensor(rng.normalArray(size, std), shape, "float32"), true, uniqueVarName(name));
}

/** A zero-initialised variable (biases). */
export function zerosVariable(shape: number[], name: string): Variable {
  return tf.variable(tf.zeros(shape, "float32"), true, uniqueVarName(name));
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
