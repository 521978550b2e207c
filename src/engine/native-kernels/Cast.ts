/**
 * Cast to float32 from int32 or bool, materialised. tfjs' cpu Cast only
 * relabels such a tensor (its storage stays an Int32Array/Uint8Array), which
 * would make every native kernel that reads it convert it again (one-hot
 * labels in a cross-entropy are cast this way every step). Other casts are
 * the cpu kernel's.
 */
import { tf } from "../tf.js";
import { allocF32, nativeKernel, sizeOf } from "./shared.js";

export const castConfig = nativeKernel(tf.Cast, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  if (attrs.dtype !== "float32" || (x.dtype !== "int32" && x.dtype !== "bool")) return null;
  const out = allocF32(sizeOf(x.shape));
  out.set(backend.data.get(x.dataId).values as Int32Array | Uint8Array);
  return backend.makeTensorInfo(x.shape, "float32", out);
});
