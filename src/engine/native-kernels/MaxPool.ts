/** MaxPool (NHWC), vectorised over channels; tfjs' cpu version walks channels outermost through a TensorBuffer. */
import { tf } from "../tf.js";
import { poolGeometry } from "./conv-geometry.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

export const maxPoolConfig = nativeKernel(tf.MaxPool, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  if (x.dtype !== "float32") return null;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
  );
  const out = allocF32(sizeOf(info.outShape));
  nativeAddon().maxPool(f32Of(backend, x), out, ...poolGeometry(info));
  return backend.makeTensorInfo(info.outShape, "float32", out);
});
