/**
 * Conv2DBackpropFilter, the filter gradient of Conv2D: dW = Σ_blocks colᵀ · dy
 * with sgemm accumulating across blocks (beta = 1). tfjs-backend-wasm 4.22
 * lacks this kernel entirely.
 */
import { tf } from "../tf.js";
import { convGeometry } from "./conv-geometry.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

export const conv2DBackpropFilterConfig = nativeKernel(tf.Conv2DBackpropFilter, ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs;
  if (x.dtype !== "float32" || dy.dtype !== "float32" || (attrs.dataFormat ?? "NHWC") !== "NHWC") return null;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    false,
    "channelsLast",
  );
  const dw = allocF32(sizeOf(filterShape));
  nativeAddon().conv2dBackpropFilter(f32Of(backend, x), f32Of(backend, dy), dw, ...convGeometry(info));
  return backend.makeTensorInfo(filterShape, "float32", dw);
});
