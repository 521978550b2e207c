/**
 * The wasm training kernels (src/engine/wasm-kernels/) against the cpu
 * backend: values and gradients on random shapes (edge sizes 1, odd, larger),
 * relative error ≤ 1e-4, and a few training steps of tiny models giving the
 * same losses on both backends.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { type Tensor, tf } from "../../src/engine/tf.js";
import { tuning } from "../../src/engine/wasm-kernels/batch-mat-mul.js";
import { registerWasmTrainingKernels } from "../../src/engine/wasm-kernels/index.js";

const TOL = 1e-4;

interface Result {
  shape: number[];
  values: Float32Array;
}
interface Data {
  shape: number[];
  data: Float32Array;
}

/** Run `f` on `backend` inside a tidy and read its outputs back. */
async function runOn(backend: "cpu" | "wasm", f: () => Tensor | Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const res = out.map((x) => ({ shape: [...x.shape], values: Float32Array.from(x.dataSync()) }));
  tf.dispose(out);
  return res;
}

/** max |a − b| / max(max |b|, 1e-6): the error relative to the reference's magnitude. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d);
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return diff / Math.max(mag, 1e-6);
}

function expectClose(actual: Result[], expected: Result[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(actual[i].shape, `${label}: output ${i} shape`).toEqual(expected[i].shape);
    const e = relError(actual[i].values, expected[i].values);
    expect(e, `${label}: output ${i} relative error`).toBeLessThanOrEqual(TOL);
  }
}

/** Compute `f` on cpu (reference) and on wasm; require the same shapes and values. */
async function expectSameOnBoth(f: () => Tensor | Tensor[], label: string): Promise<Result[]> {
  const cpu = await runOn("cpu", f);
  const wasm = await runOn("wasm", f);
  expectClose(wasm, cpu, label);
  return wasm;
}

const size = (shape: number[]) => shape.reduce((p, s) => p * s, 1);
const normal = (rng: Rng, shape: number[]): Data => ({ shape, data: rng.normalArray(size(shape)) });
const T = (x: Data): Tensor => tf.tensor(x.data, x.shape, "float32");

/** Plain-JS batched matmul with numpy broadcasting of the batch dims (reference where cpu does not broadcast). */
function refMatMul(a: Data, b: Data, tA: boolean, tB: boolean): Result {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  const oa = a.shape.slice(0, -2);
  const ob = b.shape.slice(0, -2);
  const r = Math.max(oa.length, ob.length);
  const pa = [...Array(r - oa.length).fill(1), ...oa];
  const pb = [...Array(r - ob.length).fill(1), ...ob];
  const oo = pa.map((s, i) => Math.max(s, pb[i]));
  const out = new Float32Array(size(oo) * m * n);
  for (let bi = 0; bi < size(oo); bi++) {
    let rem = bi;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = r - 1; d >= 0; d--) {
      const c = rem % oo[d];
      rem = Math.floor(rem / oo[d]);
      if (pa[d] !== 1) ia += c * sa;
      if (pb[d] !== 1) ib += c * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          const av = a.data[ia * m * k + (tA ? q * m + i : i * k + q)];
          const bv = b.data[ib * k * n + (tB ? j * k + q : q * n + j)];
          s += av * bv;
        }
        out[(bi * m + i) * n + j] = s;
      }
  }
  return { shape: [...oo, m, n], values: out };
}

beforeAll(async () => {
  // The integration path: the wasm provider registers the kernels.
  await initBackend("wasm");
});

describe("registration", () => {
  test("adds the missing kernels and replaces the matmuls, idempotently", () => {
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBeDefined();
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
    const bmm = tf.getKernel("BatchMatMul", "wasm")!;
    const fused = tf.getKernel("_FusedMatMul", "wasm")!;
    expect(bmm.setupFunc, "the original setup (binds the wasm export) is kept").toBeDefined();
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc).toBe(bmm.kernelFunc);
    expect(tf.getKernel("_FusedMatMul", "wasm")!.kernelFunc).toBe(fused.kernelFunc);
  });
});

