/**
 * `BatchMatMul` for wasm, routed so that the product runs on the backend's
 * fast path wherever possible.
 *
 * The wasm backend (4.22) multiplies with XNNPACK only when neither operand is
 * transposed and both have batch size 1; every other case (a transposed
 * operand, or a real batch) falls to a scalar triple loop that is 10–20×
 * slower. Training always hits it: the gradient of `a·b` is `dy·bᵀ` and
 * `aᵀ·dy`. So this kernel
 * - transposes transposed operands explicitly (wasm Transpose, cheap:
 *   O(size)) and then calls the original kernel non-transposed;
 * - folds the batch into the rows when `b` is shared by all batches
 *   (`[B,m,k]·[k,n]` = one `[B·m,k]·[k,n]` product);
 * - for a real batch, runs one XNNPACK product per batch element when the
 *   matrices are big enough to pay for its per-call cost (5–15 µs; pays
 *   from m·k·n ≈ 8192, 2–4× faster above), and otherwise the original loop;
 * - broadcasts batch dimensions as tfjs-core's semantics say (the original
 *   wasm kernel reads past `b` when only `a` has a batch).
 *
 * The original kernel function is kept (see ./index.ts) and called for the
 * products themselves; every intermediate is released before returning.
 */
import { tf } from "../tf.js";
import {
  type BackendWasm,
  copyElements,
  type KernelArgs,
  release,
  type TensorInfo,
  transposeLastTwo,
  view,
  zeros,
} from "./heap.js";

/** The kernel functions that tfjs-backend-wasm registered, before we replaced them. */
export const originals: { batchMatMul?: tf.KernelFunc; fusedMatMul?: tf.KernelFunc } = {};

/**
 * Tuning (mutable for benchmarks): a batched product uses one XNNPACK call
 * per batch element when m·k·n per element is at least `perBatchMinWork`;
 * below it the per-call cost (copies, operator creation, weight packing:
 * 5–15 µs) outweighs the faster arithmetic. Measured on 2-core x86 with SIMD:
 * 64×16×16×16 loop 0.30 ms vs per-batch 1.0 ms; 64×16×32×16 0.60 vs 0.51;
 * 64×32×64×32 4.1 vs 1.8.
 */
export const tuning = { perBatchMinWork: 8192 };

/**
 * The `[k, n]` each tensor data was first multiplied as, as XNNPACK's `b`.
 *
 * Why: the wasm backend caches XNNPACK's packed weights under `b`'s tensor
 * id alone, not its shape, and a reshape keeps the id. Multiplying the same
 * data as `b` again under another `[k, n]` (e.g. `W` and `reshape(W)`) reuses
 * the stale operator: wrong values and writes past the output (heap
 * corruption). We hand XNNPACK a fresh copy in that (rare) case.
 */
const xnnWeightShapes = new WeakMap<object, string>();

/** `b` (`[1, k, n]`) made safe to pass as XNNPACK weights: itself (a new reference) or a fresh copy. Owned. */
export function xnnSafeWeights(backend: BackendWasm, b: TensorInfo): TensorInfo {
  const key = `${b.shape[1]},${b.shape[2]}`;
  const seen = xnnWeightShapes.get(b.dataId);
  if (seen === undefined) xnnWeightShapes.set(b.dataId, key);
  if (seen === undefined || seen === key) return view(backend, b, b.shape);
  const copy = backend.makeOutput(b.shape, b.dtype);
  copyElements(backend, b, 0, copy, 0, tf.util.sizeFromShape(b.shape));
  xnnWeightShapes.set(copy.dataId, key);
  return copy;
}

/** The original wasm BatchMatMul on rank-3 operands: XNNPACK when not transposed and both batches are 1. */
function origProduct(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA = false,
  transposeB = false,
): TensorInfo {
  const f = originals.batchMatMul;
  if (!f) throw new Error("internal: wasm BatchMatMul original not captured (call registerWasmTrainingKernels)");
  const xnn = !transposeA && !transposeB && a.shape[0] === 1 && b.shape[0] === 1;
  const bSafe = xnn ? xnnSafeWeights(backend, b) : b;
  const out = f({ inputs: { a, b: bSafe }, backend, attrs: { transposeA, transposeB } }) as TensorInfo;
  if (xnn) release(backend, bSafe);
  return out;
}

/** Shapes of a (possibly transposed, possibly batched) matrix product, checked like tfjs-core does. */
export interface MatMulGeometry {
  m: number;
  k: number;
  n: number;
  outerA: number[];
  outerB: number[];
  outShape: number[];
  batchA: number;
  batchB: number;
  batch: number;
}

