/**
 * Factory for the elementwise binary kernels with numpy broadcasting (one
 * file each, e.g. Add.ts). The C++ side collapses the broadcast into a few
 * strided dims around a contiguous inner loop, so `[5760,128] + [128]` and
 * Adam's `tensor * scalar` both run at memory speed. Not a kernel itself.
 */
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";
import { allocF32, f32Of, ints, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

/** Op codes of `binary` in native/src/elementwise.cc. */
export const BinaryOp = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
} as const;

/** A float32 binary kernel with broadcasting; other dtypes go to the cpu kernel. */
export function binaryKernel(kernelName: string, op: number): KernelConfig {
  return nativeKernel(kernelName, ({ inputs, backend }) => {
    const { a, b } = inputs;
    if (a.dtype !== "float32" || b.dtype !== "float32") return null;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = allocF32(sizeOf(outShape));
    nativeAddon().binary(op, f32Of(backend, a), ints(a.shape), f32Of(backend, b), ints(b.shape), out, ints(outShape));
    return backend.makeTensorInfo(outShape, "float32", out);
  });
}