describe("UnsortedSegmentSum", () => {
  const cases: [number, number[], number][] = [
    [1, [1], 1],
    [1, [], 3],
    [7, [3], 5],
    [33, [17], 40],
    [257, [64], 50],
    [12, [3, 5], 4],
  ];
  test.each(cases)("n=%i inner=%j segments=%i, float32", async (n, inner, numSegments) => {
    const rng = new Rng(n * 31 + numSegments);
    const x = normal(rng, [n, ...inner]);
    const ids = Int32Array.from({ length: n }, () => rng.int(numSegments));
    if (n > 4) {
      ids[1] = -1; // dropped
      ids[3] = numSegments; // out of range: dropped
    }
    await expectSameOnBoth(
      () => tf.unsortedSegmentSum(T(x), tf.tensor1d(ids, "int32"), numSegments),
      `segsum ${n} ${inner} ${numSegments}`,
    );
  });

  test("int32 data", async () => {
    const rng = new Rng(5);
    const x = Int32Array.from({ length: 40 * 3 }, () => rng.int(100) - 50);
    const ids = Int32Array.from({ length: 40 }, () => rng.int(9));
    const [w] = await expectSameOnBoth(
      () => tf.unsortedSegmentSum(tf.tensor2d(x, [40, 3], "int32"), tf.tensor1d(ids, "int32"), 9),
      "segsum int32",
    );
    expect(w.shape).toEqual([9, 3]);
  });

  test("rank-2 segment ids (TensorFlow semantics: ids shape prefixes x shape)", async () => {
    const rng = new Rng(9);
    const x = normal(rng, [3, 4, 5]);
    const ids = Int32Array.from({ length: 12 }, () => rng.int(6));
    const expected = new Float32Array(6 * 5);
    for (let i = 0; i < 12; i++) for (let j = 0; j < 5; j++) expected[ids[i] * 5 + j] += x.data[i * 5 + j];
    const [w] = await runOn(
      "wasm",
      () =>
        tf.engine().runKernel(
          "UnsortedSegmentSum",
          { x: T(x), segmentIds: tf.tensor2d(ids, [3, 4], "int32") },
          {
            numSegments: 6,
          },
        ) as Tensor,
    );
    expect(w.shape).toEqual([6, 5]);
    expect(relError(w.values, expected)).toBeLessThanOrEqual(TOL);
  });
});

describe("gather and its gradient (embeddings)", () => {
  const cases: { w: number[]; idx: number[][] | number[]; axis: number }[] = [
    { w: [1, 1], idx: [0], axis: 0 },
    { w: [5, 3], idx: [0, 2, 1, 2, 4, 4], axis: 0 },
    {
      w: [97, 16],
      idx: [
        [3, 96, 3],
        [0, 50, 50],
        [7, 7, 7],
        [1, 2, 3],
        [4, 5, 6],
        [8, 9, 10],
        [11, 12, 13],
        [3, 3, 3],
      ],
      axis: 0,
    },
    { w: [4, 7], idx: [6, 0, 6], axis: 1 },
    {
      w: [2, 5, 3],
      idx: [
        [1, 4],
        [0, 0],
      ],
      axis: 1,
    },
  ];
  test.each(cases)("w=$w axis=$axis", async ({ w, idx, axis }) => {
    const rng = new Rng(size(w));
    const W = normal(rng, w);
    const idxShape = Array.isArray(idx[0]) ? [idx.length, (idx[0] as number[]).length] : [idx.length];
    const outShape = [...w.slice(0, axis), ...idxShape, ...w.slice(axis + 1)];
    const R = normal(rng, outShape);
    await expectSameOnBoth(() => {
      const wt = T(W);
      const it = tf.tensor(idx.flat(), idxShape, "int32");
      const g = tf.grad((v: Tensor) => tf.sum(tf.mul(tf.gather(v, it, axis), T(R))))(wt);
      return [tf.gather(wt, it, axis), g];
    }, `gather ${w} ${axis}`);
  });
});

