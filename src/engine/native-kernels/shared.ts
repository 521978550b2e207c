/**
 * What every native kernel shares: the addon's interface, the handle to the
 * loaded addon, zero-copy access to tensor storage, output allocation, and
 * the fallback to tfjs' own cpu kernel for the cases a native kernel does not
 * take (another dtype, an exotic attribute). Not a kernel itself.
 */
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { DataType, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf.js";

/** tfjs name of the backend these kernels are registered for. */
export const NATIVE_BACKEND = "native";

/** Bumped in native/src/addon.cc whenever a function below changes; a stale build is refused. */
export const NATIVE_ABI_VERSION = 2;

type F32 = Float32Array;
type Typed = Float32Array | Int32Array | Uint8Array;

/** The functions of native/build/Release/antilearn_native.node (see native/src/*.cc for each contract). */
export interface NativeAddon {
  abiVersion: number;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  blasConfig(): string;
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F32,
    lda: number,
    B: F32,
    ldb: number,
    beta: number,
    C: F32,
    ldc: number,
  ): void;
  matmul(
    a: F32,
    b: F32,
    out: F32,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    batch: number,
    aBatches: number,
    bBatches: number,
    pairs: Int32Array | null,
  ): void;
  fusedMatMul(
    a: F32,
    b: F32,
    out: F32,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    batch: number,
    aBatches: number,
    bBatches: number,
    pairs: Int32Array | null,
    bias: F32 | null,
    activation: number,
    alpha: number,
  ): void;
  conv2d(x: F32, filter: F32, out: F32, ...geometryThenBiasActAlpha: (number | F32 | null)[]): void;
  conv2dBackpropInput(dy: F32, filter: F32, dx: F32, ...geometry: number[]): void;
  conv2dBackpropFilter(x: F32, dy: F32, dw: F32, ...geometry: number[]): void;
  maxPool(x: F32, out: F32, ...geometry: number[]): void;
  maxPoolGrad(dy: F32, x: F32, dx: F32, ...geometry: number[]): void;
  gather(x: Typed, outer: number, n: number, inner: number, indices: Int32Array, out: Typed): void;
  segmentSum(x: F32, ids: Int32Array, numSegments: number, out: F32): void;
  oneHot(indices: Int32Array, depth: number, on: number, off: number, out: F32 | Int32Array): void;
  transpose(x: Typed, shape: Int32Array, perm: Int32Array, out: Typed): void;
  slice(x: Typed, shape: Int32Array, begin: Int32Array, size: Int32Array, out: Typed): void;
  concat(inputs: Typed[], widths: Int32Array, outer: number, out: Typed): void;
  split(x: Typed, widths: Int32Array, outer: number, outs: Typed[]): void;
  unary(op: number, x: F32, out: F32, alpha: number): void;
  binary(op: number, a: F32, aShape: Int32Array, b: F32, bShape: Int32Array, out: F32, outShape: Int32Array): void;
  addN(inputs: F32[], out: F32): void;
  adamw(
    p: F32,
    g: F32,
    m: F32,
    v: F32,
    pOut: F32,
    mOut: F32,
    vOut: F32,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    sqrtBiasCorrection2: number,
    eps: number,
    stepSize: number,
    decay: number,
  ): void;
  reduce(op: number, x: F32, out: F32, outer: number, r: number, inner: number): void;
  softmax(x: F32, out: F32, rows: number, cols: number): void;
}

let addon: NativeAddon | null = null;

/** Installs the loaded addon (called by ../native.ts before kernels run). */
export function setNativeAddon(a: NativeAddon): void {
  addon = a;
}

/** The loaded addon; kernels only run after ../native.ts installed it. */
export function nativeAddon(): NativeAddon {
  if (!addon) throw new Error("antilearn native addon is not loaded");
  return addon;
}

