/** Add on the native backend. Addition with broadcasting: bias adds, residuals, Adam's moment updates. */
import { tf } from "../tf.js";
import { BinaryOp, binaryKernel } from "./binary.js";

export const addConfig = binaryKernel(tf.Add, BinaryOp.Add);
