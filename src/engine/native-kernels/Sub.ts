/** Sub on the native backend. Subtraction with broadcasting: log-softmax's `x - logSumExp`, the parameter update itself. */
import { tf } from "../tf.js";
import { BinaryOp, binaryKernel } from "./binary.js";

export const subConfig = binaryKernel(tf.Sub, BinaryOp.Sub);
