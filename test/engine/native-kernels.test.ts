/**
 * The native backend's kernels (src/engine/native-kernels/, native/src/)
 * against tfjs' cpu backend: values and gradients on random shapes (edge sizes
 * 1, odd, and large enough to split across threads), relative error ≤ 1e-4,
 * with 1 and 2 threads (the parallel code paths only run with 2). Needs the
 * addon built (npm install builds it when libopenblas-dev is present); CI
 * installs OpenBLAS, so a missing addon fails here rather than skipping.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../src/engine/backend.js";
import { loadNativeAddon } from "../../src/engine/native.js";
import { fusedAdamW } from "../../src/engine/native-kernels/AntilearnAdamW.js";
import { NATIVE_KERNEL_CONFIGS } from "../../src/engine/native-kernels/index.js";
import { Rng } from "../../src/engine/rng.js";
import { type Tensor, tf } from "../../src/engine/tf.js";

const TOL = 1e-4;

interface Result {
  shape: number[];
  dtype: string;
  values: Float32Array | Int32Array | Uint8Array;
}

/** Run `f` on `backend` inside a tidy and read its outputs back. */
async function runOn(backend: string, f: () => Tensor | Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const res = out.map((x) => ({
    shape: [...x.shape],
    dtype: x.dtype,
    values: x.dataSync().slice() as Result["values"],
  }));
  tf.dispose(out);
  return res;
}

/**
 * max |a − b| / max(max |b|, 1e-6): the error relative to the reference's
 * magnitude. NaN must be NaN in both, ±Infinity equal in both.
 */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i]) || Number.isNaN(a[i])) {
      if (Number.isNaN(b[i]) !== Number.isNaN(a[i])) return Number.POSITIVE_INFINITY;
      continue;
    }
    if (!Number.isFinite(b[i]) || !Number.isFinite(a[i])) {
      if (a[i] !== b[i]) return Number.POSITIVE_INFINITY;
      continue;
    }
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return diff / Math.max(mag, 1e-6);
}

function expectClose(actual: Result[], expected: Result[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(actual[i].shape, `${label}: output ${i} shape`).toEqual(expected[i].shape);
    expect(actual[i].dtype, `${label}: output ${i} dtype`).toBe(expected[i].dtype);
    if (expected[i].dtype !== "float32") {
      expect(Array.from(actual[i].values), `${label}: output ${i}`).toEqual(Array.from(expected[i].values));
    } else {
      const e = relError(actual[i].values, expected[i].values);
      expect(e, `${label}: output ${i} relative error`).toBeLessThanOrEqual(TOL);
    }
  }
}

/** Compute `f` on cpu (reference) and on native; require the same shapes, dtypes and values. */
async function expectSame(f: () => Tensor | Tensor[], label: string): Promise<void> {
  const cpu = await runOn("cpu", f);
  const nat = await runOn("native", f);
  expectClose(nat, cpu, label);
}

const rng = new Rng(20240611);

/** Uniform [lo, hi) data of `shape` (fresh numbers each call). */
function data(shape: number[], lo = -1, hi = 1): { shape: number[]; values: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: rng.uniformArray(n, lo, hi) };
}
function ints(n: number, lo: number, hi: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(rng.uniform() * (hi - lo));
  return out;
}
const T = (d: { shape: number[]; values: Float32Array }) => tf.tensor(d.values, d.shape);

/**
 * Value and gradients of `op` at the given inputs, the loss weighted by a
 * fixed random tensor so that every output element gets a distinct gradient.
 */
function valueAndGrads(op: (...xs: Tensor[]) => Tensor, inputs: { shape: number[]; values: Float32Array }[]) {
  const probe = op(...inputs.map(T));
  const w = data(probe.shape);
  probe.dispose();
  return () => {
    const xs = inputs.map(T);
    const weight = T(w);
    const y = op(...xs);
    const grads = tf.grads((...args: Tensor[]) => tf.sum(tf.mul(op(...args), weight)))(xs);
    return [y, ...grads];
  };
}

