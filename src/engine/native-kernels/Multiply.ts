/** Multiply on the native backend. Multiplication with broadcasting: relu's gradient `dy * step(x)` and most of Adam (`m * beta1`, `g * (1 - beta1)`, ...). */
import { tf } from "../tf.js";
import { BinaryOp, binaryKernel } from "./binary.js";

export const multiplyConfig = binaryKernel(tf.Multiply, BinaryOp.Mul);
