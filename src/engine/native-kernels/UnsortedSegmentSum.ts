/**
 * UnsortedSegmentSum, the gradient of tf.gather (embedding tables): one pass
 * adding each row into its segment. tfjs' cpu kernel builds a mask per
 * segment (O(segments x rows x width)): 70 s of a 102 s step for two
 * 120x256 tables and 5760 lookups. Ids outside [0, numSegments) are dropped.
 */
import { tf } from "../tf.js";
import { allocF32, f32Of, i32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

export const unsortedSegmentSumConfig = nativeKernel(tf.UnsortedSegmentSum, ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs;
  if (x.dtype !== "float32" || segmentIds.dtype !== "int32") return null;
  const idRank = segmentIds.shape.length;
  if (idRank > x.shape.length || segmentIds.shape.some((d, i) => d !== x.shape[i])) return null;
  const numSegments = Number(attrs.numSegments);
  const outShape = [numSegments, ...x.shape.slice(idRank)];
  const out = allocF32(sizeOf(outShape));
  nativeAddon().segmentSum(f32Of(backend, x), i32Of(backend, segmentIds), numSegments, out);
  return backend.makeTensorInfo(outShape, "float32", out);
});
