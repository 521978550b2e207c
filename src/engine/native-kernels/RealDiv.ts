/** RealDiv on the native backend. Division with broadcasting: Adam's `m / (sqrt(v) + eps)`, means. */
import { tf } from "../tf.js";
import { BinaryOp, binaryKernel } from "./binary.js";

export const realDivConfig = binaryKernel(tf.RealDiv, BinaryOp.Div);
