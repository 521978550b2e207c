/**
 * Small building blocks shared by the dense, convolutional and transformer
 * models: parameter creation with a documented init, and a dense layer that
 * runs as one fused kernel (matmul + bias) so its backward pass is one
 * matmul per operand plus a column sum.
 */
import type { Rng } from "../engine/rng.js";
import type { Tensor, Variable } from "../engine/tf.js";
import { tf } from "../engine/tf.js";
import { ConfigError } from "../util/errors.js";
import { normalVariable, zerosVariable } from "./init.js";
import type { InputSpec } from "./types.js";

/**
 * He (Kaiming) normal std for a layer followed by ReLU: √(2 / fanIn), which
 * keeps the activations' second moment constant through ReLU layers
 * (He et al. 2015). Output layers use LeCun's √(1 / fanIn) instead.
 */
export function heStd(fanIn: number): number {
  return Math.sqrt(2 / fanIn);
}

/** LeCun normal std √(1 / fanIn): unit-variance outputs for unit-variance inputs, no nonlinearity after. */
export function lecunStd(fanIn: number): number {
  return Math.sqrt(1 / fanIn);
}

/**
 * Adds `${name}.W` ([dIn, dOut], N(0, std²) from `rng.fork(name + ".W")`) and
 * `${name}.b` (zeros, [dOut]) to `params`. Forking by the parameter's name
 * means adding a layer elsewhere never changes this one's initial values.
 */
export function addDense(
  params: Record<string, Variable>,
  rng: Rng,
  name: string,
  dIn: number,
  dOut: number,
  std: number,
): void {
  params[`${name}.W`] = normalVariable(rng.fork(`${name}.W`), [dIn, dOut], std, `${name}.W`);
  params[`${name}.b`] = zerosVariable([dOut], `${name}.b`);
}

/** `x · W + b` for x [rows, dIn], as one fused kernel. */
export function dense(x: Tensor, W: Tensor, b: Tensor): Tensor {
  return tf.fused.matMul({ a: x, b: W, bias: b });
}

/** Number of features an input has once flattened (images: H·W·C); tokens are refused. */
export function flatDim(input: InputSpec, arch: string): number {
  if (input.kind === "vector") return input.dim;
  if (input.kind === "image") return input.height * input.width * input.channels;
  throw new ConfigError(
    `model ${arch} needs image or vector inputs, got token inputs (use embed-mlp or transformer for token tasks)`,
  );
}