export function matMulGeometry(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulGeometry {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) throw new Error(`matMul needs rank ≥ 2 operands, got [${a.shape}] and [${b.shape}]`);
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (ka !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${ka}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outOuter = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  return {
    m,
    k: ka,
    n,
    outerA,
    outerB,
    outShape: [...outOuter, m, n],
    batchA,
    batchB,
    batch: tf.util.sizeFromShape(outOuter),
  };
}

/**
 * For each output batch element, the batch element of an operand with outer
 * shape `outer` that it reads (numpy broadcasting, aligned on the right).
 */
export function broadcastBatchIndex(outOuter: number[], outer: number[]): Int32Array {
  const total = tf.util.sizeFromShape(outOuter);
  const idx = new Int32Array(total);
  const r = outOuter.length;
  const off = r - outer.length;
  const strides = new Array<number>(outer.length);
  let s = 1;
  for (let d = outer.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= outer[d];
  }
  for (let i = 0; i < total; i++) {
    let rem = i;
    let j = 0;
    for (let d = r - 1; d >= 0; d--) {
      const c = rem % outOuter[d];
      rem = (rem - c) / outOuter[d];
      const dd = d - off;
      if (dd >= 0 && outer[dd] !== 1) j += c * strides[dd];
    }
    idx[i] = j;
  }
  return idx;
}

/** `a` as row-major `[batch, rows, cols]` of the product's left factor (owned). */
function leftRowMajor(backend: BackendWasm, a: TensorInfo, transposed: boolean, g: MatMulGeometry): TensorInfo {
  const t = transposed ? transposeLastTwo(backend, a) : view(backend, a, a.shape);
  const v = view(backend, t, [g.batchA, g.m, g.k]);
  release(backend, t);
  return v;
}

/** `b` as row-major `[batch, k, n]` of the product's right factor (owned). */
function rightRowMajor(backend: BackendWasm, b: TensorInfo, transposed: boolean, g: MatMulGeometry): TensorInfo {
  const t = transposed ? transposeLastTwo(backend, b) : view(backend, b, b.shape);
  const v = view(backend, t, [g.batchB, g.k, g.n]);
  release(backend, t);
  return v;
}

/** Materialise a broadcast operand `[batchX, r, c]` as `[batch, r, c]` by copying batch elements. */
function expandBatch(backend: BackendWasm, x: TensorInfo, index: Int32Array): TensorInfo {
  const [, r, c] = x.shape;
  const per = r * c;
  const out = backend.makeOutput([index.length, r, c], x.dtype);
  for (let i = 0; i < index.length; i++) copyElements(backend, x, index[i] * per, out, i * per, per);
  return out;
}

/**
 * The product of `a` and `b` (optionally transposed, optionally batched with
 * broadcasting) on the wasm backend, as fast as its kernels allow. Used by the
 * BatchMatMul and _FusedMatMul replacements and by Conv2DBackpropFilter.
 */
export function matMul(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    throw new Error("BatchMatMul for non non-float32 tensors not yet supported.");
  }
  const g = matMulGeometry(a, b, transposeA, transposeB);
  const { m, k, n, batch, batchA, batchB, outShape } = g;
  if (batch * m * n === 0 || k === 0) return zeros(backend, outShape, "float32");

  if (batchB === 1) {
    // One XNNPACK product: every batch element of `a` multiplies the same `b`.
    const a2 = leftRowMajor(backend, a, transposeA, g);
    const aRows = view(backend, a2, [1, batchA * m, k]);
    release(backend, a2);
    const b2 = rightRowMajor(backend, b, transposeB, g);
    const out = origProduct(backend, aRows, b2);
    release(backend, aRows);
    release(backend, b2);
    out.shape = outShape;
    return out;
  }

  const outOuter = outShape.slice(0, -2);
  /** Batch element of an operand read by output batch element i (identity unless broadcast). */
  const indexFor = (outer: number[], n: number) =>
    n === batch ? Int32Array.from({ length: batch }, (_, i) => i) : broadcastBatchIndex(outOuter, outer);

  if (m * k * n < tuning.perBatchMinWork) {
    // Small matrices: the original loop, as given (explicit transposes cost
    // more than they save here); broadcast batches are materialised, since
    // the original kernel does not broadcast.
    const r = a.shape.length;
    const rb = b.shape.length;
    let a3 = view(backend, a, [batchA, a.shape[r - 2], a.shape[r - 1]]);
    let b3 = view(backend, b, [batchB, b.shape[rb - 2], b.shape[rb - 1]]);
    if (batchA !== batch) {
      const e = expandBatch(backend, a3, indexFor(g.outerA, batchA));
      release(backend, a3);
      a3 = e;
    }
    if (batchB !== batch) {
      const e = expandBatch(backend, b3, indexFor(g.outerB, batchB));
      release(backend, b3);
      b3 = e;
    }
    const out = origProduct(backend, a3, b3, transposeA, transposeB);
    release(backend, a3);
    release(backend, b3);
    out.shape = outShape;
    return out;
  }

  // Big matrices: one XNNPACK product per batch element. `b`'s slice must be
  // a fresh tensor each time: XNNPACK caches its packed weights by tensor id.
  const ia = indexFor(g.outerA, batchA);
  const ib = indexFor(g.outerB, batchB);
  const a3 = leftRowMajor(backend, a, transposeA, g);
  const b3 = rightRowMajor(backend, b, transposeB, g);
  const out = backend.makeOutput(outShape, "float32");
  const ai = backend.makeOutput([1, m, k], "float32");
  for (let i = 0; i < batch; i++) {
    copyElements(backend, a3, ia[i] * m * k, ai, 0, m * k);
    const bi = backend.makeOutput([1, k, n], "float32");
    copyElements(backend, b3, ib[i] * k * n, bi, 0, k * n);
    const oi = origProduct(backend, ai, bi);
    copyElements(backend, oi, 0, out, i * m * n, m * n);
    release(backend, oi);
    release(backend, bi);
  }
  release(backend, ai);
  release(backend, a3);
  release(backend, b3);
  return out;
}

/** Kernel function registered as wasm `BatchMatMul`. */
export function batchMatMulKernel(args: KernelArgs): TensorInfo {
  const { a, b } = args.inputs;
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  return matMul(args.backend as BackendWasm, a, b, !!attrs.transposeA, !!attrs.transposeB);
}
