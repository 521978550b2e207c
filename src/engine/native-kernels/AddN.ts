/**
 * AddN: tfjs sums the gradient contributions of a tensor used more than once
 * (a shared embedding, a residual stream) with it.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

export const addNConfig = nativeKernel(tf.AddN, ({ inputs, backend }) => {
  const ts = inputs as unknown as TensorInfo[];
  if (ts.length === 0 || ts.some((t) => t.dtype !== "float32")) return null;
  const out = allocF32(sizeOf(ts[0].shape));
  nativeAddon().addN(
    ts.map((t) => f32Of(backend, t)),
    out,
  );
  return backend.makeTensorInfo(ts[0].shape, "float32", out);
});
