/**
 * MaxPoolGrad: recomputes each window's arg-max (first maximum in window
 * order, the tie rule of tfjs' cpu maxPoolPositions) and scatters dy there.
 */
import { tf } from "../tf.js";
import { poolGeometry } from "./conv-geometry.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

export const maxPoolGradConfig = nativeKernel(tf.MaxPoolGrad, ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs;
  if (dy.dtype !== "float32" || input.dtype !== "float32") return null;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const dx = allocF32(sizeOf(input.shape));
  nativeAddon().maxPoolGrad(f32Of(backend, dy), f32Of(backend, input), dx, ...poolGeometry(info));
  return backend.makeTensorInfo(input.shape, "float32", dx);
});
