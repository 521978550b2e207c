/**
 * `GatherV2` for wasm, the embedding lookup: out[i, …] = x[indices[i], …].
 *
 * tfjs-backend-wasm 4.22's gather walks every output element through a
 * generic strided index computation; on the token workloads (5,760 rows of
 * 256 floats, twice a step) it took 35–40% of the step, as long as all the
 * matmuls (docs/performance.md). For the case every model here uses (axis 0,
 * no batch dims, 4-byte data, int32 indices) whole rows are contiguous, so one
 * `TypedArray.set` per row on the heap does it; anything else goes to the
 * original kernel.
 *
 * Out-of-range indices are an error here, where the original would read
 * whatever lies outside the tensor.
 */
import { type BackendWasm, type KernelArgs, type TensorInfo, zeros } from "./heap.js";

/** The kernel this one replaces (set at registration; called for the cases it does not handle). */
export const gatherOriginal: { kernelFunc?: (args: KernelArgs) => TensorInfo } = {};

function normAxis(axis: unknown, rank: number): number {
  const a = Number(axis ?? 0);
  return a < 0 ? a + rank : a;
}

/** Kernel function registered as wasm `GatherV2`. */
export function gatherKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, indices } = args.inputs;
  const axis = normAxis(args.attrs?.axis, x.shape.length);
  const batchDims = Number(args.attrs?.batchDims ?? 0);
  const fast =
    axis === 0 &&
    batchDims === 0 &&
    x.shape.length >= 1 &&
    (x.dtype === "float32" || x.dtype === "int32") &&
    indices.dtype === "int32";
  if (!fast) {
    if (!gatherOriginal.kernelFunc) throw new Error("internal: wasm GatherV2 original kernel not registered");
    return gatherOriginal.kernelFunc(args);
  }
  const rows = x.shape[0];
  let inner = 1;
  for (let d = 1; d < x.shape.length; d++) inner *= x.shape[d];
  let n = 1;
  for (const s of indices.shape) n *= s;
  const out = zeros(backend, [...indices.shape, ...x.shape.slice(1)], x.dtype);
  if (n === 0 || inner === 0) return out;
  // Views only after the allocation above (it may grow the heap).
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(indices);
  const os = backend.typedArrayFromHeap(out);
  for (let i = 0; i < n; i++) {
    const r = ids[i];
    if (r < 0 || r >= rows) {
      backend.disposeData(out.dataId);
      throw new Error(`GatherV2: index ${r} at position ${i} is outside [0, ${rows})`);
    }
    os.set(xs.subarray(r * inner, (r + 1) * inner), i * inner);
  }
  return out;
}
