/**
 * FusedConv2D (tf.fused.conv2d): Conv2D.ts with the bias written into the
 * output before sgemm accumulates onto it and the activation applied in
 * place. Per-channel biases only: other biases, prelu and NCHW go to tfjs'
 * cpu FusedConv2D, which is correct but runs its own (slow) JS convolution.
 */
import { tf } from "../tf.js";
import { activationCode } from "./activation.js";
import { convGeometry } from "./conv-geometry.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

export const fusedConv2DConfig = nativeKernel(tf.FusedConv2D, ({ inputs, backend, attrs }) => {
  const { x, filter, bias } = inputs;
  const act = activationCode(attrs.activation as string | undefined);
  if (
    x.dtype !== "float32" ||
    filter.dtype !== "float32" ||
    (attrs.dataFormat ?? "NHWC") !== "NHWC" ||
    act === null ||
    (bias && (bias.dtype !== "float32" || sizeOf(bias.shape) !== filter.shape[3]))
  )
    return null;
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
  nativeAddon().conv2d(
    f32Of(backend, x),
    f32Of(backend, filter),
    out,
    ...convGeometry(info),
    bias ? f32Of(backend, bias) : null,
    act,
    Number(attrs.leakyreluAlpha ?? 0.2),
  );
  return backend.makeTensorInfo(info.outShape, "float32", out);
});
