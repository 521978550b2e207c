import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { tf } from "../../src/engine/tf.js";
import { models, runWithCache, withCache } from "../../src/models/index.js";
import { fastBackend } from "../helpers.js";

const input = { kind: "tokens" as const, vocab: 120, length: 2 };
const make = (seed: number) =>
  models.get("embed-mlp").create({ input, numClasses: 120, config: { dEmbed: 256, dHidden: 128 }, rng: new Rng(seed) });

describe("embed-mlp", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("has the paper's parameter shapes and init scale", () => {
    const m = make(0);
    expect(m.params["embed_left.W"].shape).toEqual([120, 256]);
    expect(m.params["embed_right.W"].shape).toEqual([120, 256]);
    expect(m.params["layers.0.W"].shape).toEqual([512, 128]);
    expect(m.params["unembed.W"].shape).toEqual([128, 120]);
    const e = Array.from(m.params["embed_left.W"].dataSync());
    const std = Math.sqrt(e.reduce((a, b) => a + b * b, 0) / e.length);
    expect(std).toBeCloseTo(1 / 16, 2); // N(0, 1/256)
    expect(m.embedParams).toEqual(["embed_left.W", "embed_right.W", "unembed.W"]);
    m.dispose();
  });

  it("emits the named hooks with the documented shapes", () => {
    const m = make(0);
    const x = tf.tensor2d([0, 1, 5, 7, 119, 3], [3, 2], "int32");
    const c = runWithCache(m, x, "all");
    expect(Object.keys(c.cache)).toEqual([
      "hook_embed_left",
      "hook_embed_right",
      "layers.0.hook_pre",
      "layers.0.hook_post",
      "hook_logits",
    ]);
    expect(c.cache.hook_embed_left.shape).toEqual([3, 256]);
    expect(c.cache["layers.0.hook_post"].shape).toEqual([3, 128]);
    expect(c.output.shape).toEqual([3, 120]);
    // the left embedding of token 5 is row 5 of the table
    const row5 = tf.slice(m.params["embed_left.W"], [5, 0], [1, 256]).dataSync();
    expect(Array.from(c.cache.hook_embed_left.dataSync().slice(256, 512))).toEqual(Array.from(row5));
    // post = relu(pre)
    const pre = c.cache["layers.0.hook_pre"].dataSync();
    const post = c.cache["layers.0.hook_post"].dataSync();
    for (let i = 0; i < pre.length; i++) expect(post[i]).toBe(Math.max(0, pre[i]));
    c.dispose();
    x.dispose();
    m.dispose();
  });

  it("runWithCache frees everything it makes once disposed; a filter keeps only the named hooks", () => {
    const m = make(1);
    const x = tf.tensor2d([0, 1, 2, 3], [2, 2], "int32");
    const before = tf.memory().numTensors;
    const kept = withCache(m, x, ["layers.0.hook_post"], (out, cache) => {
      expect(Object.keys(cache)).toEqual(["layers.0.hook_post"]);
      return out.shape;
    });
    expect(kept).toEqual([2, 120]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  it("is initialised identically from the same seed and differently from another", () => {
    const a = make(7);
    const b = make(7);
    const c = make(8);
    expect(a.params["layers.0.W"].dataSync()).toEqual(b.params["layers.0.W"].dataSync());
    expect(a.params["layers.0.W"].dataSync()).not.toEqual(c.params["layers.0.W"].dataSync());
    for (const m of [a, b, c]) m.dispose();
  });

  it("embedding rows of tokens absent from the batch get zero gradient", () => {
    const m = make(2);
    const x = tf.tensor2d([0, 1, 0, 2], [2, 2], "int32");
    const { grads } = tf.variableGrads(() => tf.sum(m.forward(x)) as tf.Scalar, [m.params["embed_left.W"]]);
    const g = tf.sum(tf.abs(grads[m.params["embed_left.W"].name]), 1).dataSync();
    expect(g[0]).toBeGreaterThan(0);
    for (let i = 1; i < 120; i++) expect(g[i]).toBe(0);
    tf.dispose(grads);
    x.dispose();
    m.dispose();
  });

  it("refuses image inputs with a named error", () => {
    expect(() =>
      models.get("embed-mlp").create({
        input: { kind: "image", height: 28, width: 28, channels: 1 },
        numClasses: 10,
        config: { dEmbed: 8, dHidden: 8 },
        rng: new Rng(0),
      }),
    ).toThrow(/embed-mlp needs token inputs/);
  });
});
