/**
 * `UnsortedSegmentSum` for wasm: out[s, …] = Σ_{i : ids[i] = s} x[i, …].
 *
 * tfjs-backend-wasm 4.22 lacks it, and it is the gradient of `tf.gather`
 * (every embedding lookup), so without it no embedding model trains on wasm.
 * One pass in JS over the wasm heap: O(size of x), against the cpu backend's
 * one masked sum per segment, O(numSegments · size of x).
 *
 * Semantics as TensorFlow's: `segmentIds` has the shape of a prefix of x's
 * shape; the output is `[numSegments, ...x.shape[ids.rank:]]`; rows whose id
 * is negative or ≥ numSegments are dropped; empty segments are 0.
 */
import { type BackendWasm, type KernelArgs, type TensorInfo, zeros } from "./heap.js";

/** Kernel function registered as wasm `UnsortedSegmentSum`. */
export function unsortedSegmentSumKernel(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, segmentIds } = args.inputs;
  const numSegments = Number(args.attrs?.numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32 data, got ${x.dtype}`);
  }
  const idRank = segmentIds.shape.length;
  for (let d = 0; d < idRank; d++) {
    if (segmentIds.shape[d] !== x.shape[d]) {
      throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must prefix x shape [${x.shape}]`);
    }
  }
  const innerShape = x.shape.slice(idRank);
  let inner = 1;
  for (const s of innerShape) inner *= s;
  let rows = 1;
  for (const s of segmentIds.shape) rows *= s;

  const out = zeros(backend, [numSegments, ...innerShape], x.dtype);
  if (rows === 0 || inner === 0 || numSegments === 0) return out;
  // Views only after the allocation above (it may grow the heap).
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const os = backend.typedArrayFromHeap(out);
  for (let i = 0; i < rows; i++) {
    const s = Math.trunc(ids[i]);
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) os[dst + j] += xs[src + j];
  }
  return out;
}
