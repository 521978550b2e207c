/** Elu on the native backend. ELU (expm1 for accuracy near 0). */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const eluConfig = unaryKernel(tf.Elu, UnaryOp.Elu);
