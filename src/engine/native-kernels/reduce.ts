/**
 * Shared reduction driver for Sum, Mean, Max and Min (one file each). The
 * reduced axes are brought together by a native transpose when they are not
 * already adjacent (as tfjs' cpu backend does), then reduced as
 * [outer, R, inner]; the common cases, last axis (softmax, cross-entropy) and
 * first axis (bias gradients), need no transpose at all. Not a kernel itself.
 */
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";
import { allocF32, f32Of, ints, nativeAddon, sizeOf } from "./shared.js";

/** Op codes of `reduce` in native/src/reduce.cc. */
export const ReduceOp = { Sum: 0, Mean: 1, Max: 2, Min: 3 } as const;

/** Reduces float32 `x` over `axis`; null (use the cpu kernel) for other dtypes or no axes. */
export function reduceNative(
  backend: MathBackendCPU,
  x: TensorInfo,
  axis: number | number[] | null | undefined,
  keepDims: boolean,
  op: number,
): TensorInfo | null {
  if (x.dtype !== "float32") return null;
  const rank = x.shape.length;
  const origAxes = [...new Set(tf.util.parseAxisParam((axis ?? null) as number[], x.shape))].sort((p, q) => p - q);
  if (origAxes.length === 0 || rank === 0) return null;
  const outShape = x.shape.filter((_, i) => !origAxes.includes(i));
  const finalShape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, origAxes) : outShape;
  let src = f32Of(backend, x);
  let shape = x.shape;
  let axes = origAxes;
  const adjacent = axes.every((a, i) => a === axes[0] + i);
  if (!adjacent) {
    const perm = tf.backend_util.getAxesPermutation(axes, rank) as number[];
    const moved = allocF32(src.length);
    nativeAddon().transpose(src, ints(shape), ints(perm), moved);
    src = moved;
    shape = perm.map((p) => x.shape[p]);
    axes = tf.backend_util.getInnerMostAxes(axes.length, rank);
  }
  const a0 = axes[0];
  const a1 = axes[axes.length - 1];
  const outer = sizeOf(shape.slice(0, a0));
  const r = sizeOf(shape.slice(a0, a1 + 1));
  const inner = sizeOf(shape.slice(a1 + 1));
  const out = allocF32(outer * inner);
  nativeAddon().reduce(op, src, out, outer, r, inner);
  return backend.makeTensorInfo(finalShape, "float32", out);
}
