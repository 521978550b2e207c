/** Max on the native backend: log-sum-exp's row max in every softmax cross-entropy. NaN propagates as on cpu. */
import { tf } from "../tf.js";
import { ReduceOp, reduceNative } from "./reduce.js";
import { nativeKernel } from "./shared.js";

export const maxConfig = nativeKernel(tf.Max, ({ inputs, backend, attrs }) =>
  reduceNative(backend, inputs.x, attrs.reductionIndices as number | number[], Boolean(attrs.keepDims), ReduceOp.Max),
);
