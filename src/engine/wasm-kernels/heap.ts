/**
 * Small helpers for kernels that work directly on the wasm backend's memory.
 *
 * The wasm backend keeps every tensor in one WebAssembly heap; a tensor's
 * `dataId` maps (through `backend.dataIdMap`) to its byte offset there. A
 * kernel may read and write that memory through typed-array views, but any
 * allocation (`makeOutput`) can grow the heap and detach views taken before
 * it: take views only after the last allocation, or re-take them.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { tf } from "../tf.js";

export type { BackendWasm };
export type TensorInfo = tf.TensorInfo;

/** What tfjs passes to a kernel function (inputs typed as present: the op checked them). */
export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** The kernel function currently registered for `name` on wasm (throws if none). */
export function wasmKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, "wasm");
  if (!k) throw new Error(`wasm kernel '${name}' is not registered (is @tensorflow/tfjs-backend-wasm loaded?)`);
  return k.kernelFunc;
}

/** Call a wasm kernel that returns a single tensor. */
export function runWasm(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  return wasmKernel(name)({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

/**
 * The same data under another shape, as a tensor the caller owns: like the
 * wasm Reshape kernel it only bumps the reference count, so `release` it.
 */
export function view(backend: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo {
  if (tf.util.sizeFromShape(shape) !== tf.util.sizeFromShape(x.shape)) {
    throw new Error(`internal: cannot view shape [${x.shape}] as [${shape}]`);
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** Drop a reference to an intermediate (frees its memory when it was the last). */
export function release(backend: BackendWasm, x: TensorInfo): void {
  backend.disposeData(x.dataId);
}

/**
 * Swap the last two axes of `x` with the wasm Transpose kernel, giving an
 * owned, contiguous tensor. When one of the two axes has size 1 the bytes are
 * already in transposed order, so it is only a view (no copy).
 */
export function transposeLastTwo(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const shape = [...x.shape];
  [shape[r - 2], shape[r - 1]] = [shape[r - 1], shape[r - 2]];
  if (x.shape[r - 1] === 1 || x.shape[r - 2] === 1) return view(backend, x, shape);
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return runWasm("Transpose", backend, { x }, { perm });
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: BackendWasm, x: TensorInfo): number {
  return backend.dataIdMap.get(x.dataId).memoryOffset;
}

/** A new float32/int32 tensor filled with zeros (wasm `malloc` does not clear memory). */
export function zeros(backend: BackendWasm, shape: number[], dtype: tf.DataType): TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  if (tf.util.sizeFromShape(shape) > 0) backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** Copy `count` 4-byte elements inside the heap, from `src`+`srcIndex` to `dst`+`dstIndex` (indices in elements). */
export function copyElements(
  backend: BackendWasm,
  src: TensorInfo,
  srcIndex: number,
  dst: TensorInfo,
  dstIndex: number,
  count: number,
): void {
  // Re-read on every call: a heap growth replaces the buffer behind HEAPU8.
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
  const s = offsetOf(backend, src) + srcIndex * 4;
  heap.copyWithin(offsetOf(backend, dst) + dstIndex * 4, s, s + count * 4);
}
