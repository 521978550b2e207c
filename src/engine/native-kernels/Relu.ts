/** Relu on the native backend. ReLU forward (its gradient is `dy * step(x)`: see Step.ts). */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const reluConfig = unaryKernel(tf.Relu, UnaryOp.Relu);
