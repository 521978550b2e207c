/**
 * AntilearnAdamW: one AdamW step for one variable as a single kernel with
 * three outputs (new value, first and second moment), native backend only.
 * The op chain in src/train/adamw.ts is ~14 kernels per variable, each a full
 * pass over the parameter with a fresh output, plus a scalar tensor per
 * constant: on a 784-256-256-10 MLP that was as much time as its matmuls.
 * This does the same float32 operations in the same order (bit-identical
 * results) in one pass. `fusedAdamW` is the entry point for optimisers: it
 * returns null where the current backend has no such kernel.
 */
import type { KernelConfig, KernelFunc, Tensor, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";
import { allocF32, f32Of, type KernelArgs, NATIVE_BACKEND, nativeAddon, sizeOf } from "./shared.js";

export const ADAMW_KERNEL = "AntilearnAdamW";

/** Hyperparameters of one step, already combined as src/train/adamw.ts combines them. */
export interface AdamWStep {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 − β₁ᵗ) */
  stepSize: number;
  /** √(1 − β₂ᵗ) */
  sqrtBiasCorrection2: number;
  /** 1 − lr·λ (1 for no weight decay) */
  decay: number;
}

export const antilearnAdamWConfig: KernelConfig = {
  kernelName: ADAMW_KERNEL,
  backendName: NATIVE_BACKEND,
  kernelFunc: (({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const { p, g, m, v } = inputs;
    for (const t of [p, g, m, v]) {
      if (t.dtype !== "float32") throw new Error(`${ADAMW_KERNEL}: float32 tensors only, got ${t.dtype}`);
    }
    const n = sizeOf(p.shape);
    const po = allocF32(n);
    const mo = allocF32(n);
    const vo = allocF32(n);
    const a = attrs as unknown as AdamWStep;
    nativeAddon().adamw(
      f32Of(backend, p),
      f32Of(backend, g),
      f32Of(backend, m),
      f32Of(backend, v),
      po,
      mo,
      vo,
      a.beta1,
      1 - a.beta1,
      a.beta2,
      1 - a.beta2,
      a.sqrtBiasCorrection2,
      a.eps,
      a.stepSize,
      a.decay,
    );
    return [
      backend.makeTensorInfo(p.shape, "float32", po),
      backend.makeTensorInfo(p.shape, "float32", mo),
      backend.makeTensorInfo(p.shape, "float32", vo),
    ];
  }) as unknown as KernelFunc,
};

/**
 * [new value, new first moment, new second moment] of one AdamW step, or null
 * when the current backend has no fused kernel (use the op chain there).
 */
export function fusedAdamW(
  p: Tensor,
  g: Tensor,
  m: Tensor,
  v: Tensor,
  step: AdamWStep,
): [Tensor, Tensor, Tensor] | null {
  if (!tf.getKernel(ADAMW_KERNEL, tf.getBackend())) return null;
  const out = tf.engine().runKernel(ADAMW_KERNEL, { p, g, m, v }, { ...step }) as Tensor[];
  return [out[0], out[1], out[2]];
}
