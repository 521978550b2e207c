/** LeakyRelu on the native backend. Leaky ReLU with its `alpha` attribute. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const leakyReluConfig = unaryKernel(tf.LeakyRelu, UnaryOp.LeakyRelu, "alpha");
