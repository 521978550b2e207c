/** Square on the native backend. Square: Adam's second moment, once per parameter per step. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const squareConfig = unaryKernel(tf.Square, UnaryOp.Square);
