/** Sqrt on the native backend. Square root: Adam's denominator, once per parameter per step. */
import { tf } from "../tf.js";
import { UnaryOp, unaryKernel } from "./unary.js";

export const sqrtConfig = unaryKernel(tf.Sqrt, UnaryOp.Sqrt);
