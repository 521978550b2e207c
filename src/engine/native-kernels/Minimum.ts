/** Minimum on the native backend. Elementwise min (Math.min NaN semantics). */
import { tf } from "../tf.js";
import { BinaryOp, binaryKernel } from "./binary.js";

export const minimumConfig = binaryKernel(tf.Minimum, BinaryOp.Minimum);
