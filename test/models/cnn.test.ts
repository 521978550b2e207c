import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { tf } from "../../src/engine/tf.js";
import type { CnnConfig } from "../../src/models/cnn.js";
import { cnnSpatialSizes } from "../../src/models/cnn.js";
import { models, runWithCache, withCache } from "../../src/models/index.js";
import type { InputSpec, Model } from "../../src/models/types.js";
import { AdamW } from "../../src/train/adamw.js";
import { crossEntropy } from "../../src/train/loss.js";
import { optimizerStep } from "../../src/train/optimizer.js";
import { fastBackend } from "../helpers.js";

const entry = models.get("cnn");
const config = (c: Partial<CnnConfig> = {}) => entry.configSchema.parse(c) as CnnConfig;
type ImageSpec = Extract<InputSpec, { kind: "image" }>;
const image = (h: number, w: number, c: number): ImageSpec => ({ kind: "image", height: h, width: w, channels: c });
const make = (seed: number, input: InputSpec = image(28, 28, 1), c: Partial<CnnConfig> = {}, numClasses = 10) =>
  entry.create({ input, numClasses, config: config(c), rng: new Rng(seed) });
const values = (t: tf.Tensor) => Array.from(t.dataSync());

/** Seeded uniform images [n, h, w, c]. */
function images(n: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).uniformArray(n * h * w * c), [n, h, w, c]);
}

/**
 * The CNN in plain loops (float64): 'valid' conv + bias + ReLU, 2×2 max-pool,
 * flatten (HWC), dense + ReLU, dense. Returns logits [n][classes] and the
 * flattened features after the conv stack [n][flat].
 */
function reference(m: Model, channels: number[], k: number, xs: number[], shape: number[]) {
  const P = Object.fromEntries(Object.entries(m.params).map(([n, v]) => [n, values(v)]));
  const [N, H0, W0, C0] = shape;
  const logits: number[][] = [];
  const feats: number[][] = [];
  for (let n = 0; n < N; n++) {
    let h = H0;
    let w = W0;
    let c = C0;
    let a = xs.slice(n * H0 * W0 * C0, (n + 1) * H0 * W0 * C0); // HWC
    channels.forEach((co, i) => {
      const Wc = P[`conv.${i}.W`]; // [k, k, c, co]
      const ho = h - k + 1;
      const wo = w - k + 1;
      const conv = new Array(ho * wo * co).fill(0);
      for (let y = 0; y < ho; y++)
        for (let x = 0; x < wo; x++)
          for (let o = 0; o < co; o++) {
            let s = P[`conv.${i}.b`][o];
            for (let dy = 0; dy < k; dy++)
              for (let dx = 0; dx < k; dx++)
                for (let ci = 0; ci < c; ci++)
                  s += a[((y + dy) * w + (x + dx)) * c + ci] * Wc[((dy * k + dx) * c + ci) * co + o];
            conv[(y * wo + x) * co + o] = Math.max(0, s);
          }
      const hp = Math.floor(ho / 2);
      const wp = Math.floor(wo / 2);
      const pool = new Array(hp * wp * co).fill(0);
      for (let y = 0; y < hp; y++)
        for (let x = 0; x < wp; x++)
          for (let o = 0; o < co; o++) {
            let mx = Number.NEGATIVE_INFINITY;
            for (let dy = 0; dy < 2; dy++)
              for (let dx = 0; dx < 2; dx++) mx = Math.max(mx, conv[((2 * y + dy) * wo + (2 * x + dx)) * co + o]);
            pool[(y * wp + x) * co + o] = mx;
          }
      a = pool;
      h = hp;
      w = wp;
      c = co;
    });
    feats.push(a);
    const dD = m.params["dense.0.b"].shape[0];
    const nC = m.params["unembed.b"].shape[0];
    const hid = Array.from({ length: dD }, (_, j) =>
      Math.max(
        0,
        a.reduce((s, ai, i) => s + ai * P["dense.0.W"][i * dD + j], P["dense.0.b"][j]),
      ),
    );
    logits.push(
      Array.from({ length: nC }, (_, j) =>
        hid.reduce((s, hi, i) => s + hi * P["unembed.W"][i * nC + j], P["unembed.b"][j]),
      ),
    );
  }
  return { logits, feats };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tol);
}

