/** Sigmoid on the native backend. Logistic sigmoid (gates, binary cross-entropy), on the vectorised expf. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const sigmoidConfig = unaryKernel(tf.Sigmoid, UnaryOp.Sigmoid);