describe("conv2d gradients (Conv2DBackpropFilter added, Conv2DBackpropInput replaced)", () => {
  type Pad = "valid" | "same" | number;
  const cases: { x: number[]; f: number[]; s: number | [number, number]; pad: Pad }[] = [
    { x: [1, 1, 1, 1], f: [1, 1, 1, 1], s: 1, pad: "valid" },
    { x: [2, 5, 5, 1], f: [3, 3, 1, 4], s: 1, pad: "valid" },
    { x: [3, 7, 6, 2], f: [3, 3, 2, 3], s: 2, pad: "same" },
    { x: [2, 9, 9, 3], f: [3, 2, 3, 5], s: [2, 1], pad: "valid" },
    { x: [1, 6, 6, 2], f: [3, 3, 2, 2], s: 1, pad: 1 },
    { x: [2, 8, 8, 3], f: [5, 5, 3, 2], s: 3, pad: "same" },
    { x: [8, 28, 28, 1], f: [3, 3, 1, 8], s: 1, pad: "valid" },
    { x: [4, 13, 13, 8], f: [3, 3, 8, 16], s: 1, pad: "valid" },
  ];
  test.each(cases)("x=$x f=$f strides=$s pad=$pad", async ({ x, f, s, pad }) => {
    const rng = new Rng(size(x) + size(f));
    const X = normal(rng, x);
    const F = normal(rng, f);
    const y = (xt: Tensor, ft: Tensor) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, s, pad);
    const outShape = (await runOn("cpu", () => y(T(X), T(F))))[0].shape;
    const R = normal(rng, outShape);
    await expectSameOnBoth(() => {
      const [gx, gf] = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(y(a, b), T(R))))([T(X), T(F)]);
      return [y(T(X), T(F)), gx, gf];
    }, `conv2d ${x} ${f} ${s} ${pad}`);
  });

  test("explicit padding, called as a kernel", async () => {
    const rng = new Rng(77);
    const X = normal(rng, [2, 6, 5, 3]);
    const pad = [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ] as tf.backend_util.ExplicitPadding;
    const outShape = (await runOn("cpu", () => tf.conv2d(T(X) as tf.Tensor4D, tf.zeros([3, 2, 3, 4]), 1, pad)))[0]
      .shape;
    const DY = normal(rng, outShape);
    await expectSameOnBoth(
      () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x: T(X), dy: T(DY) }, {
          strides: [1, 1],
          pad,
          dataFormat: "NHWC",
          dimRoundingMode: undefined,
          filterShape: [3, 2, 3, 4],
        } as never) as Tensor,
      "conv2d backprop filter, explicit padding",
    );
    const F = normal(rng, [3, 2, 3, 4]);
    await expectSameOnBoth(
      () =>
        tf.engine().runKernel("Conv2DBackpropInput", { dy: T(DY), filter: T(F) }, {
          strides: [1, 1],
          pad,
          dataFormat: "NHWC",
          dimRoundingMode: undefined,
          inputShape: [2, 6, 5, 3],
        } as never) as Tensor,
      "conv2d backprop input, explicit padding",
    );
  });

  test("conv2dTranspose (Conv2DBackpropInput as an op), strides 2, same", async () => {
    const rng = new Rng(78);
    const DY = normal(rng, [3, 4, 4, 5]);
    const F = normal(rng, [3, 3, 2, 5]);
    await expectSameOnBoth(
      () => tf.conv2dTranspose(T(DY) as tf.Tensor4D, T(F) as tf.Tensor4D, [3, 8, 8, 2], 2, "same"),
      "conv2dTranspose",
    );
  });
});

describe("maxPool gradient (MaxPoolGrad replaced: wasm's drops all-negative windows)", () => {
  const cases: { x: number[]; pad: "valid" | "same" }[] = [
    { x: [1, 2, 2, 1], pad: "valid" },
    { x: [1, 1, 1, 1], pad: "same" },
    { x: [8, 26, 26, 16], pad: "valid" },
    { x: [2, 6, 6, 3], pad: "valid" },
    { x: [3, 7, 7, 4], pad: "valid" },
    { x: [2, 5, 5, 2], pad: "same" },
  ];
  test.each(cases)("x=$x pad=$pad", async ({ x, pad }) => {
    const rng = new Rng(size(x));
    const X = normal(rng, x);
    await expectSameOnBoth(() => {
      const xt = T(X) as tf.Tensor4D;
      const g = tf.grad((v: Tensor) => tf.sum(tf.square(tf.maxPool(v as tf.Tensor4D, 2, 2, pad))))(xt);
      return [tf.maxPool(xt, 2, 2, pad), g];
    }, `maxPool ${x} ${pad}`);
  });
});

