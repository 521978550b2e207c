/**
 * Slice: a contiguous slice is a zero-copy view (as tfjs' cpu kernel does:
 * tensor storage is never written after creation); any other is one memcpy
 * per contiguous run instead of tfjs' per-element TensorBuffer loop.
 */
import { tf } from "../tf.js";
import { allocTyped, ints, isPlainDtype, nativeAddon, nativeKernel, sizeOf, valuesOf } from "./shared.js";

export const sliceConfig = nativeKernel(tf.Slice, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  if (!isPlainDtype(x.dtype)) return null;
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
  tf.slice_util.assertParamsValid(x, begin, size);
  const n = sizeOf(size);
  const vals = valuesOf(backend, x);
  if (n === 0) return backend.makeTensorInfo(size, x.dtype, allocTyped(x.dtype, 0));
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
    return backend.makeTensorInfo(size, x.dtype, vals.subarray(offset, offset + n));
  }
  const out = allocTyped(x.dtype, n);
  nativeAddon().slice(vals, ints(x.shape), ints(begin), ints(size), out);
  return backend.makeTensorInfo(size, x.dtype, out);
});
