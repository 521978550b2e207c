/** Step on the native backend. Step: tfjs has no ReluGrad kernel; relu's gradient is `mul(dy, step(x))`, so every hidden layer runs this once per backward pass. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const stepConfig = unaryKernel(tf.Step, UnaryOp.Step, "alpha");
