/**
 * `SplitV` for wasm: the gradient of `tf.concat` (the embed-mlp concatenates
 * its left and right embeddings) and `tf.split`.
 *
 * tfjs-backend-wasm 4.22 splits by one strided `Slice` per output, element
 * by element; on `group-mlp` that was 30% of the step once the gather was
 * fixed. Along any axis the pieces are runs of contiguous elements
 * (`size × inner` of them per outer index), so one `TypedArray.set` per run
 * does it, for every dtype whose heap view is 4 bytes wide.
 */
import { type BackendWasm, type KernelArgs, type TensorInfo, zeros } from "./heap.js";

/** The kernel this one replaces (for dtypes it does not handle). */
export const splitOriginal: { kernelFunc?: (args: KernelArgs) => TensorInfo[] } = {};

/** Sizes of the pieces along `axis` (TensorFlow semantics: a count, or sizes with at most one −1). */
export function splitSizes(numOrSizeSplits: number | number[], axisLen: number): number[] {
  if (typeof numOrSizeSplits === "number") {
    if (axisLen % numOrSizeSplits !== 0) {
      throw new Error(`SplitV: an axis of ${axisLen} cannot be split into ${numOrSizeSplits} equal parts`);
    }
    return Array(numOrSizeSplits).fill(axisLen / numOrSizeSplits);
  }
  const sizes = [...numOrSizeSplits];
  const free = sizes.indexOf(-1);
  if (free >= 0) sizes[free] = axisLen - sizes.reduce((a, b, i) => (i === free ? a : a + b), 0);
  if (sizes.reduce((a, b) => a + b, 0) !== axisLen || sizes.some((s) => s < 0)) {
    throw new Error(`SplitV: sizes [${numOrSizeSplits}] do not add up to the axis length ${axisLen}`);
  }
  return sizes;
}

/** Kernel function registered as wasm `SplitV`. */
export function splitKernel(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs;
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    if (!splitOriginal.kernelFunc) throw new Error("internal: wasm SplitV original kernel not registered");
    return splitOriginal.kernelFunc(args);
  }
  const rank = x.shape.length;
  const a = Number(args.attrs?.axis ?? 0);
  const axis = a < 0 ? a + rank : a;
  const sizes = splitSizes(args.attrs?.numOrSizeSplits as number | number[], x.shape[axis]);
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= x.shape[d];
  let inner = 1;
  for (let d = axis + 1; d < rank; d++) inner *= x.shape[d];
  const outs = sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return zeros(backend, shape, x.dtype);
  });
  // Views only after the last allocation (it may grow the heap).
  const xs = backend.typedArrayFromHeap(x);
  const rowLen = x.shape[axis] * inner;
  let start = 0;
  outs.forEach((out, j) => {
    const run = sizes[j] * inner;
    if (run > 0) {
      const os = backend.typedArrayFromHeap(out);
      for (let o = 0; o < outer; o++) {
        const src = o * rowLen + start;
        os.set(xs.subarray(src, src + run), o * run);
      }
    }
    start += sizes[j] * inner;
  });
  return outs;
}