describe("BatchMatMul (transposes made explicit, batches on the fast path)", () => {
  const combos: [boolean, boolean][] = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ];
  /** Operand shape for a logical [..., rows, cols] matrix, transposed or not. */
  const opShape = (outer: number[], rows: number, cols: number, tr: boolean) =>
    tr ? [...outer, cols, rows] : [...outer, rows, cols];

  async function checkValuesAndGrads(outerA: number[], outerB: number[], m: number, k: number, n: number) {
    for (const [tA, tB] of combos) {
      const rng = new Rng(m * 1000 + k * 10 + n + (tA ? 1 : 0) + (tB ? 2 : 0));
      const A = normal(rng, opShape(outerA, m, k, tA));
      const B = normal(rng, opShape(outerB, k, n, tB));
      const label = `[${outerA}|${outerB}] ${m}x${k}x${n} tA=${tA} tB=${tB}`;
      const outShape = (await runOn("cpu", () => tf.matMul(T(A), T(B), tA, tB)))[0].shape;
      const R = normal(rng, outShape);
      await expectSameOnBoth(() => {
        const [ga, gb] = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(tf.matMul(a, b, tA, tB), T(R))))([
          T(A),
          T(B),
        ]);
        return [tf.matMul(T(A), T(B), tA, tB), ga, gb];
      }, label);
    }
  }

  const sizes2d: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 1],
    [7, 1, 5],
    [3, 5, 7],
    [33, 17, 65],
    [128, 64, 96],
    [64, 784, 10],
  ];
  test.each(sizes2d)("2-D %ix%ix%i, all four transpose combinations, values and gradients", async (m, k, n) => {
    await checkValuesAndGrads([], [], m, k, n);
  });

  const batched: [number[], number, number, number][] = [
    [[4], 3, 5, 7], // small: original loop
    [[6], 1, 9, 1],
    [[2], 16, 16, 16], // below the per-batch threshold
    [[2], 16, 32, 16], // at it
    [[3], 20, 30, 25], // large: one XNNPACK product per batch element
    [[2, 3], 8, 4, 6], // rank 4, small
    [[2, 3], 20, 19, 23], // rank 4, large
  ];
  test.each(batched)("batched %j %ix%ix%i, all four combinations, values and gradients", async (outer, m, k, n) => {
    expect(tuning.perBatchMinWork).toBe(8192);
    await checkValuesAndGrads(outer, outer, m, k, n);
  });

  test("broadcast batch dims against cpu (one side batch 1)", async () => {
    const cases: [number[], number[], number, number, number][] = [
      [[5], [], 6, 7, 4], // b shared: folded into one 2-D product
      [[5], [1], 20, 30, 25],
      [[], [3], 6, 7, 4], // a shared, small
      [[1], [3], 20, 30, 25], // a shared, large
    ];
    for (const [oa, ob, m, k, n] of cases) {
      for (const [tA, tB] of combos) {
        const rng = new Rng(m + k + n);
        const A = normal(rng, opShape(oa, m, k, tA));
        const B = normal(rng, opShape(ob, k, n, tB));
        await expectSameOnBoth(() => tf.matMul(T(A), T(B), tA, tB), `broadcast [${oa}|${ob}] tA=${tA} tB=${tB}`);
      }
    }
  });

  test("broadcast on both sides (numpy semantics; reference in JS)", async () => {
    for (const [m, k, n] of [
      [3, 4, 5],
      [20, 30, 25],
    ]) {
      for (const [tA, tB] of combos) {
        const rng = new Rng(m * k * n);
        const A = normal(rng, opShape([2, 1], m, k, tA));
        const B = normal(rng, opShape([1, 3], k, n, tB));
        const [w] = await runOn("wasm", () => tf.matMul(T(A), T(B), tA, tB));
        const ref = refMatMul(A, B, tA, tB);
        expect(w.shape).toEqual(ref.shape);
        expect(relError(w.values, ref.values), `${m}x${k}x${n} tA=${tA} tB=${tB}`).toBeLessThanOrEqual(TOL);
      }
    }
  });

  test("the same data as b under two shapes (XNNPACK caches packed weights by tensor id)", async () => {
    const w = Float32Array.from({ length: 24 }, (_, i) => i);
    await expectSameOnBoth(() => {
      const W = tf.tensor2d(w, [6, 4]);
      const first = tf.matMul(tf.ones([2, 6]), W);
      const second = tf.matMul(tf.ones([3, 8]), tf.reshape(W, [8, 3]));
      const fused = tf.fused.matMul({ a: tf.ones([2, 12]), b: tf.reshape(W, [12, 2]), bias: tf.ones([2]) });
      return [first, second, fused, tf.matMul(tf.ones([2, 6]), W)];
    }, "reshaped weights");
  });

  test("empty products", async () => {
    await expectSameOnBoth(() => tf.matMul(tf.zeros([0, 3]), tf.ones([3, 4])), "m = 0");
    await expectSameOnBoth(() => tf.matMul(tf.ones([2, 0]), tf.ones([0, 3])), "k = 0");
    await expectSameOnBoth(() => tf.matMul(tf.ones([2, 0, 3]), tf.ones([2, 3, 4]), false, false), "m = 0 batched");
  });
});

