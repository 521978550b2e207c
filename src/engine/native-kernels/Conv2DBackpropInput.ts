/**
 * Conv2DBackpropInput, the input gradient of Conv2D: dy · Wᵀ into a patch
 * matrix per block, then col2im scatter-adds it into dx (threads split by
 * image, so no two write the same pixel).
 */
import { tf } from "../tf.js";
import { convGeometry } from "./conv-geometry.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

export const conv2DBackpropInputConfig = nativeKernel(tf.Conv2DBackpropInput, ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs;
  if (dy.dtype !== "float32" || filter.dtype !== "float32" || (attrs.dataFormat ?? "NHWC") !== "NHWC") return null;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    false,
    "channelsLast",
  );
  const dx = allocF32(sizeOf(inputShape));
  nativeAddon().conv2dBackpropInput(f32Of(backend, dy), f32Of(backend, filter), dx, ...convGeometry(info));
  return backend.makeTensorInfo(info.inShape, "float32", dx);
});
