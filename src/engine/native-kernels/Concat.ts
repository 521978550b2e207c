/**
 * Concat along any axis as `outer` rows of memcpy per input (the embedding
 * MLP concatenates its two [5760, 256] lookups every step).
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";
import { allocTyped, ints, isPlainDtype, nativeAddon, nativeKernel, sizeOf, valuesOf } from "./shared.js";

export const concatConfig = nativeKernel(tf.Concat, ({ inputs, backend, attrs }) => {
  const all = inputs as unknown as TensorInfo[];
  if (all.length === 0) return null;
  const dtype = all[0].dtype;
  if (!isPlainDtype(dtype) || all.some((t) => t.dtype !== dtype)) return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, all[0].shape)[0];
  const shapes = all.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, axis);
  const outShape = tf.backend_util.computeOutShape(shapes, axis);
  const n = sizeOf(outShape);
  const out = allocTyped(dtype, n);
  if (n > 0) {
    const ts = all.filter((t) => sizeOf(t.shape) > 0);
    nativeAddon().concat(
      ts.map((t) => valuesOf(backend, t)),
      ints(ts.map((t) => sizeOf(t.shape.slice(axis)))),
      sizeOf(outShape.slice(0, axis)),
      out,
    );
  }
  return backend.makeTensorInfo(outShape, dtype, out);
});
