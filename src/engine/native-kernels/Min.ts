/** Min on the native backend (the counterpart of Max.ts). */
import { tf } from "../tf.js";
import { ReduceOp, reduceNative } from "./reduce.js";
import { nativeKernel } from "./shared.js";

export const minConfig = nativeKernel(tf.Min, ({ inputs, backend, attrs }) =>
  reduceNative(backend, inputs.x, attrs.axis as number | number[], Boolean(attrs.keepDims), ReduceOp.Min),
);
