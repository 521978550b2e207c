/**
 * Kernels that tfjs-backend-wasm 4.22 does not have, or has only on a slow
 * path, but that training needs. Found by running forward + backward
 * (`tf.grad`) of every op our models use on wasm and comparing with cpu:
 *
 * - `UnsortedSegmentSum`: gradient of `tf.gather` (embeddings). Missing.
 * - `Conv2DBackpropFilter`: gradient of `tf.conv2d` w.r.t. the filter. Missing.
 * - `Conv2DBackpropInput`: present and correct but a scalar loop; replaced
 *   by an XNNPACK product + col2im, ~4× faster (NCHW still goes to it).
 * - `GatherV2`: present but a generic strided loop, 35–40% of a token
 *   model's step; replaced by a row copy for axis-0 gathers (./gather.ts).
 * - `SplitV`: present but one strided Slice per output, 30% of group-mlp's
 *   step after the gather fix (the gradient of concat); row copies (./split.ts).
 * - `MaxPoolGrad`: present but wrong for windows whose values are all ≤ 0
 *   (see ./max-pool-grad.ts). Replaced.
 * - `BatchMatMul`, `_FusedMatMul`: present, but a transposed operand or a
 *   batch takes a scalar loop 10–20× slower than XNNPACK, and every matmul
 *   gradient has a transposed operand. Replaced by versions that transpose
 *   explicitly and call the original kernel on its fast path (and that
 *   never let XNNPACK reuse weights packed for another shape of the same
 *   data, which corrupts the heap).
 *
 * Other kernels missing on wasm but not used by our models (depthwise-conv
 * gradients, Einsum, complex/FFT, ragged, string) are left alone.
 */
import "@tensorflow/tfjs-backend-wasm";
import { tf } from "../tf.js";
import { batchMatMulKernel, originals } from "./batch-mat-mul.js";
import { conv2DBackpropFilterKernel } from "./conv2d-backprop-filter.js";
import { conv2DBackpropInputKernel, conv2DBackpropInputOriginal } from "./conv2d-backprop-input.js";
import { fusedMatMulKernel } from "./fused-mat-mul.js";
import { gatherKernel, gatherOriginal } from "./gather.js";
import { maxPoolGradKernel } from "./max-pool-grad.js";
import { splitKernel, splitOriginal } from "./split.js";
import { unsortedSegmentSumKernel } from "./unsorted-segment-sum.js";

/**
 * Marks our replacement kernel functions and keeps the original on them, so
 * that a second registration (even from a second copy of this module, as
 * test runners can load) neither wraps a wrapper nor loses the original.
 */
const ORIGINAL = Symbol.for("antilearn.wasm-kernels.original");
type Marked = tf.KernelFunc & { [ORIGINAL]?: tf.KernelFunc };

/** Register `kernelFunc` for `name` on wasm unless wasm already has one. */
function addMissing(name: string, kernelFunc: tf.KernelFunc): void {
  if (tf.getKernel(name, "wasm")) return;
  tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc });
}

/**
 * Replace wasm's `name` by `replacement`, keeping the original's setup and
 * dispose functions (they bind its wasm exports, which the original kernel
 * function needs when we call it). Returns the original kernel function.
 */
function replace(name: string, replacement: tf.KernelFunc): tf.KernelFunc {
  const current = tf.getKernel(name, "wasm");
  if (!current) throw new Error(`wasm kernel '${name}' is not registered (is @tensorflow/tfjs-backend-wasm loaded?)`);
  const marked = current.kernelFunc as Marked;
  const original = marked[ORIGINAL];
  if (original) return original; // already replaced
  const wrapped: Marked = (args) => replacement(args);
  wrapped[ORIGINAL] = current.kernelFunc;
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ ...current, kernelFunc: wrapped });
  return current.kernelFunc;
}

let registered = false;

/** Register the missing training kernels for the wasm backend (idempotent). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  originals.batchMatMul = replace("BatchMatMul", batchMatMulKernel as tf.KernelFunc);
  originals.fusedMatMul = replace("_FusedMatMul", fusedMatMulKernel as tf.KernelFunc);
  replace("MaxPoolGrad", maxPoolGradKernel as tf.KernelFunc);
  conv2DBackpropInputOriginal.kernelFunc = replace("Conv2DBackpropInput", conv2DBackpropInputKernel as tf.KernelFunc);
  gatherOriginal.kernelFunc = replace("GatherV2", gatherKernel as tf.KernelFunc) as typeof gatherOriginal.kernelFunc;
  splitOriginal.kernelFunc = replace("SplitV", splitKernel as tf.KernelFunc) as typeof splitOriginal.kernelFunc;
  addMissing("UnsortedSegmentSum", unsortedSegmentSumKernel as tf.KernelFunc);
  addMissing("Conv2DBackpropFilter", conv2DBackpropFilterKernel as tf.KernelFunc);
  registered = true;
}
