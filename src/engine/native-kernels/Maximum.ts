/** Maximum on the native backend. Elementwise max (Math.max NaN semantics). */
import { tf } from "../tf.js";
import { BinaryOp, binaryKernel } from "./binary.js";

export const maximumConfig = binaryKernel(tf.Maximum, BinaryOp.Maximum);
