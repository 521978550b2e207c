/**
 * Transpose: dims are collapsed first (size-1 dims dropped, dims that stay
 * adjacent merged), then a blocked 2-D transpose (batched) or a strided
 * gather. tfjs uses it inside gather's gradient and non-trailing reductions.
 */
import { tf } from "../tf.js";
import { allocTyped, ints, isPlainDtype, nativeAddon, nativeKernel, sizeOf, valuesOf } from "./shared.js";

export const transposeConfig = nativeKernel(tf.Transpose, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  if (!isPlainDtype(x.dtype)) return null;
  const perm = attrs.perm as number[];
  const outShape = perm.map((p) => x.shape[p]);
  const out = allocTyped(x.dtype, sizeOf(outShape));
  nativeAddon().transpose(valuesOf(backend, x), ints(x.shape), ints(perm), out);
  return backend.makeTensorInfo(outShape, x.dtype, out);
});
