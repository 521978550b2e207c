/** Log on the native backend. Natural log (log-sum-exp in the cross-entropy). */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const logConfig = unaryKernel(tf.Log, UnaryOp.Log);