/**
 * The storage of a tensor on the native backend, as the TypedArray its dtype
 * calls for: tfjs' own array, no copy, in the usual case. The cpu backend's
 * Cast from int32 or bool to a wider dtype only relabels the tensor, so a
 * float32 tensor may be stored as an Int32Array or Uint8Array (and an int32
 * one as a Uint8Array); those are converted here, since the addon reads raw
 * memory. Cast.ts makes such casts materialise, so this is rare.
 */
export function valuesOf(backend: MathBackendCPU, t: TensorInfo): Typed {
  const v = backend.data.get(t.dataId).values as Typed;
  switch (t.dtype) {
    case "float32":
      return v instanceof Float32Array ? v : Float32Array.from(v);
    case "int32":
      return v instanceof Int32Array ? v : Int32Array.from(v);
    case "bool":
      return v instanceof Uint8Array ? v : Uint8Array.from(v);
    default:
      return v;
  }
}

/** Float32 storage of a float32 tensor (see valuesOf). */
export function f32Of(backend: MathBackendCPU, t: TensorInfo): F32 {
  return valuesOf(backend, t) as F32;
}

/** Int32 storage of an int32 tensor (see valuesOf). */
export function i32Of(backend: MathBackendCPU, t: TensorInfo): Int32Array {
  return valuesOf(backend, t) as Int32Array;
}

/**
 * A Float32Array for kernel output. Large ones come from
 * Buffer.allocUnsafeSlow: not zero-filled (every native kernel writes all of
 * its output) and not from Node's shared pool, so `.buffer` is exactly this
 * array. Measured 3-18x faster than `new Float32Array(n)` from 64K floats up,
 * where the zero fill and the GC pressure it causes dominated small ops.
 */
export function allocF32(n: number): F32 {
  if (n < 1024) return new Float32Array(n);
  const b = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(b.buffer, b.byteOffset, n);
}

/** Output storage of `dtype` (float32, int32 or bool), uninitialised where that is cheaper. */
export function allocTyped(dtype: DataType, n: number): Typed {
  if (dtype === "float32") return allocF32(n);
  if (dtype === "int32") {
    if (n < 1024) return new Int32Array(n);
    const b = Buffer.allocUnsafeSlow(n * 4);
    return new Int32Array(b.buffer, b.byteOffset, n);
  }
  return new Uint8Array(n);
}

/** Dtypes whose storage is a plain TypedArray the copy kernels can move bytes of. */
export function isPlainDtype(dtype: DataType): boolean {
  return dtype === "float32" || dtype === "int32" || dtype === "bool";
}

/** Int32Array of a shape or list of ints, the form the addon takes them in. */
export function ints(v: readonly number[]): Int32Array {
  return Int32Array.from(v);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export type KernelArgs = { inputs: Record<string, TensorInfo>; backend: MathBackendCPU; attrs: NamedAttrMap };

const cpuFuncs = new Map<string, KernelFunc>();

/** tfjs' cpu implementation of `kernelName`, for cases the native one declines. */
export function cpuKernel(kernelName: string): KernelFunc {
  let f = cpuFuncs.get(kernelName);
  if (!f) {
    const k = tf.getKernel(kernelName, "cpu");
    if (!k) throw new Error(`tfjs cpu backend has no kernel ${kernelName}`);
    f = k.kernelFunc;
    cpuFuncs.set(kernelName, f);
  }
  return f;
}

/**
 * A kernel config for the native backend. `impl` returns null for inputs it
 * does not handle natively; those go to the cpu kernel, which runs fine on
 * this backend because the native backend *is* a MathBackendCPU.
 */
export function nativeKernel(
  kernelName: string,
  impl: (args: KernelArgs) => TensorInfo | TensorInfo[] | null,
): KernelConfig {
  return {
    kernelName,
    backendName: NATIVE_BACKEND,
    kernelFunc: ((args: KernelArgs) => impl(args) ?? cpuKernel(kernelName)(args as never)) as unknown as KernelFunc,
  };
}
