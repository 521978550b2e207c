import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import type { Tensor } from "../../src/engine/tf.js";
import { tf } from "../../src/engine/tf.js";
import { copyModel } from "../../src/eval/relearn.js";
import {
  type ActivationEdit,
  affineEdit,
  clearEdits,
  getEdits,
  models,
  multiplyEdit,
  removeEdit,
  runWithCache,
  setEdit,
} from "../../src/models/index.js";
import type { InputSpec, Model } from "../../src/models/types.js";
import { ConfigError } from "../../src/util/errors.js";
import { fastBackend } from "../helpers.js";

/** Tiny versions of the four architectures, each with an input batch and its last hidden hook. */
interface Case {
  arch: string;
  input: InputSpec;
  numClasses: number;
  config: Record<string, unknown>;
  hidden: string;
  /** Units of the hidden hook's last axis, and its features per example. */
  units: number;
  features: number;
  batch(): Tensor;
}

const rows = 6;
const CASES: Case[] = [
  {
    arch: "embed-mlp",
    input: { kind: "tokens", vocab: 10, length: 2 },
    numClasses: 10,
    config: { dEmbed: 8, dHidden: 16 },
    hidden: "layers.0.hook_post",
    units: 16,
    features: 16,
    batch: () =>
      tf.tensor2d(
        Int32Array.from({ length: rows * 2 }, (_, i) => (i * 7) % 10),
        [rows, 2],
        "int32",
      ),
  },
  {
    arch: "transformer",
    input: { kind: "tokens", vocab: 10, length: 3 },
    numClasses: 10,
    config: { dModel: 16, nHeads: 2, dHead: 8, dMlp: 32 },
    hidden: "blocks.0.hook_resid_post",
    units: 16,
    features: 48,
    batch: () =>
      tf.tensor2d(
        Int32Array.from({ length: rows * 3 }, (_, i) => (i * 3) % 10),
        [rows, 3],
        "int32",
      ),
  },
  {
    arch: "cnn",
    input: { kind: "image", height: 12, width: 12, channels: 1 },
    numClasses: 5,
    config: { channels: [4], kernel: 3, dDense: 16 },
    hidden: "dense.0.hook_post",
    units: 16,
    features: 16,
    batch: () => tf.tensor4d(new Rng(5).normalArray(rows * 144, 1), [rows, 12, 12, 1]),
  },
  {
    arch: "mlp",
    input: { kind: "vector", dim: 12 },
    numClasses: 5,
    config: { hidden: [16] },
    hidden: "layers.0.hook_post",
    units: 16,
    features: 16,
    batch: () => tf.tensor2d(new Rng(6).normalArray(rows * 12, 1), [rows, 12]),
  },
];

const build = (c: Case, seed = 0): Model => {
  const entry = models.get(c.arch);
  return entry.create({
    input: c.input,
    numClasses: c.numClasses,
    config: entry.configSchema.parse(c.config),
    rng: new Rng(seed),
  });
};

const values = (t: Tensor) => Array.from(t.dataSync());
const maxAbsDiff = (a: Tensor, b: Tensor) => {
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
};
const identity = (d: number) => Float32Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));

