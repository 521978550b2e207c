import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import { tf } from "../../src/engine/tf.js";
import { models, runWithCache, withCache } from "../../src/models/index.js";
import type { TransformerConfig } from "../../src/models/transformer.js";
import type { Model } from "../../src/models/types.js";
import { AdamW } from "../../src/train/adamw.js";
import { crossEntropy } from "../../src/train/loss.js";
import { optimizerStep } from "../../src/train/optimizer.js";
import { fastBackend } from "../helpers.js";

const entry = models.get("transformer");
const config = (c: Partial<TransformerConfig> = {}) => entry.configSchema.parse(c) as TransformerConfig;
const make = (seed: number, c: Partial<TransformerConfig> = {}, vocab = 114, length = 3, numClasses = 113) =>
  entry.create({ input: { kind: "tokens", vocab, length }, numClasses, config: config(c), rng: new Rng(seed) });

/** Random int32 tokens [n, L] from a seeded stream. */
function tokens(n: number, L: number, vocab: number, seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const a = new Int32Array(n * L);
  for (let i = 0; i < a.length; i++) a[i] = rng.int(vocab);
  return tf.tensor2d(a, [n, L], "int32");
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

/**
 * The transformer written out in plain JavaScript loops (float64) from the
 * paper's equations, reading the model's own weights: the independent
 * reference the tfjs forward pass must match. Returns logits [n][numClasses]
 * and the attention pattern of block 0 [n][head][q][k].
 */
function reference(m: Model, c: TransformerConfig, x: number[][]): { logits: number[][]; pattern: number[][][][] } {
  const P = Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, Array.from(v.dataSync())]));
  const { dModel: d, nHeads: H, dHead: dH, dMlp, nLayers, causal } = c;
  const nC = m.params["unembed.W"].shape[1] as number;
  const logits: number[][] = [];
  const patterns: number[][][][] = [];
  for (const seq of x) {
    const L = seq.length;
    let resid = seq.map((tok, p) =>
      Array.from({ length: d }, (_, i) => P["embed.W"][tok * d + i] + P["pos_embed.W"][p * d + i]),
    );
    for (let l = 0; l < nLayers; l++) {
      const W = (n: string) => P[`blocks.${l}.${n}`];
      // proj[pos][h][e] = Σ_i resid[pos][i] · W[h][i][e]
      const proj = (w: number[]) =>
        resid.map((r) =>
          Array.from({ length: H }, (_, h) =>
            Array.from({ length: dH }, (_, e) => r.reduce((s, ri, i) => s + ri * w[(h * d + i) * dH + e], 0)),
          ),
        );
      const q = proj(W("attn.W_Q"));
      const k = proj(W("attn.W_K"));
      const v = proj(W("attn.W_V"));
      const pattern = Array.from({ length: H }, (_, h) =>
        Array.from({ length: L }, (_, qp) => {
          const s = Array.from({ length: L }, (_, kp) =>
            causal && kp > qp
              ? Number.NEGATIVE_INFINITY
              : q[qp][h].reduce((a, qe, e) => a + qe * k[kp][h][e], 0) / Math.sqrt(dH),
          );
          const mx = Math.max(...s);
          const ex = s.map((si) => Math.exp(si - mx));
          const sum = ex.reduce((a, b) => a + b, 0);
          return ex.map((e) => e / sum);
        }),
      );
      if (l === 0) patterns.push(pattern);
      const mid = resid.map((r, p) =>
        r.map((ri, j) => {
          let s = ri;
          for (let h = 0; h < H; h++)
            for (let e = 0; e < dH; e++) {
              let z = 0;
              for (let kp = 0; kp < L; kp++) z += pattern[h][p][kp] * v[kp][h][e];
              s += z * W("attn.W_O")[(h * dH + e) * d + j];
            }
          return s;
        }),
      );
      resid = mid.map((r) => {
        const post = Array.from({ length: dMlp }, (_, u) =>
          Math.max(
            0,
            r.reduce((s, ri, i) => s + ri * W("mlp.W_in")[i * dMlp + u], W("mlp.b_in")[u]),
          ),
        );
        return r.map((ri, j) => ri + post.reduce((s, pu, u) => s + pu * W("mlp.W_out")[u * d + j], W("mlp.b_out")[j]));
      });
    }
    const last = resid[L - 1];
    logits.push(
      Array.from({ length: nC }, (_, cc) => last.reduce((s, ri, i) => s + ri * P["unembed.W"][i * nC + cc], 0)),
    );
  }
  return { logits, pattern: patterns };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tol);
}