describe("cnn", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("is the mnist-cnn workload by default: 28 → 26 → 13 → 11 → 5, 5·5·64 = 1,600 features, He init", () => {
    expect(cnnSpatialSizes(28, 3, 2)).toEqual([13, 5]);
    const m = make(0);
    const shapes = Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      "conv.0.W": [3, 3, 1, 32],
      "conv.0.b": [32],
      "conv.1.W": [3, 3, 32, 64],
      "conv.1.b": [64],
      "dense.0.W": [1600, 128],
      "dense.0.b": [128],
      "unembed.W": [128, 10],
      "unembed.b": [10],
    });
    const v = values(m.params["conv.1.W"]); // 18,432 draws of N(0, 2/288)
    expect(Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length)).toBeCloseTo(Math.sqrt(2 / 288), 2);
    expect(m.embedParams).toEqual(["conv.0.W", "conv.0.b", "unembed.W", "unembed.b"]);
    expect(m.dHidden).toBe(128);
    m.dispose();
  });

  it("emits its hooks with their shapes on 28×28×1 and on 32×32×3 (6·6·64 = 2,304 features)", () => {
    for (const [input, side, flat] of [
      [image(28, 28, 1), 5, 1600],
      [image(32, 32, 3), 6, 2304],
    ] as const) {
      const m = make(1, input);
      expect(m.params["dense.0.W"].shape).toEqual([flat, 128]);
      const x = images(3, input.height, input.width, input.channels, 1);
      withCache(m, x, "all", (out, cache) => {
        expect(Object.keys(cache)).toEqual([
          "conv.0.hook_post",
          "conv.1.hook_post",
          "dense.0.hook_post",
          "hook_logits",
        ]);
        expect(cache["conv.0.hook_post"].shape).toEqual([3, (input.height - 2) / 2, (input.width - 2) / 2, 32]);
        expect(cache["conv.1.hook_post"].shape).toEqual([3, side, side, 64]);
        expect(cache["dense.0.hook_post"].shape).toEqual([3, 128]);
        expect(out.shape).toEqual([3, 10]);
        expect(values(cache.hook_logits)).toEqual(values(out));
        expect(values(cache["dense.0.hook_post"]).every((a) => a >= 0)).toBe(true); // after ReLU
      });
      expect(m.hookPoints.map((h) => h.name)).toEqual([
        "conv.0.hook_post",
        "conv.1.hook_post",
        "dense.0.hook_post",
        "hook_logits",
      ]);
      x.dispose();
      m.dispose();
    }
  });

  it("equals a plain-loop reimplementation (conv, bias, ReLU, pool, dense), odd sizes included", () => {
    const channels = [3, 2];
    const m = make(2, image(11, 12, 2), { channels, kernel: 2, dDense: 4 }, 3);
    const rng = new Rng(42);
    for (const [name, p] of Object.entries(m.params)) {
      if (name.endsWith(".b")) p.assign(tf.tensor(rng.normalArray(p.size, 0.2), p.shape));
    }
    const shape = [2, 11, 12, 2];
    const xs = Array.from(new Rng(3).normalArray(2 * 11 * 12 * 2));
    const x = tf.tensor4d(xs, shape as [number, number, number, number]);
    const ref = reference(m, channels, 2, xs, shape);
    withCache(m, x, "all", (out, cache) => {
      // 11 → 10 → 5 → 4 → 2 and 12 → 11 → 5 → 4 → 2
      expect(cache["conv.1.hook_post"].shape).toEqual([2, 2, 2, 2]);
      expectClose(cache["conv.1.hook_post"].dataSync(), ref.feats.flat(), 1e-5);
      expectClose(out.dataSync(), ref.logits.flat(), 1e-5);
    });
    const plain = m.forward(x);
    expectClose(plain.dataSync(), ref.logits.flat(), 1e-5);
    tf.dispose([plain, x]);
    m.dispose();
  });

  it("runWithCache and forward free everything they make", () => {
    const m = make(3);
    const x = images(2, 28, 28, 1, 3);
    const before = tf.memory().numTensors;
    const c = runWithCache(m, x, "all");
    expect(tf.memory().numTensors).toBe(before + 1 + m.hookPoints.length);
    c.dispose();
    tf.dispose(m.forward(x));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it("is initialised identically from the same seed and differently from another", () => {
    const small = { channels: [8, 8], dDense: 16 };
    const [a, b, c] = [7, 7, 8].map((seed) => make(seed, image(28, 28, 1), small));
    for (const name of Object.keys(a.params)) expect(values(a.params[name])).toEqual(values(b.params[name]));
    expect(values(a.params["conv.0.W"])).not.toEqual(values(c.params["conv.0.W"]));
    for (const m of [a, b, c]) m.dispose();
  });

  it("learns which half of a 12×12 image holds a bright blob", () => {
    const n = 64;
    const rng = new Rng(5);
    const xs = new Float32Array(n * 144);
    const ys = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ys[i] = i % 2;
      const cx = ys[i] === 0 ? 1 + rng.int(4) : 7 + rng.int(4);
      const cy = 1 + rng.int(10);
      for (let p = 0; p < 144; p++) xs[i * 144 + p] = 0.1 * rng.uniform();
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) xs[i * 144 + (cy + dy) * 12 + cx + dx] = 1;
    }
    const x = tf.tensor4d(xs, [n, 12, 12, 1]);
    const y = tf.tensor1d(ys, "int32");
    const m = make(5, image(12, 12, 1), { channels: [4, 8], dDense: 16 }, 2);
    const opt = new AdamW(m.params, { lr: 1e-2 });
    const losses: number[] = [];
    for (let s = 0; s < 40; s++) losses.push(optimizerStep(opt, m.params, () => crossEntropy(m.forward(x), y)));
    expect(losses[39]).toBeLessThan(0.3 * losses[0]);
    opt.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });

  it("refuses token inputs and images too small for the stack, saying why", () => {
    expect(() => make(0, { kind: "tokens", vocab: 10, length: 2 } as InputSpec)).toThrow(/cnn needs image inputs/);
    expect(() => make(0, image(8, 8, 1))).toThrow(/8×8 image is too small for 2 stages of 3×3 conv/);
  });
});
