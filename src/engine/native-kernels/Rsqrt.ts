/** Rsqrt on the native backend. Reciprocal square root (normalisation layers). */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const rsqrtConfig = unaryKernel(tf.Rsqrt, UnaryOp.Rsqrt);
