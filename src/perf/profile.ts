import { performance } from "node:perf_hooks";
import { tf } from "../engine/tf.js";
import type { PerfSession } from "./types.js";

/** One kernel's share of the profiled steps. */
export interface KernelRow {
  /** tfjs kernel name (`_FusedMatMul`, `UnsortedSegmentSum`, …). */
  kernel: string;
  /** Calls per step. */
  calls: number;
  /** ms per step spent inside this kernel. */
  msPerStep: number;
  /** msPerStep ÷ the profiled step's wall time. */
  share: number;
}

/** Where the time of a training step goes, by kernel. */
export interface KernelProfile {
  steps: number;
  /** Wall ms per step while profiling (profiling adds a little per-kernel overhead). */
  wallMsPerStep: number;
  /** Sum over kernels, ms per step. */
  kernelMsPerStep: number;
  /** Wall time outside any kernel: JS op dispatch, the gradient tape, tidy, allocation, the loss read-back. */
  outsideMsPerStep: number;
  /** Every kernel, most time first. */
  kernels: KernelRow[];
}

/** Raw per-call records as tf.profile reports them. */
export interface KernelCall {
  name: string;
  ms: number;
}

/**
 * Aggregate per-call kernel timings into per-step rows. Names for which
 * `isKernel` is false are dropped: tfjs also reports custom-gradient ops
 * (e.g. the softmax cross-entropy) under their scope name, and their time
 * already contains the kernels they ran, which are reported on their own.
 */
export function aggregateKernels(
  calls: readonly KernelCall[],
  steps: number,
  wallMs: number,
  isKernel: (name: string) => boolean,
): KernelProfile {
  const by = new Map<string, { calls: number; ms: number }>();
  for (const c of calls) {
    if (!isKernel(c.name)) continue;
    const e = by.get(c.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += c.ms;
    by.set(c.name, e);
  }
  const wallMsPerStep = wallMs / steps;
  const kernels = [...by.entries()]
    .map(([kernel, e]) => ({
      kernel,
      calls: e.calls / steps,
      msPerStep: e.ms / steps,
      share: wallMsPerStep > 0 ? e.ms / steps / wallMsPerStep : 0,
    }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  const kernelMsPerStep = kernels.reduce((s, k) => s + k.msPerStep, 0);
  return { steps, wallMsPerStep, kernelMsPerStep, outsideMsPerStep: wallMsPerStep - kernelMsPerStep, kernels };
}

/**
 * Profile `steps` training steps with `tf.profile`: tfjs times every kernel
 * call (with `backend.time`, which on the cpu, wasm and native backends is
 * the wall time of the synchronous kernel) and we sum those per kernel name.
 * Run after warm-up so first-call costs are not counted.
 */
export async function profileSession(session: PerfSession, steps: number): Promise<KernelProfile> {
  const backend = tf.getBackend();
  let wallMs = 0;
  const info = await tf.profile(() => {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) session.step();
    wallMs = performance.now() - t0;
    return [];
  });
  const calls = info.kernels.map((k) => ({
    name: k.name,
    ms: typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0,
  }));
  return aggregateKernels(calls, steps, wallMs, (name) => tf.getKernel(name, backend) !== undefined);
}
