/** OneHot: the label matrix of every cross-entropy step (e.g. 5760 x 120); fill plus one store per row. */
import type { DataType } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";
import { allocTyped, i32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

export const oneHotConfig = nativeKernel(tf.OneHot, ({ inputs, backend, attrs }) => {
  const { indices } = inputs;
  const dtype = (attrs.dtype as DataType | undefined) ?? "float32";
  if (indices.dtype !== "int32" || (dtype !== "float32" && dtype !== "int32")) return null;
  const depth = Number(attrs.depth);
  const outShape = [...indices.shape, depth];
  const out = allocTyped(dtype, sizeOf(outShape)) as Float32Array | Int32Array;
  nativeAddon().oneHot(i32Of(backend, indices), depth, Number(attrs.onValue ?? 1), Number(attrs.offValue ?? 0), out);
  return backend.makeTensorInfo(outShape, dtype, out);
});
