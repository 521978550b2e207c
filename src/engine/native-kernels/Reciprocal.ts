/** Reciprocal on the native backend. 1/x. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const reciprocalConfig = unaryKernel(tf.Reciprocal, UnaryOp.Reciprocal);
