/** Mean on the native backend (loss averaging, normalisation statistics). */
import { tf } from "../tf.js";
import { ReduceOp, reduceNative } from "./reduce.js";
import { nativeKernel } from "./shared.js";

export const meanConfig = nativeKernel(tf.Mean, ({ inputs, backend, attrs }) =>
  reduceNative(backend, inputs.x, attrs.axis as number | number[], Boolean(attrs.keepDims), ReduceOp.Mean),
);
