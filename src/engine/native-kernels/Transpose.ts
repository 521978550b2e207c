/**
 * Transpose: dims are collapsed first (size-1 dims dropped, dims that stay
 * adjacent merged), then a blocked 2-D transpose (batched) or a strided
 * gather. A permutation that moves only size-1 dims (tf.gather's gradient
 * transposes by the identity for axis 0, twice per embedding per step) keeps
 * the data and shares it, as Reshape does.
 */
import { tf } from "../tf.js";
import { allocTyped, ints, isPlainDtype, nativeAddon, nativeKernel, sizeOf, valuesOf } from "./shared.js";

export const transposeConfig = nativeKernel(tf.Transpose, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  if (!isPlainDtype(x.dtype)) return null;
  const perm = attrs.perm as number[];
  const outShape = perm.map((p) => x.shape[p]);
  const moved = perm.filter((p) => x.shape[p] !== 1);
  if (moved.every((p, i) => i === 0 || p > moved[i - 1])) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: outShape, dtype: x.dtype };
  }
  const out = allocTyped(x.dtype, sizeOf(outShape));
  nativeAddon().transpose(valuesOf(backend, x), ints(x.shape), ints(perm), out);
  return backend.makeTensorInfo(outShape, x.dtype, out);
});