describe("transformer", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("has the paper's parameter shapes and init scales", () => {
    const m = make(0);
    const shapes = Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      "embed.W": [114, 128],
      "pos_embed.W": [3, 128],
      "blocks.0.attn.W_Q": [4, 128, 32],
      "blocks.0.attn.W_K": [4, 128, 32],
      "blocks.0.attn.W_V": [4, 128, 32],
      "blocks.0.attn.W_O": [4, 32, 128],
      "blocks.0.mlp.W_in": [128, 512],
      "blocks.0.mlp.b_in": [512],
      "blocks.0.mlp.W_out": [512, 128],
      "blocks.0.mlp.b_out": [128],
      "unembed.W": [128, 113],
    });
    const std = (name: string) => {
      const v = values(m.params[name]);
      return Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
    };
    // N(0, 1/dModel) everywhere but the unembedding, N(0, 1/numClasses); 14k–65k draws each
    for (const n of ["embed.W", "blocks.0.attn.W_Q", "blocks.0.mlp.W_in", "blocks.0.mlp.W_out"]) {
      expect(std(n)).toBeCloseTo(1 / Math.sqrt(128), 2);
    }
    expect(std("unembed.W")).toBeCloseTo(1 / Math.sqrt(113), 2);
    expect(values(m.params["blocks.0.mlp.b_in"]).every((b) => b === 0)).toBe(true);
    expect(m.embedParams).toEqual(["embed.W", "unembed.W"]);
    expect(m.dHidden).toBe(128);
    m.dispose();
  });

  it("emits every TransformerLens hook with its shape, and the hooks compose as the equations say", () => {
    const m = make(1);
    const x = tokens(5, 3, 114, 1);
    const c = runWithCache(m, x, "all");
    expect(Object.keys(c.cache)).toEqual(m.hookPoints.map((h) => h.name));
    const shape = (n: string) => c.cache[n].shape;
    expect(shape("hook_embed")).toEqual([5, 3, 128]);
    expect(shape("hook_pos_embed")).toEqual([5, 3, 128]);
    for (const n of ["hook_resid_pre", "hook_attn_out", "hook_resid_mid", "hook_mlp_out", "hook_resid_post"]) {
      expect(shape(`blocks.0.${n}`)).toEqual([5, 3, 128]);
    }
    for (const n of ["hook_q", "hook_k", "hook_v", "hook_z"])
      expect(shape(`blocks.0.attn.${n}`)).toEqual([5, 3, 4, 32]);
    expect(shape("blocks.0.attn.hook_attn_scores")).toEqual([5, 4, 3, 3]);
    expect(shape("blocks.0.attn.hook_pattern")).toEqual([5, 4, 3, 3]);
    expect(shape("blocks.0.mlp.hook_pre")).toEqual([5, 3, 512]);
    expect(shape("blocks.0.mlp.hook_post")).toEqual([5, 3, 512]);
    expect(shape("hook_logits")).toEqual([5, 113]);

    const v = (n: string) => values(c.cache[n]);
    // embed row = the token's row of embed.W; pos_embed = pos_embed.W for every sequence
    const tok = values(x)[4]; // sequence 1, position 1
    expect(v("hook_embed").slice(4 * 128, 5 * 128)).toEqual(
      values(m.params["embed.W"]).slice(tok * 128, (tok + 1) * 128),
    );
    expect(v("hook_pos_embed").slice(3 * 384, 4 * 384)).toEqual(values(m.params["pos_embed.W"]));
    // residual bookkeeping
    const sum = (a: number[], b: number[]) => a.map((ai, i) => ai + b[i]);
    expectClose(v("blocks.0.hook_resid_pre"), sum(v("hook_embed"), v("hook_pos_embed")), 1e-6);
    expectClose(v("blocks.0.hook_resid_mid"), sum(v("blocks.0.hook_resid_pre"), v("blocks.0.hook_attn_out")), 1e-6);
    expectClose(v("blocks.0.hook_resid_post"), sum(v("blocks.0.hook_resid_mid"), v("blocks.0.hook_mlp_out")), 1e-6);
    expect(v("blocks.0.mlp.hook_post")).toEqual(v("blocks.0.mlp.hook_pre").map((p) => Math.max(0, p)));
    // attention scores are q·k/√dHead (before the mask) for batch 2, head 3, q 2, k 0
    const q = v("blocks.0.attn.hook_q");
    const k = v("blocks.0.attn.hook_k");
    const at = (b: number, p: number, h: number, e: number) => ((b * 3 + p) * 4 + h) * 32 + e;
    let s = 0;
    for (let e = 0; e < 32; e++) s += q[at(2, 2, 3, e)] * k[at(2, 0, 3, e)];
    expect(v("blocks.0.attn.hook_attn_scores")[((2 * 4 + 3) * 3 + 2) * 3 + 0]).toBeCloseTo(s / Math.sqrt(32), 5);
    c.dispose();
    x.dispose();
    m.dispose();
  });

  it("attention pattern rows sum to 1 and respect the causal mask (or attend everywhere when causal is off)", () => {
    for (const causal of [true, false]) {
      const m = make(2, { causal });
      const x = tokens(6, 3, 114, 2);
      withCache(m, x, ["blocks.0.attn.hook_pattern"], (_, cache) => {
        const p = values(cache["blocks.0.attn.hook_pattern"]); // [6, 4, 3, 3]
        for (let row = 0; row < 6 * 4 * 3; row++) {
          const r = p.slice(row * 3, row * 3 + 3);
          expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
          const qpos = row % 3;
          for (let kpos = 0; kpos < 3; kpos++) {
            if (causal && kpos > qpos) expect(r[kpos]).toBe(0);
            else expect(r[kpos]).toBeGreaterThan(0);
          }
        }
      });
      x.dispose();
      m.dispose();
    }
  });

  it("equals a plain-JS reimplementation, on both the training path (no hook) and the hooked path", () => {
    for (const causal of [true, false]) {
      // 2 tokens, dModel 4, 1 head: the hand-checkable case
      const small = { dModel: 4, nHeads: 1, dHead: 4, dMlp: 6, nLayers: 1, causal };
      // and a deeper one with several heads, dHead ≠ dModel / nHeads, L = 3
      const deep = { dModel: 6, nHeads: 2, dHead: 4, dMlp: 5, nLayers: 2, causal };
      // (one block: the token-table path; two blocks: the last-position path; L = 1: no mask at all)
      for (const [c, L] of [
        [small, 2],
        [small, 1],
        [deep, 3],
      ] as const) {
        const m = make(3, c, 7, L, 5);
        // non-zero biases, so that they are checked too
        const rng = new Rng(99);
        for (const [name, p] of Object.entries(m.params)) {
          if (name.includes(".b_")) p.assign(tf.tensor(rng.normalArray(p.size, 0.3), p.shape));
        }
        const xs = [[0, 1, 2].slice(0, L), [6, 6, 6].slice(0, L), [3, 5, 1].slice(0, L)];
        const x = tf.tensor2d(xs, [3, L], "int32");
        const ref = reference(m, config(c), xs);
        const fast = m.forward(x);
        expectClose(fast.dataSync(), ref.logits.flat(), 1e-5);
        withCache(m, x, "all", (out, cache) => {
          expectClose(out.dataSync(), ref.logits.flat(), 1e-5);
          expectClose(cache["blocks.0.attn.hook_pattern"].dataSync(), ref.pattern.flat(3), 1e-6);
        });
        tf.dispose([fast, x]);
        m.dispose();
      }
    }
  });

  it("the fast last-position path gives the same logits as the hooked full path at the paper's size", () => {
    const m = make(4);
    const x = tokens(64, 3, 114, 4);
    const fast = m.forward(x);
    withCache(m, x, ["hook_logits"], (out) => expectClose(out.dataSync(), values(fast), 1e-5));
    tf.dispose([fast, x]);
    m.dispose();
  });

  it("runWithCache and forward free everything they make", () => {
    const m = make(5);
    const x = tokens(4, 3, 114, 5);
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
    const [a, b, c] = [make(7), make(7), make(8)];
    for (const name of Object.keys(a.params)) {
      expect(values(a.params[name])).toEqual(values(b.params[name]));
    }
    expect(values(a.params["blocks.0.attn.W_Q"])).not.toEqual(values(c.params["blocks.0.attn.W_Q"]));
    for (const m of [a, b, c]) m.dispose();
  });

  it("every parameter gets a gradient, and it learns (a + b) mod 7 on [a, b, =]", () => {
    const p = 7;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        xs.push(a, b, p);
        ys.push((a + b) % p);
      }
    const x = tf.tensor2d(xs, [p * p, 3], "int32");
    const y = tf.tensor1d(ys, "int32");
    const m = make(6, { dModel: 32, nHeads: 2, dHead: 16, dMlp: 64 }, p + 1, 3, p);
    const { grads } = tf.variableGrads(() => crossEntropy(m.forward(x), y) as tf.Scalar, Object.values(m.params));
    for (const [name, v] of Object.entries(m.params)) {
      expect(tf.max(tf.abs(grads[v.name])).dataSync()[0], name).toBeGreaterThan(0);
    }
    tf.dispose(grads);
    const opt = new AdamW(m.params, { lr: 1e-2, weightDecay: 0.1, beta2: 0.98 });
    const losses: number[] = [];
    for (let s = 0; s < 60; s++) losses.push(optimizerStep(opt, m.params, () => crossEntropy(m.forward(x), y)));
    expect(losses[0]).toBeGreaterThan(1.5); // ≈ ln 7 = 1.95 at init
    expect(losses[59]).toBeLessThan(0.2 * losses[0]);
    opt.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });

  it("refuses image inputs and wrong sequence lengths with named errors", () => {
    expect(() =>
      entry.create({
        input: { kind: "image", height: 28, width: 28, channels: 1 },
        numClasses: 10,
        config: config(),
        rng: new Rng(0),
      }),
    ).toThrow(/transformer needs token inputs/);
    const m = make(0, { dModel: 8, nHeads: 1, dHead: 8, dMlp: 8 }, 10, 3, 10);
    const x = tf.tensor2d([1, 2], [1, 2], "int32");
    expect(() => m.forward(x)).toThrow(/expected token input \[batch, 3\], got \[1, 2\]/);
    x.dispose();
    m.dispose();
  });
});
