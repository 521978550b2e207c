/**
 * GatherV2: embedding lookups as row copies (memcpy per index) for any axis
 * and any 1/4-byte dtype; batchDims > 0 goes to the cpu kernel. Out-of-range
 * indices throw the cpu kernel's message.
 */
import { tf } from "../tf.js";
import { allocTyped, i32Of, isPlainDtype, nativeAddon, nativeKernel, sizeOf, valuesOf } from "./shared.js";

export const gatherV2Config = nativeKernel(tf.GatherV2, ({ inputs, backend, attrs }) => {
  const { x, indices } = inputs;
  if (!isPlainDtype(x.dtype) || indices.dtype !== "int32" || Number(attrs.batchDims ?? 0) !== 0) return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const outer = sizeOf(x.shape.slice(0, axis));
  const n = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = allocTyped(x.dtype, sizeOf(outShape));
  nativeAddon().gather(valuesOf(backend, x), outer, n, inner, i32Of(backend, indices), out);
  return backend.makeTensorInfo(outShape, x.dtype, out);
});
