/**
 * BatchMatMul on OpenBLAS sgemm: the bulk of every dense layer's forward and
 * backward pass (80% of an MLP step on tfjs' cpu backend). Transposed
 * operands map onto sgemm's transpose flags, so the gradients (which tfjs
 * computes as matmuls with transposeA/transposeB) cost no copies either;
 * `[batch, M, K] x [K, N]` runs as one tall sgemm.
 */
import { tf } from "../tf.js";
import { planMatMul } from "./matmul-plan.js";
import { allocF32, f32Of, nativeAddon, nativeKernel, sizeOf } from "./shared.js";

export const batchMatMulConfig = nativeKernel(tf.BatchMatMul, ({ inputs, backend, attrs }) => {
  const { a, b } = inputs;
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const p = planMatMul(a.shape, b.shape, transposeA, transposeB);
  const out = allocF32(sizeOf(p.outShape));
  nativeAddon().matmul(
    f32Of(backend, a),
    f32Of(backend, b),
    out,
    p.M,
    p.N,
    p.K,
    transposeA,
    transposeB,
    p.batch,
    p.aBatches,
    p.bBatches,
    p.pairs,
  );
  return backend.makeTensorInfo(p.outShape, "float32", out);
});