describe("_FusedMatMul", () => {
  const combos: [boolean, boolean][] = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ];
  const cases: [number[], number[], number, number, number][] = [
    [[], [], 1, 1, 1],
    [[], [], 9, 13, 5],
    [[], [], 64, 100, 32],
    [[3], [3], 5, 6, 4], // batched, small
    [[3], [3], 20, 30, 25], // batched, large
  ];
  test.each(cases)("[%j|%j] %ix%ix%i with bias, linear/relu, values and gradients", async (oa, ob, m, k, n) => {
    for (const [tA, tB] of combos) {
      for (const activation of ["linear", "relu"] as const) {
        const rng = new Rng(m * k * n + (tA ? 1 : 0) + (tB ? 2 : 0));
        const A = normal(rng, tA ? [...oa, k, m] : [...oa, m, k]);
        const B = normal(rng, tB ? [...ob, n, k] : [...ob, k, n]);
        const bias = normal(rng, [n]);
        const f = (a: Tensor, b: Tensor, c: Tensor) =>
          tf.fused.matMul({ a, b, bias: c, activation, transposeA: tA, transposeB: tB });
        const outShape = (await runOn("cpu", () => f(T(A), T(B), T(bias))))[0].shape;
        const R = normal(rng, outShape);
        await expectSameOnBoth(() => {
          const gs = tf.grads((a: Tensor, b: Tensor, c: Tensor) => tf.sum(tf.mul(f(a, b, c), T(R))))([
            T(A),
            T(B),
            T(bias),
          ]);
          return [f(T(A), T(B), T(bias)), ...gs];
        }, `fused [${oa}|${ob}] ${m}x${k}x${n} tA=${tA} tB=${tB} ${activation}`);
      }
    }
  });

  test("b shared by the batch (values; tfjs-core has no broadcasting gradient for it)", async () => {
    for (const [tA, tB] of combos) {
      const rng = new Rng(11);
      const A = normal(rng, tA ? [4, 5, 7] : [4, 7, 5]);
      const B = normal(rng, tB ? [1, 3, 5] : [1, 5, 3]);
      const bias = normal(rng, [3]);
      await expectSameOnBoth(
        () => tf.fused.matMul({ a: T(A), b: T(B), bias: T(bias), activation: "relu", transposeA: tA, transposeB: tB }),
        `fused b shared tA=${tA} tB=${tB}`,
      );
    }
  });

  test.each(["relu6", "elu", "sigmoid", "leakyrelu"] as const)(
    "other activations (%s), batched and 2-D",
    async (act) => {
      for (const outer of [[], [2]]) {
        const rng = new Rng(3);
        const A = normal(rng, [...outer, 6, 5]);
        const B = normal(rng, [...outer, 4, 5]);
        const bias = normal(rng, [4]);
        await expectSameOnBoth(
          () =>
            tf.fused.matMul({
              a: tf.mul(T(A), 3),
              b: T(B),
              bias: T(bias),
              activation: act,
              transposeB: true,
              leakyreluAlpha: 0.1,
            }),
          `fused ${act} [${outer}]`,
        );
      }
    },
  );
});

