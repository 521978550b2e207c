/**
 * `_FusedMatMul` (matmul + bias + activation, `tf.fused.matMul`) for wasm.
 *
 * The original wasm kernel has the same slow path as BatchMatMul (scalar loop
 * for transposed operands or a batch), and in that loop it adds the bias at
 * index `min(i·n + j, n − 1)` instead of `j`, so a batched or transposed call
 * with a bias gives wrong rows after the first. Here:
 * - batch size 1 on both sides (tfjs-core always passes rank-3 operands):
 *   transpose explicitly and call the original kernel non-transposed, which
 *   runs XNNPACK with the bias and activation fused;
 * - `b` shared by all batches: fold the batch into the rows, same call;
 * - a real batch: the product through ./batch-mat-mul.ts, then the wasm Add
 *   and activation kernels.
 */
import type { tf } from "../tf.js";
import { matMul, matMulGeometry, originals, xnnSafeWeights } from "./batch-mat-mul.js";
import {
  type BackendWasm,
  type KernelArgs,
  release,
  runWasm,
  type TensorInfo,
  transposeLastTwo,
  view,
} from "./heap.js";

interface FusedAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

function callOriginal(
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  a: TensorInfo,
  b: TensorInfo,
  attrs: FusedAttrs,
): TensorInfo {
  const f = originals.fusedMatMul;
  if (!f) throw new Error("internal: wasm _FusedMatMul original not captured (call registerWasmTrainingKernels)");
  const bSafe = xnnSafeWeights(backend, b);
  const out = f({
    inputs: { ...inputs, a, b: bSafe },
    backend,
    attrs: { ...attrs, transposeA: false, transposeB: false } as tf.NamedAttrMap,
  }) as TensorInfo;
  release(backend, bSafe);
  return out;
}

/** Apply `activation` with the wasm kernels; consumes `x`. */
function activate(
  backend: BackendWasm,
  x: TensorInfo,
  activation: string,
  alpha: number,
  prelu: TensorInfo | undefined,
): TensorInfo {
  let y: TensorInfo;
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      y = runWasm("Relu", backend, { x });
      break;
    case "relu6":
      y = runWasm("Relu6", backend, { x });
      break;
    case "elu":
      y = runWasm("Elu", backend, { x });
      break;
    case "sigmoid":
      y = runWasm("Sigmoid", backend, { x });
      break;
    case "leakyrelu":
      y = runWasm("LeakyRelu", backend, { x }, { alpha });
      break;
    case "prelu":
      if (!prelu) throw new Error("_FusedMatMul: prelu activation needs preluActivationWeights");
      y = runWasm("Prelu", backend, { x, alpha: prelu });
      break;
    default:
      throw new Error(`${activation} activation not yet supported for _FusedMatMul in the wasm backend.`);
  }
  release(backend, x);
  return y;
}

/** Kernel function registered as wasm `_FusedMatMul`. */
export function fusedMatMulKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { inputs } = args;
  const { a, b, bias, preluActivationWeights } = inputs;
  const attrs = (args.attrs ?? {}) as FusedAttrs;
  const tA = !!attrs.transposeA;
  const tB = !!attrs.transposeB;
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    throw new Error("_FusedMatMul for non non-float32 tensors not yet supported.");
  }
  const g = matMulGeometry(a, b, tA, tB);

  if (g.batchB === 1 && g.batch * g.m * g.n > 0 && g.k > 0) {
    const at = tA ? transposeLastTwo(backend, a) : view(backend, a, a.shape);
    const a1 = view(backend, at, [1, g.batchA * g.m, g.k]);
    release(backend, at);
    const bt = tB ? transposeLastTwo(backend, b) : view(backend, b, b.shape);
    const b1 = view(backend, bt, [1, g.k, g.n]);
    release(backend, bt);
    const out = callOriginal(backend, inputs, a1, b1, attrs);
    release(backend, a1);
    release(backend, b1);
    out.shape = g.outShape;
    return out;
  }

  let y = matMul(backend, a, b, tA, tB);
  if (bias) {
    const s = runWasm("Add", backend, { a: y, b: bias });
    release(backend, y);
    y = s;
  }
  return activate(backend, y, attrs.activation ?? "linear", attrs.leakyreluAlpha ?? 0.2, preluActivationWeights);
}
