/** SquaredDifference on the native backend. (a - b)^2 with broadcasting: MSE losses, variance in normalisation. */
import { tf } from "../tf.js";
import { BinaryOp, binaryKernel } from "./binary.js";

export const squaredDifferenceConfig = binaryKernel(tf.SquaredDifference, BinaryOp.SquaredDifference);