describe("memory", () => {
  test("the kernels release every intermediate", async () => {
    await tf.setBackend("wasm");
    const backend = tf.backend();
    const rng = new Rng(1);
    const [a, b, ab, bb, as, bs] = [
      normal(rng, [20, 30]),
      normal(rng, [30, 25]),
      normal(rng, [3, 20, 30]),
      normal(rng, [3, 30, 25]),
      normal(rng, [4, 3, 5]),
      normal(rng, [4, 5, 2]),
    ].map(T);
    const bT = tf.transpose(b);
    const bbT = tf.transpose(bb, [0, 2, 1]);
    const bias = tf.ones([25]);
    const ids = tf.tensor1d(
      Int32Array.from({ length: 20 }, (_, i) => i % 4),
      "int32",
    );
    const img = tf.ones([2, 6, 6, 2]) as tf.Tensor4D;
    const filt = tf.ones([3, 3, 2, 3]);
    const before = backend.numDataIds();
    const outs = [
      tf.matMul(a, a, true, false),
      tf.matMul(b, b, false, true),
      tf.matMul(a, bT, false, true),
      tf.matMul(bT, b, true, true),
      tf.matMul(ab, bb),
      tf.matMul(ab, bbT, false, true),
      tf.matMul(bs, as, true, true),
      tf.matMul(ab, b),
      tf.fused.matMul({ a: ab, b: bb, bias, activation: "relu" }),
      tf.fused.matMul({ a, b: bT, bias, transposeB: true }),
      tf.unsortedSegmentSum(a, ids, 4),
      tf.grad((f: Tensor) => tf.sum(tf.conv2d(img, f as tf.Tensor4D, 1, "valid")))(filt),
    ];
    for (const o of outs) o.dataSync();
    expect(backend.numDataIds()).toBe(before + outs.length);
    tf.dispose(outs);
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([a, b, ab, bb, as, bs, bT, bbT, bias, ids, img, filt]);
  });
});

