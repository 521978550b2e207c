/**
 * Softmax over the last axis in one pass per row (max, shifted exp, sum,
 * divide); tfjs' cpu kernel chains five kernels and four temporaries.
 */
import { tf } from "../tf.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

export const softmaxConfig = nativeKernel(tf.Softmax, ({ inputs, backend, attrs }) => {
  const { logits } = inputs;
  const rank = logits.shape.length;
  const dim = Number(attrs.dim ?? -1);
  if (logits.dtype !== "float32" || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
  const cols = logits.shape[rank - 1];
  const n = sizeOf(logits.shape);
  const out = allocF32(n);
  nativeAddon().softmax(f32Of(backend, logits), out, cols === 0 ? 0 : n / cols, cols);
  return backend.makeTensorInfo(logits.shape, "float32", out);
});
