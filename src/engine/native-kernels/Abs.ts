/** Abs on the native backend. Absolute value (L1 penalties). */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const absConfig = unaryKernel(tf.Abs, UnaryOp.Abs);