describe.each([1, 2])("native kernels vs cpu (%i threads)", (threads) => {
  beforeAll(async () => {
    const info = await initBackend("native", threads);
    expect(info.name).toBe("native");
    expect(loadNativeAddon().getNumThreads()).toBe(threads);
  });

  test("every kernel registered for cpu is registered for native", () => {
    const cpu = tf.getKernelsForBackend("cpu").map((k) => k.kernelName);
    const native = new Set(tf.getKernelsForBackend("native").map((k) => k.kernelName));
    expect(cpu.filter((k) => !native.has(k))).toEqual([]);
    for (const k of NATIVE_KERNEL_CONFIGS) expect(tf.getKernel(k.kernelName, "native")).toBe(k);
  });

  test("BatchMatMul: every transpose combination, edge and large sizes, values and gradients", async () => {
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [1, 7, 1],
      [3, 5, 7],
      [17, 1, 33],
      [300, 517, 300],
    ];
    for (const [M, K, N] of sizes) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = data(ta ? [K, M] : [M, K]);
          const b = data(tb ? [N, K] : [K, N]);
          await expectSame(
            valueAndGrads((x, y) => tf.matMul(x, y, ta, tb), [a, b]),
            `matMul ${M}x${K}x${N} ${ta} ${tb}`,
          );
        }
      }
    }
  });

  test("BatchMatMul: batched and broadcast batch dims", async () => {
    const same: [number[], number[], boolean, boolean][] = [
      [[4, 3, 5], [4, 5, 2], false, false],
      [[2, 3, 6, 5], [2, 3, 6, 4], true, false],
      [[7, 1, 9], [7, 4, 9], false, true],
    ];
    for (const [as, bs, ta, tb] of same) {
      await expectSame(
        valueAndGrads((x, y) => tf.matMul(x, y, ta, tb), [data(as), data(bs)]),
        `bmm ${as} ${bs}`,
      );
    }
    // Broadcast batch dims: forward only (tfjs' BatchMatMul gradient does not
    // reduce over broadcast batch dims and fails on every backend).
    const broadcast: [number[], number[], boolean, boolean][] = [
      [[2, 3, 5], [5, 4], false, false],
      [[3, 4, 5], [1, 5, 6], false, false],
      [[1, 4, 5], [3, 6, 5], false, true],
      [[3, 2, 5, 4], [2, 5, 6], true, false],
    ];
    for (const [as, bs, ta, tb] of broadcast) {
      const a = data(as);
      const b = data(bs);
      await expectSame(() => tf.matMul(T(a), T(b), ta, tb), `bmm ${as} ${bs}`);
    }
  });

  test("BatchMatMul: batch dims broadcast on both sides (tiled reference)", async () => {
    // tfjs' cpu kernel indexes batches modulo each operand's batch count,
    // which is wrong when both sides broadcast; tile to equal batches there.
    const a = data([2, 1, 3, 4]);
    const b = data([1, 3, 4, 5]);
    const ref = await runOn("cpu", () => tf.matMul(tf.tile(T(a), [1, 3, 1, 1]), tf.tile(T(b), [2, 1, 1, 1])));
    const nat = await runOn("native", () => tf.matMul(T(a), T(b)));
    expectClose(nat, ref, "bmm [2,1,3,4] x [1,3,4,5]");
  });

  test("_FusedMatMul: biases, activations, transposes, values and gradients", async () => {
    const acts = ["linear", "relu", "relu6", "sigmoid", "leakyrelu", "elu", "prelu"] as const;
    for (const [M, K, N] of [
      [1, 1, 1],
      [5, 3, 7],
      [128, 300, 65],
    ] as [number, number, number][]) {
      for (const act of acts) {
        for (const biasShape of [null, [N], [1], [M, N]]) {
          const ta = act === "relu";
          const tb = act === "linear";
          const a = data(ta ? [K, M] : [M, K]);
          const b = data(tb ? [N, K] : [K, N]);
          const bias = biasShape ? data(biasShape) : null;
          const alpha = data([N]);
          const inputs = bias ? [a, b, bias] : [a, b];
          const op = (x: Tensor, y: Tensor, z?: Tensor) =>
            tf.fused.matMul({
              a: x,
              b: y,
              transposeA: ta,
              transposeB: tb,
              bias: z,
              activation: act,
              preluActivationWeights: act === "prelu" ? T(alpha) : undefined,
              leakyreluAlpha: 0.3,
            });
          const label = `fused ${M}x${K}x${N} ${act} bias=${biasShape}`;
          // tfjs has gradients for linear/relu/relu6/elu/prelu-less fused matmuls only.
          if (act === "linear" || act === "relu") {
            await expectSame(valueAndGrads(op as (...xs: Tensor[]) => Tensor, inputs), label);
          } else {
            await expectSame(() => op(T(a), T(b), bias ? T(bias) : undefined), label);
          }
        }
      }
    }
  });

  test("Conv2D and its input/filter gradients: strides, paddings, 1x1, blocks", async () => {
    type Pad = "valid" | "same" | number | [[number, number], [number, number], [number, number], [number, number]];
    const cases: { x: number[]; f: number[]; s: number | [number, number]; pad: Pad }[] = [
      { x: [2, 9, 7, 3], f: [3, 3, 3, 5], s: 1, pad: "valid" },
      { x: [2, 9, 7, 3], f: [3, 3, 3, 5], s: 2, pad: "same" },
      { x: [1, 8, 8, 1], f: [5, 5, 1, 4], s: [2, 1], pad: "same" },
      { x: [3, 6, 5, 4], f: [2, 3, 4, 2], s: 1, pad: 1 },
      {
        x: [2, 7, 6, 2],
        f: [3, 2, 2, 3],
        s: [1, 2],
        pad: [
          [0, 0],
          [1, 2],
          [2, 0],
          [0, 0],
        ],
      },
      { x: [2, 5, 5, 6], f: [1, 1, 6, 4], s: 1, pad: "valid" }, // pointwise: no im2col
      { x: [1, 1, 1, 1], f: [1, 1, 1, 1], s: 1, pad: "same" },
      { x: [6, 30, 30, 40], f: [3, 3, 40, 8], s: 1, pad: "same" }, // several im2col blocks
      { x: [1, 64, 64, 64], f: [3, 3, 64, 4], s: 1, pad: "valid" }, // blocks smaller than an image
    ];
    for (const c of cases) {
      const op = (x: Tensor, f: Tensor) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.s, c.pad);
      await expectSame(valueAndGrads(op, [data(c.x), data(c.f)]), `conv2d ${JSON.stringify(c)}`);
    }
    // Dilation (forward only: tfjs has no gradient for dilated convolutions).
    const x = data([2, 11, 10, 3]);
    const f = data([3, 3, 3, 4]);
    await expectSame(
      () => tf.conv2d(T(x) as tf.Tensor4D, T(f) as tf.Tensor4D, 1, "same", "NHWC", 2),
      "conv2d dilation 2",
    );
  });

  test("FusedConv2D: bias and activations", async () => {
    const x = data([2, 8, 7, 3]);
    const f = data([3, 3, 3, 5]);
    const bias = data([5]);
    for (const act of ["linear", "relu", "relu6", "sigmoid", "leakyrelu", "elu"] as const) {
      await expectSame(
        () =>
          tf.fused.conv2d({
            x: T(x) as tf.Tensor4D,
            filter: T(f) as tf.Tensor4D,
            strides: 1,
            pad: "same",
            bias: T(bias),
            activation: act,
            leakyreluAlpha: 0.1,
          }),
        `fused conv2d ${act}`,
      );
    }
  });

  test("MaxPool and MaxPoolGrad, including ties", async () => {
    const cases: { x: number[]; k: number | [number, number]; s: number | [number, number]; pad: "valid" | "same" }[] =
      [
        { x: [2, 9, 7, 3], k: 2, s: 2, pad: "valid" },
        { x: [2, 9, 7, 3], k: 3, s: 2, pad: "same" },
        { x: [1, 6, 6, 17], k: 3, s: 1, pad: "same" },
        { x: [3, 5, 8, 2], k: [2, 3], s: [1, 2], pad: "valid" },
        { x: [1, 1, 1, 1], k: 1, s: 1, pad: "valid" },
        { x: [8, 28, 28, 16], k: 2, s: 2, pad: "valid" },
      ];
    for (const c of cases) {
      const op = (x: Tensor) => tf.maxPool(x as tf.Tensor4D, c.k, c.s, c.pad);
      await expectSame(valueAndGrads(op, [data(c.x)]), `maxPool ${JSON.stringify(c)}`);
      // Integer-valued inputs: many ties, which must resolve like the cpu kernel.
      const tied = data(c.x);
      tied.values = tied.values.map((v) => Math.round(v * 2));
      await expectSame(valueAndGrads(op, [tied]), `maxPool ties ${JSON.stringify(c)}`);
    }
  });

  test("GatherV2 and its gradient (UnsortedSegmentSum), any axis", async () => {
    // (tfjs' cpu gradient is O(rows x lookups x width): keep the reference affordable)
    const table = data([120, 64]);
    const idx = ints(1000, 0, 120);
    await expectSame(() => {
      const t = T(table);
      const i = tf.tensor1d(idx, "int32");
      const y = tf.gather(t, i);
      const g = tf.grad((p: Tensor) => tf.sum(tf.mul(tf.gather(p, i), tf.reshape(tf.range(0, 64), [1, 64]))))(t);
      return [y, g];
    }, "embedding gather 120x64 by 1000");
    const x = data([4, 10, 3]);
    for (const axis of [0, 1, 2]) {
      const i = ints(5, 0, x.shape[axis]);
      await expectSame(() => {
        const xt = T(x);
        const it = tf.tensor1d(i, "int32");
        return [tf.gather(xt, it, axis), tf.grad((p: Tensor) => tf.sum(tf.square(tf.gather(p, it, axis))))(xt)];
      }, `gather axis ${axis}`);
    }
    await expectSame(() => tf.gather(T(x), tf.tensor2d([0, 2, 1, 1], [2, 2], "int32")), "gather 2-D indices");
    const iv = ints(12, -5, 5);
    await expectSame(() => tf.gather(tf.tensor2d(iv, [4, 3], "int32"), tf.tensor1d([3, 0], "int32")), "gather int32");
    await tf.setBackend("native");
    expect(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([3], "int32")).dataSync()).toThrow(
      /index value 3 is not in \[0, 2\]/,
    );
  });

  test("UnsortedSegmentSum: out-of-range ids dropped, multi-dim ids", async () => {
    const x = data([50, 7]);
    const ids = ints(50, -1, 11); // -1 and 10 fall outside [0, 10)
    await expectSame(() => tf.unsortedSegmentSum(T(x), tf.tensor1d(ids, "int32"), 10), "segment sum 1-D ids");
    // 2-D ids (tfjs' cpu kernel cannot do them): reference on the flattened rows.
    const x3 = data([4, 5, 3]);
    const ids3 = ints(20, 0, 6);
    const ref = await runOn("cpu", () =>
      tf.unsortedSegmentSum(tf.reshape(T(x3), [20, 3]), tf.tensor1d(ids3, "int32"), 6),
    );
    const nat = await runOn("native", () =>
      tf.unsortedSegmentSum(T(x3), tf.tensor2d(ids3, [4, 5], "int32") as unknown as tf.Tensor1D, 6),
    );
    expectClose(nat, ref, "segment sum 2-D ids");
    const wide = data([300, 600]);
    const wideIds = ints(300, 0, 40);
    await expectSame(() => tf.unsortedSegmentSum(T(wide), tf.tensor1d(wideIds, "int32"), 40), "segment sum wide");
  });

  test("Softmax (last axis), values and gradients", async () => {
    for (const shape of [
      [1, 1],
      [7, 13],
      [300, 517],
      [2, 3, 5],
    ]) {
      await expectSame(
        valueAndGrads((x) => tf.softmax(x), [data(shape, -5, 5)]),
        `softmax ${shape}`,
      );
    }
  });

  test("Sum, Mean, Max, Min over every kind of axis set, with keepDims, and gradients", async () => {
    const x = data([6, 5, 4, 3]);
    const axesList: (number | number[] | undefined)[] = [
      undefined,
      0,
      1,
      3,
      -1,
      [1, 2],
      [0, 2],
      [0, 1, 3],
      [0, 1, 2, 3],
    ];
    for (const axis of axesList) {
      for (const keep of [false, true]) {
        const label = `axis ${JSON.stringify(axis)} keep ${keep}`;
        await expectSame(
          valueAndGrads((t) => tf.sum(t, axis, keep), [x]),
          `sum ${label}`,
        );
        await expectSame(
          valueAndGrads((t) => tf.mean(t, axis, keep), [x]),
          `mean ${label}`,
        );
        await expectSame(
          valueAndGrads((t) => tf.max(t, axis, keep), [x]),
          `max ${label}`,
        );
        await expectSame(
          valueAndGrads((t) => tf.min(t, axis, keep), [x]),
          `min ${label}`,
        );
      }
    }
    const big = data([300, 517]);
    for (const axis of [0, 1, undefined]) {
      await expectSame(
        () => [tf.sum(T(big), axis), tf.max(T(big), axis), tf.mean(T(big), axis)],
        `reduce 300x517 ${axis}`,
      );
    }
    // A batch-length sum with cancellation (a bias gradient over 5760 rows).
    const long = data([5760, 3]);
    await expectSame(() => tf.sum(T(long), 0), "sum over 5760 rows");
    await expectSame(() => tf.max(tf.tensor1d([1, Number.NaN, 3])), "max propagates NaN");
  });

  test("binary ops with broadcasting, values and gradients", async () => {
    const ops: [string, (a: Tensor, b: Tensor) => Tensor][] = [
      ["add", tf.add],
      ["sub", tf.sub],
      ["mul", tf.mul],
      ["div", tf.div],
      ["maximum", tf.maximum],
      ["minimum", tf.minimum],
      ["squaredDifference", tf.squaredDifference],
    ];
    const shapes: [number[], number[]][] = [
      [[7], [7]],
      [
        [300, 517],
        [300, 517],
      ],
      [[300, 517], []],
      [[], [300, 517]],
      [[300, 517], [517]],
      [
        [300, 517],
        [300, 1],
      ],
      [
        [2, 1, 4],
        [3, 1],
      ],
      [[1], [5, 1, 3]],
      [
        [4, 1, 6, 1],
        [1, 5, 1, 7],
      ],
      [[], []],
    ];
    for (const [name, op] of ops) {
      for (const [sa, sb] of shapes) {
        // Keep divisors away from 0 so relative errors stay meaningful.
        const a = data(sa);
        const b = name === "div" ? data(sb, 0.5, 2) : data(sb);
        const label = `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`;
        // tfjs' gradients of maximum/minimum/squaredDifference do not reduce
        // over broadcast dims (they fail on every backend): values only there.
        const gradsOk = ["add", "sub", "mul", "div"].includes(name) || JSON.stringify(sa) === JSON.stringify(sb);
        await expectSame(gradsOk ? valueAndGrads(op, [a, b]) : () => op(T(a), T(b)), label);
      }
    }
    await expectSame(() => tf.div(tf.tensor1d([1, -1, 0]), tf.tensor1d([0, 0, 0])), "division by zero");
    await expectSame(() => tf.maximum(tf.tensor1d([1, Number.NaN, 3]), tf.tensor1d([Number.NaN, 2, 2])), "maximum NaN");
    await expectSame(() => tf.add(tf.tensor1d([1, 2], "int32"), tf.tensor1d([3, 4], "int32")), "int32 add (cpu path)");
  });

  test("unary ops, values and gradients", async () => {
    const ops: [string, (x: Tensor) => Tensor, number, number][] = [
      ["neg", tf.neg, -3, 3],
      ["abs", tf.abs, -3, 3],
      ["exp", tf.exp, -20, 20],
      ["log", tf.log, 0.01, 50],
      ["sqrt", tf.sqrt, 0.01, 50],
      ["rsqrt", tf.rsqrt, 0.01, 50],
      ["square", tf.square, -3, 3],
      ["relu", tf.relu, -3, 3],
      ["relu6", tf.relu6, -9, 9],
      ["sigmoid", tf.sigmoid, -20, 20],
      ["tanh", tf.tanh, -5, 5],
      ["elu", tf.elu, -3, 3],
      ["leakyRelu", (x) => tf.leakyRelu(x, 0.15), -3, 3],
      ["reciprocal", tf.reciprocal, 0.5, 4],
      ["step", (x) => tf.step(x, 0.25), -3, 3],
    ];
    for (const [name, op, lo, hi] of ops) {
      for (const shape of [[1], [33, 7], [300, 517]]) {
        await expectSame(valueAndGrads(op, [data(shape, lo, hi)]), `${name} ${shape}`);
      }
    }
    const special = tf.tensor1d([
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      88,
      -88,
      -104,
      1e-6,
    ]);
    for (const [name, op] of ops) await expectSame(() => op(special.clone()), `${name} special values`);
    special.dispose();
  });

  test("Transpose for float32, int32 and bool", async () => {
    const perms: [number[], number[]][] = [
      [
        [300, 517],
        [1, 0],
      ],
      [
        [1, 5],
        [1, 0],
      ],
      [
        [4, 3, 5],
        [0, 2, 1],
      ],
      [
        [4, 3, 5],
        [2, 0, 1],
      ],
      [
        [4, 3, 5],
        [0, 1, 2],
      ],
      [
        [2, 3, 4, 5],
        [1, 0, 2, 3],
      ],
      [
        [2, 3, 4, 5],
        [3, 2, 1, 0],
      ],
      [
        [2, 1, 4, 1],
        [3, 2, 0, 1],
      ],
      [
        [64, 33, 17],
        [2, 1, 0],
      ],
    ];
    for (const [shape, perm] of perms) {
      const x = data(shape);
      await expectSame(
        valueAndGrads((t) => tf.transpose(t, perm), [x]),
        `transpose ${shape} ${perm}`,
      );
      const n = x.values.length;
      const iv = ints(n, -9, 9);
      const bv = ints(n, 0, 2);
      await expectSame(() => tf.transpose(tf.tensor(iv, shape, "int32"), perm), `transpose int32 ${perm}`);
      await expectSame(() => tf.transpose(tf.tensor(bv, shape, "bool"), perm), `transpose bool ${perm}`);
    }
  });

  test("Slice, Concat and SplitV, values and gradients", async () => {
    const x = data([6, 7, 8]);
    const slices: [number[], number[]][] = [
      [
        [0, 0, 0],
        [6, 7, 8],
      ],
      [
        [2, 0, 0],
        [3, 7, 8],
      ], // contiguous: a view
      [
        [1, 2, 3],
        [4, 4, 4],
      ],
      [
        [0, 0, 5],
        [6, 7, 3],
      ],
      [
        [5, 6, 7],
        [1, 1, 1],
      ],
      [
        [0, 3, 0],
        [6, 0, 8],
      ],
    ];
    for (const [b, s] of slices) {
      await expectSame(
        valueAndGrads((t) => tf.slice(t, b, s), [x]),
        `slice ${b} ${s}`,
      );
    }
    const iv = ints(336, -9, 9);
    await expectSame(() => tf.slice(tf.tensor(iv, [6, 7, 8], "int32"), [1, 2, 3], [2, 3, 4]), "slice int32");
    for (const axis of [0, 1, 2, -1]) {
      const parts = [
        data([6, 7, 8].map((d, i) => (i === (axis + 3) % 3 ? 2 : d))),
        data([6, 7, 8].map((d, i) => (i === (axis + 3) % 3 ? 5 : d))),
        x,
      ];
      await expectSame(
        valueAndGrads((a, b, c) => tf.concat([a, b, c], axis), parts),
        `concat axis ${axis}`,
      );
      const sizes = { 0: [1, 5], 1: [3, 4], 2: [3, 1, 4], [-1]: [6, 2] }[axis] as number[];
      await expectSame(() => tf.split(T(x), sizes, axis), `split axis ${axis}`);
      await expectSame(() => tf.split(T(x), 2, axis === 0 ? 0 : 2), `split in 2 along ${axis === 0 ? 0 : 2}`);
    }
    const l = data([5760, 256]);
    const r = data([5760, 256]);
    await expectSame(
      valueAndGrads((a, b) => tf.concat([a, b], 1), [l, r]),
      "concat two [5760,256] (embedding MLP)",
    );
    await expectSame(() => tf.concat([tf.tensor1d([1, 2], "int32"), tf.tensor1d([3], "int32")]), "concat int32");
    const d23 = data([2, 3]);
    await expectSame(() => tf.concat([tf.zeros([0, 3]), T(d23)], 0), "concat with an empty input");
  });

  test("OneHot, AddN and Cast", async () => {
    await expectSame(() => tf.oneHot(tf.tensor1d([0, 3, 9, -1, 10], "int32"), 10), "oneHot with out-of-range");
    const labels = ints(5760, 0, 120);
    await expectSame(() => tf.oneHot(tf.tensor1d(labels, "int32"), 120, 2, -1), "oneHot 5760x120 on/off");
    await expectSame(
      () => tf.oneHot(tf.tensor2d([1, 0, 2, 1], [2, 2], "int32"), 3, 1, 0, "float32"),
      "oneHot float32 2-D",
    );
    const a = data([33, 17]);
    const b = data([33, 17]);
    const c = data([33, 17]);
    await expectSame(() => tf.addN([T(a), T(b), T(c)]), "addN");
    await expectSame(
      valueAndGrads((t) => tf.add(tf.mul(t, 2), tf.mul(tf.square(t), 3)), [a]),
      "addN in the backward pass",
    );
    await expectSame(() => tf.add(tf.cast(tf.tensor1d([1, 2, 3], "int32"), "float32"), 0.5), "cast int32 -> float32");
    await expectSame(() => tf.mul(tf.cast(tf.tensor1d([1, 0, 1], "bool"), "float32"), 2.5), "cast bool -> float32");
  });

  test("AntilearnAdamW equals the AdamW op chain of src/train/adamw.ts bit for bit", async () => {
    const [p, g, m] = [data([100, 517]), data([100, 517]), data([100, 517], -0.1, 0.1)];
    const v = data([100, 517], 0, 0.01);
    for (const [t, wd] of [
      [1, 0],
      [7, 0.5],
    ]) {
      const lr = 1e-3;
      const b1 = 0.9;
      const b2 = 0.999;
      const eps = 1e-8;
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      // The chain, exactly as src/train/adamw.ts writes it, on the cpu backend.
      const chain = await runOn("cpu", () => {
        const mNew = tf.add(tf.mul(T(m), b1), tf.mul(T(g), 1 - b1));
        const vNew = tf.add(tf.mul(T(v), b2), tf.mul(tf.square(T(g)), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(bc2)), eps);
        const update = tf.mul(tf.div(mNew, denom), lr / bc1);
        const decayed = wd !== 0 ? tf.mul(T(p), 1 - lr * wd) : T(p);
        return [tf.sub(decayed, update), mNew, vNew];
      });
      const fused = await runOn("native", () => {
        const r = fusedAdamW(T(p), T(g), T(m), T(v), {
          beta1: b1,
          beta2: b2,
          eps,
          stepSize: lr / bc1,
          sqrtBiasCorrection2: Math.sqrt(bc2),
          decay: 1 - lr * wd,
        });
        if (!r) throw new Error("no fused AdamW on native");
        return r;
      });
      for (let i = 0; i < 3; i++) {
        const a = fused[i].values;
        const b = chain[i].values;
        let differ = 0;
        for (let j = 0; j < b.length; j++) if (a[j] !== b[j]) differ++;
        expect(differ, `output ${i} at t=${t}: elements that differ`).toBe(0);
      }
    }
    await tf.setBackend("cpu");
    expect(fusedAdamW(tf.ones([2]), tf.ones([2]), tf.ones([2]), tf.ones([2]), {} as never)).toBeNull();
  });

  test("empty tensors", async () => {
    const d34 = data([3, 4]);
    await expectSame(() => tf.matMul(tf.zeros([0, 3]), T(d34)), "matMul [0,3]x[3,4]");
    await expectSame(() => tf.matMul(tf.zeros([2, 0]), tf.zeros([0, 4])), "matMul K = 0");
    await expectSame(() => tf.add(tf.zeros([0, 5]), tf.ones([5])), "add empty");
    await expectSame(() => tf.relu(tf.zeros([0])), "relu empty");
    await expectSame(() => tf.sum(tf.zeros([0, 4]), 1), "sum of empty rows");
  });
});
