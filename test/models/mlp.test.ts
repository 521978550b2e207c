import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { tf } from "../../src/engine/tf.js";
import { models, runWithCache, withCache } from "../../src/models/index.js";
import type { MlpConfig } from "../../src/models/mlp.js";
import type { InputSpec } from "../../src/models/types.js";
import { AdamW } from "../../src/train/adamw.js";
import { crossEntropy } from "../../src/train/loss.js";
import { optimizerStep } from "../../src/train/optimizer.js";
import { fastBackend } from "../helpers.js";

const entry = models.get("mlp");
const config = (c: Partial<MlpConfig> = {}) => entry.configSchema.parse(c) as MlpConfig;
const mnist: InputSpec = { kind: "image", height: 28, width: 28, channels: 1 };
const make = (seed: number, input: InputSpec = mnist, c: Partial<MlpConfig> = {}, numClasses = 10) =>
  entry.create({ input, numClasses, config: config(c), rng: new Rng(seed) });
const values = (t: tf.Tensor) => Array.from(t.dataSync());

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tol);
}

describe("mlp", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("is 784-256-256-10 with biases by default, He init on hidden layers, LeCun on the output", () => {
    const m = make(0);
    const shapes = Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      "layers.0.W": [784, 256],
      "layers.0.b": [256],
      "layers.1.W": [256, 256],
      "layers.1.b": [256],
      "unembed.W": [256, 10],
      "unembed.b": [10],
    });
    const std = (n: string) => {
      const v = values(m.params[n]);
      return Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
    };
    expect(std("layers.0.W")).toBeCloseTo(Math.sqrt(2 / 784), 3);
    expect(std("layers.1.W")).toBeCloseTo(Math.sqrt(2 / 256), 2);
    expect(std("unembed.W")).toBeCloseTo(Math.sqrt(1 / 256), 2);
    expect(m.embedParams).toEqual(["layers.0.W", "layers.0.b", "unembed.W", "unembed.b"]);
    expect(m.dHidden).toBe(256);
    expect(m.hookPoints.map((h) => h.name)).toEqual([
      "layers.0.hook_pre",
      "layers.0.hook_post",
      "layers.1.hook_pre",
      "layers.1.hook_post",
      "hook_logits",
    ]);
    m.dispose();
  });

  it("equals manual matmuls (plain loops) on flattened images, every hook included", () => {
    const m = make(1, { kind: "image", height: 3, width: 2, channels: 2 }, { hidden: [5, 4] }, 3);
    const rng = new Rng(11);
    for (const [name, p] of Object.entries(m.params)) {
      if (name.endsWith(".b")) p.assign(tf.tensor(rng.normalArray(p.size, 0.5), p.shape));
    }
    const P = Object.fromEntries(Object.entries(m.params).map(([n, v]) => [n, values(v)]));
    const xs = Array.from(new Rng(12).normalArray(4 * 12));
    const x = tf.tensor4d(xs, [4, 3, 2, 2]);
    // expected activations, row by row: HWC flattening is row-major order
    const affine = (a: number[], W: number[], b: number[]) =>
      b.map((bj, j) => a.reduce((s, ai, i) => s + ai * W[i * b.length + j], bj));
    const names = ["layers.0.hook_pre", "layers.0.hook_post", "layers.1.hook_pre", "layers.1.hook_post", "hook_logits"];
    const exp: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let n = 0; n < 4; n++) {
      let a = xs.slice(n * 12, (n + 1) * 12);
      for (const i of [0, 1]) {
        const pre = affine(a, P[`layers.${i}.W`], P[`layers.${i}.b`]);
        a = pre.map((p) => Math.max(0, p));
        exp[`layers.${i}.hook_pre`].push(...pre);
        exp[`layers.${i}.hook_post`].push(...a);
      }
      exp.hook_logits.push(...affine(a, P["unembed.W"], P["unembed.b"]));
    }
    withCache(m, x, "all", (out, cache) => {
      expect(cache["layers.0.hook_pre"].shape).toEqual([4, 5]);
      expect(cache["layers.1.hook_post"].shape).toEqual([4, 4]);
      expect(out.shape).toEqual([4, 3]);
      for (const [name, e] of Object.entries(exp)) expectClose(cache[name].dataSync(), e, 1e-5);
    });
    const plain = m.forward(x);
    expectClose(plain.dataSync(), exp.hook_logits, 1e-5);
    tf.dispose([plain, x]);
    m.dispose();
  });

  it("takes vector inputs, and with hidden [] is a linear (softmax-regression) model", () => {
    const m = make(2, { kind: "vector", dim: 3 }, { hidden: [] }, 2);
    expect(Object.keys(m.params)).toEqual(["unembed.W", "unembed.b"]);
    expect(m.embedParams).toEqual(["unembed.W", "unembed.b"]);
    expect(m.dHidden).toBe(3);
    const W = values(m.params["unembed.W"]);
    const x = tf.tensor2d([1, 2, 3], [1, 3]);
    const out = m.forward(x);
    expectClose(out.dataSync(), [W[0] + 2 * W[2] + 3 * W[4], W[1] + 2 * W[3] + 3 * W[5]], 1e-6);
    tf.dispose([out, x]);
    m.dispose();
  });

  it("runWithCache and forward free everything they make", () => {
    const m = make(3);
    const x = tf.tensor4d(new Rng(3).uniformArray(2 * 784), [2, 28, 28, 1]);
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
    const small = { hidden: [16, 16] };
    const [a, b, c] = [7, 7, 8].map((seed) => make(seed, mnist, small));
    for (const name of Object.keys(a.params)) expect(values(a.params[name])).toEqual(values(b.params[name]));
    expect(values(a.params["layers.0.W"])).not.toEqual(values(c.params["layers.0.W"]));
    for (const m of [a, b, c]) m.dispose();
  });

  it("learns a nonlinear (XOR-of-signs) problem", () => {
    const n = 128;
    const rng = new Rng(4);
    const xs = rng.uniformArray(n * 2, -1, 1);
    const ys = new Int32Array(n);
    for (let i = 0; i < n; i++) ys[i] = xs[2 * i] * xs[2 * i + 1] > 0 ? 1 : 0;
    const x = tf.tensor2d(xs, [n, 2]);
    const y = tf.tensor1d(ys, "int32");
    const m = make(4, { kind: "vector", dim: 2 }, { hidden: [32, 32] }, 2);
    const opt = new AdamW(m.params, { lr: 1e-2 });
    const losses: number[] = [];
    for (let s = 0; s < 100; s++) losses.push(optimizerStep(opt, m.params, () => crossEntropy(m.forward(x), y)));
    expect(losses[0]).toBeGreaterThan(0.5); // ≈ ln 2 at init
    expect(losses[99]).toBeLessThan(0.35 * losses[0]);
    opt.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });

  it("refuses token inputs, pointing at the token models", () => {
    expect(() => make(0, { kind: "tokens", vocab: 10, length: 2 })).toThrow(
      /mlp needs image or vector inputs.*embed-mlp or transformer/,
    );
  });
});
