/**
 * Sum on the native backend: bias gradients (axis 0 over the batch), the
 * cross-entropy's row sums and batch mean. Accumulates in double, as the cpu
 * kernel effectively does, so long sums agree with it.
 */
import { tf } from "../tf.js";
import { ReduceOp, reduceNative } from "./reduce.js";
import { nativeKernel } from "./shared.js";

export const sumConfig = nativeKernel(tf.Sum, ({ inputs, backend, attrs }) =>
  reduceNative(backend, inputs.x, attrs.axis as number | number[], Boolean(attrs.keepDims), ReduceOp.Sum),
);
