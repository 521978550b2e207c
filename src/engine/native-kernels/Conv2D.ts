/**
 * Conv2D (NHWC) as im2col + sgemm, in blocks of output pixels so the patch
 * matrix stays under ~4 MB; 1x1 stride-1 convolutions skip im2col. Dilation
 * is supported; NCHW goes to the cpu kernel.
 */
import { tf } from "../tf.js";
import { convGeometry } from "./conv-geometry.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

export const conv2DConfig = nativeKernel(tf.Conv2D, ({ inputs, backend, attrs }) => {
  const { x, filter } = inputs;
  if (x.dtype !== "float32" || filter.dtype !== "float32" || (attrs.dataFormat ?? "NHWC") !== "NHWC") return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as [number, number],
    attrs.dilations as [number, number],
    attrs.pad as Pad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    false,
    "channelsLast",
  );
  const out = allocF32(sizeOf(info.outShape));
  nativeAddon().conv2d(f32Of(backend, x), f32Of(backend, filter), out, ...convGeometry(info));
  return backend.makeTensorInfo(info.outShape, "float32", out);
});
