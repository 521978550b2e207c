/**
 * _FusedMatMul (tf.fused.matMul): matmul + bias + activation in one kernel.
 * The bias is written into the output first and sgemm accumulates onto it,
 * then the activation runs in place: one pass over the output instead of
 * three kernels and two temporaries. Its gradient needs nothing here: tfjs
 * computes it from BatchMatMul, Sum and Step/Mul, all native.
 * Biases that are not a row vector or a scalar go through the native Add;
 * prelu goes through tfjs' cpu Prelu kernel after a linear native matmul.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";
import { activationCode } from "./activation.js";
import { BinaryOp } from "./binary.js";
import { planMatMul } from "./matmul-plan.js";
import { allocF32, cpuKernel, f32Of, ints, nativeAddon, nativeKernel, sizeOf } from "./shared.js";
import { UnaryOp } from "./unary.js";

const ACT_TO_UNARY: Record<number, number> = {
  1: UnaryOp.Relu,
  2: UnaryOp.Relu6,
  3: UnaryOp.LeakyRelu,
  4: UnaryOp.Sigmoid,
  5: UnaryOp.Elu,
};

export const fusedMatMulConfig = nativeKernel(tf._FusedMatMul, ({ inputs, backend, attrs }) => {
  const { a, b, bias, preluActivationWeights } = inputs;
  if (a.dtype !== "float32" || b.dtype !== "float32" || (bias && bias.dtype !== "float32")) return null;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const activation = (attrs.activation as string | undefined) ?? "linear";
  const alpha = Number(attrs.leakyreluAlpha ?? 0.2);
  const isPrelu = activation === "prelu";
  const act = isPrelu ? 0 : activationCode(activation);
  if (act === null) return null;
  const p = planMatMul(a.shape, b.shape, transposeA, transposeB);
  const addon = nativeAddon();
  const biasSize = bias ? sizeOf(bias.shape) : 0;
  // A bias that is [N] (or [1, .., N]) or a single value is fused into sgemm.
  const rowBias =
    bias !== undefined &&
    bias.shape.length <= p.outShape.length &&
    (biasSize === 1 || (biasSize === p.N && bias.shape[bias.shape.length - 1] === p.N));
  let outShape = p.outShape;
  let out = allocF32(sizeOf(outShape));
  addon.fusedMatMul(
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
    rowBias ? f32Of(backend, bias) : null,
    bias && !rowBias ? 0 : act,
    alpha,
  );
  if (bias && !rowBias) {
    const sumShape = tf.backend_util.assertAndGetBroadcastShape(outShape, bias.shape);
    const summed = allocF32(sizeOf(sumShape));
    addon.binary(BinaryOp.Add, out, ints(outShape), f32Of(backend, bias), ints(bias.shape), summed, ints(sumShape));
    if (act !== 0) addon.unary(ACT_TO_UNARY[act], summed, summed, alpha);
    out = summed;
    outShape = sumShape;
  }
  if (!isPrelu) return backend.makeTensorInfo(outShape, "float32", out);
  const linear = backend.makeTensorInfo(outShape, "float32", out);
  const res = cpuKernel(tf.Prelu)({
    inputs: { x: linear, alpha: preluActivationWeights },
    backend,
    attrs: {},
  } as never) as TensorInfo;
  backend.disposeIntermediateTensorInfo(linear);
  return res;
});
