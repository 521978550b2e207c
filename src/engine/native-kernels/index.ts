/**
 * The native backend's kernels: every kernel tfjs has for `cpu` is also
 * registered for `native` (the native backend is a MathBackendCPU, so they
 * run unchanged), then the ones in this folder replace the hot ones. Which
 * ones are hot was measured with tf.profile on an MLP step (784-256-256-10,
 * batch 128, Adam) and an embedding-MLP step (two 120x256 tables, batch 5760,
 * AdamW): see native/README.md.
 */
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";
import { fusedMatMulConfig } from "./_FusedMatMul.js";
import { absConfig } from "./Abs.js";
import { addConfig } from "./Add.js";
import { addNConfig } from "./AddN.js";
import { antilearnAdamWConfig } from "./AntilearnAdamW.js";
import { batchMatMulConfig } from "./BatchMatMul.js";
import { castConfig } from "./Cast.js";
import { concatConfig } from "./Concat.js";
import { conv2DConfig } from "./Conv2D.js";
import { conv2DBackpropFilterConfig } from "./Conv2DBackpropFilter.js";
import { conv2DBackpropInputConfig } from "./Conv2DBackpropInput.js";
import { eluConfig } from "./Elu.js";
import { expConfig } from "./Exp.js";
import { fusedConv2DConfig } from "./FusedConv2D.js";
import { gatherV2Config } from "./GatherV2.js";
import { leakyReluConfig } from "./LeakyRelu.js";
import { logConfig } from "./Log.js";
import { maxConfig } from "./Max.js";
import { maximumConfig } from "./Maximum.js";
import { maxPoolConfig } from "./MaxPool.js";
import { maxPoolGradConfig } from "./MaxPoolGrad.js";
import { meanConfig } from "./Mean.js";
import { minConfig } from "./Min.js";
import { minimumConfig } from "./Minimum.js";
import { multiplyConfig } from "./Multiply.js";
import { negConfig } from "./Neg.js";
import { oneHotConfig } from "./OneHot.js";
import { realDivConfig } from "./RealDiv.js";
import { reciprocalConfig } from "./Reciprocal.js";
import { reluConfig } from "./Relu.js";
import { relu6Config } from "./Relu6.js";
import { rsqrtConfig } from "./Rsqrt.js";
import { sigmoidConfig } from "./Sigmoid.js";
import { sliceConfig } from "./Slice.js";
import { softmaxConfig } from "./Softmax.js";
import { splitVConfig } from "./SplitV.js";
import { sqrtConfig } from "./Sqrt.js";
import { squareConfig } from "./Square.js";
import { squaredDifferenceConfig } from "./SquaredDifference.js";
import { stepConfig } from "./Step.js";
import { subConfig } from "./Sub.js";
import { sumConfig } from "./Sum.js";
import { NATIVE_BACKEND } from "./shared.js";
import { tanhConfig } from "./Tanh.js";
import { transposeConfig } from "./Transpose.js";
import { unsortedSegmentSumConfig } from "./UnsortedSegmentSum.js";

/** Kernels implemented natively (each falls back to the cpu kernel for inputs it does not take). */
export const NATIVE_KERNEL_CONFIGS: readonly KernelConfig[] = [
  absConfig,
  addConfig,
  addNConfig,
  antilearnAdamWConfig,
  batchMatMulConfig,
  castConfig,
  concatConfig,
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  eluConfig,
  expConfig,
  fusedConv2DConfig,
  gatherV2Config,
  leakyReluConfig,
  logConfig,
  maxConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  maximumConfig,
  meanConfig,
  minConfig,
  minimumConfig,
  multiplyConfig,
  negConfig,
  oneHotConfig,
  realDivConfig,
  reciprocalConfig,
  reluConfig,
  relu6Config,
  rsqrtConfig,
  sigmoidConfig,
  sliceConfig,
  softmaxConfig,
  splitVConfig,
  sqrtConfig,
  squareConfig,
  squaredDifferenceConfig,
  stepConfig,
  subConfig,
  sumConfig,
  tanhConfig,
  transposeConfig,
  unsortedSegmentSumConfig,
  fusedMatMulConfig,
];

let registered = false;

/** Registers the cpu kernels and then the native overrides for the `native` backend (idempotent). */
export function registerNativeKernels(): void {
  if (registered) return;
  registered = true;
  const native = new Set(NATIVE_KERNEL_CONFIGS.map((k) => k.kernelName));
  for (const k of NATIVE_KERNEL_CONFIGS) tf.registerKernel(k);
  for (const k of tf.getKernelsForBackend("cpu")) {
    if (!native.has(k.kernelName)) tf.registerKernel({ ...k, backendName: NATIVE_BACKEND });
  }
}
