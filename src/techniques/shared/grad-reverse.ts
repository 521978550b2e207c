import type { Tensor } from "../../engine/tf.js";
import { tf } from "../../engine/tf.js";

/**
 * Gradient reversal (Ganin & Lempitsky 2015, "Unsupervised Domain Adaptation
 * by Backpropagation", arXiv:1409.7495): the identity on the forward pass;
 * on the backward pass the incoming gradient is multiplied by `−scale()`.
 * Placed between a model's activation and an adversary, one backward pass
 * then trains the adversary to minimise its loss and the model to maximise
 * it. `scale` is read when the gradient is computed (after the forward pass),
 * so it may depend on values seen during the forward pass (e.g. a clamp).
 */
export function gradReverse(x: Tensor, scale: () => number): Tensor {
  const f = tf.customGrad((...inputs) => ({
    value: tf.clone(inputs[0] as Tensor),
    gradFunc: (dy: Tensor) => tf.mul(dy, -scale()),
  }));
  return f(x);
}