describe("hooks may replace activations; persistent edits", () => {
  let start = 0;
  beforeAll(async () => {
    await fastBackend();
    start = tf.memory().numTensors;
  });
  afterAll(() => {
    // Every model, edit and cache made below has been freed.
    expect(tf.memory().numTensors).toBe(start);
  });

  for (const c of CASES) {
    describe(c.arch, () => {
      it("a hook's returned tensor replaces the activation at every hook point; returning nothing changes nothing", () => {
        const m = build(c);
        const x = c.batch();
        const before = tf.memory().numTensors;
        const plain = m.forward(x);
        const readOnly = m.forward(x, () => {});
        // The hooked path (every position for the transformer) agrees with the plain one up to rounding.
        expect(maxAbsDiff(readOnly, plain)).toBeLessThan(1e-5);
        for (const { name } of m.hookPoints) {
          const seen: Record<string, Tensor> = {};
          const out = tf.tidy(() =>
            m.forward(x, (n, a) => {
              // 1.5·a + 0.25 changes every activation, attention scores included (softmax is not scale-invariant).
              if (n === name) return tf.add(tf.mul(a, 1.5), 0.25);
              if (n === "hook_logits") seen.logits = tf.keep(tf.clone(a));
            }),
          );
          expect(maxAbsDiff(out, plain), `replacing ${name}`).toBeGreaterThan(1e-4);
          // A later hook sees the downstream effect of the replacement, and the returned logits are what it saw.
          if (name !== "hook_logits") expect(maxAbsDiff(seen.logits, out)).toBe(0);
          tf.dispose(seen.logits ? [out, seen.logits] : [out]);
        }
        tf.dispose([plain, readOnly]);
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
        m.dispose();
      });

      it("a replacement of the wrong shape is refused with the hook's name", () => {
        const m = build(c);
        const x = c.batch();
        expect(() => tf.tidy(() => m.forward(x, (n, a) => (n === c.hidden ? tf.reshape(a, [-1]) : undefined)))).toThrow(
          new RegExp(`hook '${c.hidden.replace(/\./g, "\\.")}'.*shape \\[\\d+\\], the activation \\[`),
        );
        x.dispose();
        m.dispose();
      });

      it("an identity edit leaves the logits unchanged; clearing it restores the plain path exactly", () => {
        const m = build(c);
        const x = c.batch();
        const plain = m.forward(x);
        setEdit(m, c.hidden, affineEdit(identity(c.features), undefined, c.features, "identity"));
        const edited = m.forward(x);
        expect(maxAbsDiff(edited, plain)).toBeLessThan(1e-5);
        setEdit(m, c.hidden, multiplyEdit(new Float32Array(c.units).fill(1), [c.units], "ones"));
        const ones = m.forward(x);
        expect(maxAbsDiff(ones, plain)).toBeLessThan(1e-5);
        clearEdits(m);
        const again = m.forward(x);
        expect(values(again)).toEqual(values(plain));
        tf.dispose([plain, edited, ones, again, x]);
        m.dispose();
      });

      it("an edit changes the logits, is seen by runWithCache, and carries gradients through it", () => {
        const m = build(c);
        const x = c.batch();
        const plainCache = runWithCache(m, x, [c.hidden]);
        // Halve the first half of the units, keep the rest.
        const f = Float32Array.from({ length: c.units }, (_, i) => (i < c.units / 2 ? 0.5 : 1));
        setEdit(m, c.hidden, multiplyEdit(f, [c.units], "halve the first half"));
        const edited = runWithCache(m, x, [c.hidden]);
        expect(maxAbsDiff(edited.output, plainCache.output)).toBeGreaterThan(1e-4);
        const expected = tf.tidy(() => tf.mul(plainCache.cache[c.hidden], tf.tensor1d(f)));
        expect(maxAbsDiff(edited.cache[c.hidden], expected)).toBeLessThan(1e-6);
        // Training sees the edited model: the gradient flows through the edit into every parameter upstream.
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.forward(x))) as tf.Scalar);
        for (const [k, g] of Object.entries(grads)) expect(Math.max(...values(g).map(Math.abs)), k).toBeGreaterThan(0);
        tf.dispose([value, expected, ...Object.values(grads)]);
        plainCache.dispose();
        edited.dispose();
        x.dispose();
        m.dispose();
      });

      it("copyModel carries the edits as independent clones", () => {
        const m = build(c, 1);
        const x = c.batch();
        const f = Float32Array.from({ length: c.units }, (_, i) => (i % 3 === 0 ? 0 : 1));
        setEdit(m, c.hidden, multiplyEdit(f, [c.units], "ablate every third unit"));
        const out = m.forward(x);
        const copy = copyModel(m, () => build(c, 99));
        expect([...getEdits(copy).keys()]).toEqual([c.hidden]);
        expect(getEdits(copy).get(c.hidden)?.describe).toBe("ablate every third unit");
        expect(getEdits(copy).get(c.hidden)).not.toBe(getEdits(m).get(c.hidden));
        m.dispose(); // frees the source's edit; the copy's clone lives on
        const outCopy = copy.forward(x);
        expect(values(outCopy)).toEqual(values(out));
        tf.dispose([out, outCopy, x]);
        copy.dispose();
      });
    });
  }

  it("an edit that zeroes layers.0.hook_post of embed-mlp gives logits of exactly zero, and no gradient to the layers below", () => {
    const c = CASES[0];
    const m = build(c);
    const x = c.batch();
    setEdit(m, "layers.0.hook_post", multiplyEdit(new Float32Array(16), [16], "zero"));
    const out = m.forward(x);
    expect(values(out).every((v) => v === 0)).toBe(true);
    const cached = runWithCache(m, x, ["layers.0.hook_pre", "layers.0.hook_post"]);
    expect(values(cached.cache["layers.0.hook_post"]).every((v) => v === 0)).toBe(true);
    expect(values(cached.cache["layers.0.hook_pre"]).some((v) => v !== 0)).toBe(true);
    cached.dispose();
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(tf.sub(m.forward(x), 1))) as tf.Scalar,
      [m.params["layers.0.W"], m.params["embed_left.W"]],
    );
    for (const g of Object.values(grads)) expect(values(g).every((v) => v === 0)).toBe(true);
    tf.dispose([value, out, x, ...Object.values(grads)]);
    m.dispose();
  });

  it("an affine edit maps each example's flattened activation (transformer resid_post [batch, pos, d])", () => {
    const c = CASES[1];
    const m = build(c);
    const x = c.batch();
    const D = c.features;
    const rng = new Rng(11);
    const A = rng.normalArray(D * D, 0.2);
    const b = rng.normalArray(D, 1);
    const plain = runWithCache(m, x, [c.hidden]);
    setEdit(m, c.hidden, affineEdit(A, b, D, "random affine"));
    const edited = runWithCache(m, x, [c.hidden]);
    const expected = tf.tidy(() =>
      tf.reshape(
        tf.add(tf.matMul(tf.reshape(plain.cache[c.hidden], [rows, D]), tf.tensor2d(A, [D, D])), tf.tensor1d(b)),
        [rows, 3, 16],
      ),
    );
    expect(edited.cache[c.hidden].shape).toEqual([rows, 3, 16]);
    expect(maxAbsDiff(edited.cache[c.hidden], expected)).toBeLessThan(1e-5);
    tf.dispose([expected, x]);
    plain.dispose();
    edited.dispose();
    m.dispose();
  });

  it("validates the hook name, replaces and removes edits, disposing what it drops", () => {
    const c = CASES[0];
    const m = build(c);
    const before = tf.memory().numTensors;
    const e = multiplyEdit(new Float32Array(16).fill(2), [16], "double");
    expect(() => setEdit(m, "layers.0.hook_nope", e)).toThrow(ConfigError);
    expect(() => setEdit(m, "layers.0.hook_nope", e)).toThrow(
      /setEdit: model embed-mlp has no hook 'layers\.0\.hook_nope'; valid hooks: hook_embed_left, hook_embed_right, layers\.0\.hook_pre, layers\.0\.hook_post, hook_logits/,
    );
    setEdit(m, "layers.0.hook_post", e);
    let disposed = 0;
    const counting: ActivationEdit = {
      describe: "counting identity",
      apply: (a) => a,
      clone: () => counting,
      dispose: () => {
        disposed += 1;
      },
    };
    setEdit(m, "hook_logits", counting);
    setEdit(m, "layers.0.hook_pre", multiplyEdit(new Float32Array(16).fill(1), [16], "ones"));
    // Forward order, whatever the order they were set in.
    expect([...getEdits(m).keys()]).toEqual(["layers.0.hook_pre", "layers.0.hook_post", "hook_logits"]);
    setEdit(m, "layers.0.hook_post", multiplyEdit(new Float32Array(16).fill(3), [16], "triple"));
    expect(getEdits(m).get("layers.0.hook_post")?.describe).toBe("triple");
    expect(removeEdit(m, "hook_logits")).toBe(true);
    expect(disposed).toBe(1);
    expect(removeEdit(m, "hook_logits")).toBe(false);
    clearEdits(m);
    expect(getEdits(m).size).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});
