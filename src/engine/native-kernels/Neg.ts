/** Neg on the native backend. Negation; the cross-entropy's `-labels * logSoftmax` runs it over every logit. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const negConfig = unaryKernel(tf.Neg, UnaryOp.Neg);