describe("training on wasm matches cpu", () => {
  /** AdamW written with elementwise ops (as src/train/adamw.ts does). */
  function adamwStep(params: tf.Variable[], grads: Tensor[], state: { m: tf.Variable[]; v: tf.Variable[]; t: number }) {
    const lr = 0.01;
    const b1 = 0.9;
    const b2 = 0.999;
    const eps = 1e-8;
    const wd = 0.1;
    state.t += 1;
    const bc1 = 1 - b1 ** state.t;
    const bc2 = 1 - b2 ** state.t;
    tf.tidy(() => {
      params.forEach((p, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(state.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(state.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        state.m[i].assign(m);
        state.v[i].assign(v);
        const upd = tf.mul(tf.div(m, tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps)), lr / bc1);
        p.assign(tf.sub(tf.mul(p, 1 - lr * wd), upd));
      });
    });
  }

  /** Train `steps` steps on `backend` from the same seeded start; return the losses. */
  async function train(
    backend: "cpu" | "wasm",
    init: Data[],
    loss: (params: tf.Variable[]) => tf.Scalar,
    steps: number,
  ): Promise<number[]> {
    await tf.setBackend(backend);
    const params = init.map((d) => tf.variable(T(d)));
    const state = {
      m: params.map((p) => tf.variable(tf.zerosLike(p), false)),
      v: params.map((p) => tf.variable(tf.zerosLike(p), false)),
      t: 0,
    };
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      const { value, grads } = tf.variableGrads(() => loss(params), params);
      losses.push(value.dataSync()[0]);
      adamwStep(
        params,
        params.map((p) => grads[p.name]),
        state,
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    tf.dispose([...params, ...state.m, ...state.v]);
    return losses;
  }

  async function expectSameLosses(init: Data[], loss: (p: tf.Variable[]) => tf.Scalar, steps: number, label: string) {
    const cpu = await train("cpu", init, loss, steps);
    const wasm = await train("wasm", init, loss, steps);
    expect(cpu[steps - 1]).toBeLessThan(cpu[0]); // it trains
    for (let s = 0; s < steps; s++) {
      const e = Math.abs(wasm[s] - cpu[s]) / Math.abs(cpu[s]);
      expect(e, `${label} step ${s}: wasm ${wasm[s]} cpu ${cpu[s]}`).toBeLessThanOrEqual(TOL);
    }
  }

  const ce = (logits: Tensor, labels: Int32Array, classes: number) =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, "int32"), classes), logits) as tf.Scalar;

  test("embedding MLP (gather, concat, matMul, relu, softmax cross-entropy, AdamW)", async () => {
    const rng = new Rng(42);
    const vocab = 13;
    const d = 8;
    const hidden = 32;
    const batch = 24;
    const ta = Int32Array.from({ length: batch }, () => rng.int(vocab));
    const tb = Int32Array.from({ length: batch }, () => rng.int(vocab));
    const labels = Int32Array.from({ length: batch }, (_, i) => (ta[i] + tb[i]) % vocab);
    const init = [
      { shape: [vocab, d], data: rng.normalArray(vocab * d, 0.5) },
      { shape: [2 * d, hidden], data: rng.normalArray(2 * d * hidden, 0.3) },
      { shape: [hidden], data: new Float32Array(hidden) },
      { shape: [hidden, vocab], data: rng.normalArray(hidden * vocab, 0.3) },
    ];
    const loss = ([E, W1, b1, W2]: tf.Variable[]) => {
      const x = tf.concat([tf.gather(E, tf.tensor1d(ta, "int32")), tf.gather(E, tf.tensor1d(tb, "int32"))], 1);
      const h = tf.relu(tf.add(tf.matMul(x, W1), b1));
      return ce(tf.matMul(h, W2), labels, vocab);
    };
    await expectSameLosses(init, loss, 6, "embed-mlp");
  });

  test("CNN (conv2d 3×3 valid, relu, maxPool 2, dense)", async () => {
    const rng = new Rng(7);
    const batch = 6;
    const classes = 3;
    const xs = normal(rng, [batch, 10, 10, 1]);
    const labels = Int32Array.from({ length: batch }, () => rng.int(classes));
    const init = [
      { shape: [3, 3, 1, 4], data: rng.normalArray(36, 0.4) },
      { shape: [4], data: new Float32Array(4) },
      { shape: [4 * 4 * 4, classes], data: rng.normalArray(64 * classes, 0.2) },
    ];
    const loss = ([K, kb, W]: tf.Variable[]) => {
      const c = tf.relu(tf.add(tf.conv2d(T(xs) as tf.Tensor4D, K as tf.Variable<tf.Rank.R4>, 1, "valid"), kb));
      const p = tf.maxPool(c as tf.Tensor4D, 2, 2, "valid");
      return ce(tf.matMul(tf.reshape(p, [batch, 64]), W), labels, classes);
    };
    await expectSameLosses(init, loss, 4, "cnn");
  });

  test("1-layer transformer (embeddings, causal attention with batched matmuls, MLP)", async () => {
    const rng = new Rng(3);
    const vocab = 11;
    const B = 2;
    const Tn = 16;
    const d = 64;
    const H = 2;
    const dh = d / H; // Tn·dh·Tn = 8192: the per-batch fast path
    const tokens = Int32Array.from({ length: B * Tn }, () => rng.int(vocab));
    const labels = Int32Array.from({ length: B * Tn }, (_, i) => tokens[(i + 1) % (B * Tn)]);
    const mask = new Float32Array(Tn * Tn);
    for (let i = 0; i < Tn; i++) for (let j = i + 1; j < Tn; j++) mask[i * Tn + j] = -1e9;
    const w = (r: number, c: number) => ({ shape: [r, c], data: rng.normalArray(r * c, 1 / Math.sqrt(r)) });
    const init = [w(vocab, d), w(Tn, d), w(d, d), w(d, d), w(d, d), w(d, d), w(d, 4 * d), w(4 * d, d), w(d, vocab)];
    const loss = ([E, P, Wq, Wk, Wv, Wo, W1, W2, U]: tf.Variable[]) => {
      const x = tf.add(tf.reshape(tf.gather(E, tf.tensor1d(tokens, "int32")), [B, Tn, d]), P);
      const x2 = tf.reshape(x, [B * Tn, d]);
      const heads = (W: Tensor) => tf.transpose(tf.reshape(tf.matMul(x2, W), [B, Tn, H, dh]), [0, 2, 1, 3]);
      const scores = tf.add(
        tf.div(tf.matMul(heads(Wq), heads(Wk), false, true), Math.sqrt(dh)),
        tf.tensor2d(mask, [Tn, Tn]),
      );
      const att = tf.matMul(tf.softmax(scores), heads(Wv));
      const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B * Tn, d]);
      const r = tf.add(x2, tf.matMul(merged, Wo));
      const h = tf.add(r, tf.matMul(tf.relu(tf.matMul(r, W1)), W2));
      return ce(tf.matMul(h, U), labels, vocab);
    };
    await expectSameLosses(init, loss, 4, "transformer");
  });
});

