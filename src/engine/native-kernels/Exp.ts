/** Exp on the native backend. Exponential with a vectorised expf: softmax cross-entropy runs it three times per step over all logits, and glibc's scalar expf made that visible. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const expConfig = unaryKernel(tf.Exp, UnaryOp.Exp);
