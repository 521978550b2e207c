/**
 * Factory for the elementwise unary kernels (one file each, e.g. Exp.ts).
 * They matter less for their arithmetic than for the per-op cost: tfjs' cpu
 * versions allocate a zero-filled array and run a generic JS loop, while a
 * training step of a small model runs dozens of them (relu and its gradient,
 * the softmax cross-entropy, Adam's sqrt and square). Not a kernel itself.
 */
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

/** Op codes of `unary` in native/src/elementwise.cc. */
export const UnaryOp = {
  Neg: 0,
  Abs: 1,
  Exp: 2,
  Log: 3,
  Sqrt: 4,
  Rsqrt: 5,
  Square: 6,
  Relu: 7,
  Relu6: 8,
  Step: 9,
  Sigmoid: 10,
  Tanh: 11,
  LeakyRelu: 12,
  Elu: 13,
  Reciprocal: 14,
} as const;

/**
 * A float32 unary kernel; other dtypes go to the cpu kernel. `alphaAttr`
 * names the attribute passed as the op's parameter (Step's and LeakyRelu's
 * `alpha`).
 */
export function unaryKernel(kernelName: string, op: number, alphaAttr?: string): KernelConfig {
  return nativeKernel(kernelName, ({ inputs, backend, attrs }) => {
    const { x } = inputs;
    if (x.dtype !== "float32") return null;
    const out = allocF32(sizeOf(x.shape));
    const alpha = alphaAttr ? Number(attrs[alphaAttr] ?? 0) : 0;
    nativeAddon().unary(op, f32Of(backend, x), out, alpha);
    return backend.makeTensorInfo(x.shape, "float32", out);
  });
}
