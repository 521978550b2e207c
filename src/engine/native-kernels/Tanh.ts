/** Tanh on the native backend. Hyperbolic tangent (libm's, for full accuracy near 0). */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const tanhConfig = unaryKernel(tf.Tanh, UnaryOp.Tanh);