describe("GatherV2", () => {
  const cases: [number, number[], number[]][] = [
    [1, [1], [1]],
    [5, [], [7]],
    [120, [256], [33]],
    [17, [3, 5], [4, 6]],
    [9, [31], [0]],
  ];
  test.each(cases)("rows=%i inner=%j indices=%j, float32, with its gradient", async (rows, inner, idxShape) => {
    const rng = new Rng(rows * 7 + inner.length);
    const x = normal(rng, [rows, ...inner]);
    const n = idxShape.reduce((a, b) => a * b, 1);
    const ids = Int32Array.from({ length: n }, () => rng.int(rows));
    await expectSameOnBoth(() => tf.gather(T(x), tf.tensor(ids, idxShape, "int32")), `gather ${rows} ${inner}`);
    // The embedding gradient: gather forward, UnsortedSegmentSum backward.
    await expectSameOnBoth(() => {
      const g = tf.grad((t: Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor(ids, idxShape, "int32")), 1.5)));
      return g(T(x));
    }, `gather grad ${rows} ${inner}`);
  });

  test("int32 data, and the other axes through the original kernel", async () => {
    const rng = new Rng(3);
    const xi = Int32Array.from({ length: 6 * 4 }, () => rng.int(100));
    await expectSameOnBoth(
      () => tf.cast(tf.gather(tf.tensor2d(xi, [6, 4], "int32"), tf.tensor1d([5, 0, 5, 2], "int32")), "float32"),
      "gather int32",
    );
    const x = normal(rng, [4, 6, 3]);
    await expectSameOnBoth(() => tf.gather(T(x), tf.tensor1d([5, 0, 2], "int32"), 1), "gather axis 1");
    await expectSameOnBoth(() => tf.gather(T(x), tf.tensor1d([2, 0], "int32"), -1), "gather axis -1");
  });

  test("an out-of-range index is an error that names it", async () => {
    await tf.setBackend("wasm");
    expect(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([0, 3], "int32"))).toThrow(
      /index 3 at position 1 is outside \[0, 3\)/,
    );
  });
});

describe("SplitV", () => {
  const cases: [number[], number, number | number[]][] = [
    [[1, 1], 1, 1],
    [[6, 512], 1, [256, 256]],
    [[5, 7, 3], 1, [2, -1, 4]],
    [[9, 4], 0, 3],
    [[2, 3, 10], -1, [1, 0, 9]],
  ];
  test.each(cases)("shape %j axis %i splits %j, values and the concat gradient", async (shape, axis, splits) => {
    const rng = new Rng(shape.reduce((a, b) => a * 10 + b, 0));
    const x = normal(rng, shape);
    await expectSameOnBoth(() => tf.split(T(x), splits, axis), `split ${shape} ${axis} ${splits}`);
    const parts = tf.tidy(() => tf.split(T(x), splits, axis).map((p) => p.shape));
    const ws = parts.map((s, i) => normal(new Rng(i + 1), s as number[]));
    // The gradient of concat is a SplitV of the upstream gradient (here x itself).
    await expectSameOnBoth(() => {
      const g = tf.grads((...ts: Tensor[]) => tf.sum(tf.mul(tf.concat(ts, axis), T(x))));
      return g(ws.map(T));
    }, `concat grad ${shape}`);
  });

  test("sizes that do not add up are a named error", async () => {
    await tf.setBackend("wasm");
    expect(() => tf.split(tf.ones([2, 5]), [2, 2], 1)).toThrow(/add up|sum/);
  });
});
