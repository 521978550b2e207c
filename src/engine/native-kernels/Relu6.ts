/** Relu6 on the native backend. ReLU6, also an activation of the fused kernels. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const relu6Config = unaryKernel(tf.Relu6, UnaryOp.Relu6);
