import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveSeed, Rng } from "../../src/engine/rng.js";
import type { Tensor } from "../../src/engine/tf.js";
import { tf } from "../../src/engine/tf.js";
import { rmu, rmuDirection } from "../../src/techniques/rmu.js";
import { lastHiddenHook } from "../../src/techniques/shared/hooks.js";
import { fastBackend } from "../helpers.js";
import { activations, makeContext, series, type Trained, tinyConfig, trainWith } from "./harness.js";

/** Half the tiny budget (75 steps) pretrains on X, the other half is the RMU phase. */
const SETS = ["technique.rmuPretrainFrac=0.5"];
const P1 = 75;

type SplitKey = "X.train" | "Y.access" | "Y.test";

/** The hook's activations of `t` on `split` (test-side measurement, [n, d]). */
function act(t: Trained, split: SplitKey): Tensor {
  return activations(t.model, t.task.splits[split], lastHiddenHook(t.model));
}

/** Mean cosine of the rows of `h` with `u`, their mean norm, and ‖h − c·u‖ / (c·√n) (RMS distance to the target over c). */
function towardTarget(h: Tensor, u: Tensor, c: number): { cos: number; norm: number; dist: number } {
  return tf.tidy(() => {
    const d = h.shape[1] as number;
    const norms = tf.norm(h, "euclidean", 1);
    const cos = tf.mean(tf.div(tf.reshape(tf.matMul(h, tf.reshape(u, [d, 1])), [-1]), norms)).dataSync()[0];
    const dist = tf.norm(tf.sub(h, tf.mul(u, c))).dataSync()[0] / (c * Math.sqrt(h.shape[0] as number));
    return { cos, norm: tf.mean(norms).dataSync()[0], dist };
  });
}

/** ‖a − b‖ / ‖b‖ over whole activation matrices. */
function relDistance(a: Tensor, b: Tensor): number {
  return tf.tidy(() => tf.div(tf.norm(tf.sub(a, b)), tf.norm(b)).dataSync()[0]);
}

describe("rmu", () => {
  /** The baseline after P1 steps: the pretrained model, i.e. the frozen copy (a5-s5 is full-batch, so identical). */
  let pre: Trained;
  let tech: Trained;
  let u: Tensor;
  let c: number;
  beforeAll(async () => {
    await fastBackend();
    pre = await trainWith(tinyConfig("baseline", [`train.steps=${P1}`]));
    tech = await trainWith(tinyConfig("rmu", SETS));
    const d = tech.model.dHidden;
    // The technique's rng is the harness's `technique:rmu` stream; rmuDirection forks it as the technique does.
    u = tf.tensor1d(rmuDirection(new Rng(deriveSeed(tech.config.seed, "technique:rmu")), d));
    c = series(tech, "rmuTargetNorm")[0].value;
  });
  afterAll(() => {
    pre.model.dispose();
    tech.model.dispose();
    u.dispose();
  });

  it("pretrains on X exactly like the baseline, then takes the RMU phase within the budget", () => {
    const lx = series(tech, "lossX");
    expect(lx.map((r) => r.step)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(lx.slice(0, P1).map((r) => r.value)).toEqual(series(pre, "lossX").map((r) => r.value));
    expect(series(tech, "lossForget").map((r) => r.step)).toEqual(Array.from({ length: 75 }, (_, i) => P1 + i + 1));
    // Target norm c = rmuCoeff (4) × the frozen model's mean row norm on Y.access, logged at the phase's start.
    const y = act(pre, "Y.access");
    const frozenNorm = tf.tidy(() => tf.mean(tf.norm(y, "euclidean", 1)).dataSync()[0]);
    y.dispose();
    expect(series(tech, "rmuTargetNorm")[0].step).toBe(P1);
    expect(c).toBeCloseTo(4 * frozenNorm, 3);
  });

  it("steers the hook's activations on Y.access (and held-out Y.test) to c·u: cosine with u high, norm near c", () => {
    for (const split of ["Y.access", "Y.test"] as const) {
      const hTech = act(tech, split);
      const hPre = act(pre, split);
      const t = towardTarget(hTech, u, c);
      const p = towardTarget(hPre, u, c);
      tf.dispose([hTech, hPre]);
      // Before: u is a non-negative direction and ReLU activations are non-negative, so the cosine starts near 0.55.
      expect(p.cos).toBeLessThan(0.7);
      expect(p.dist).toBeGreaterThan(0.8);
      expect(t.cos).toBeGreaterThan(0.9);
      expect(Math.abs(t.norm - c) / c).toBeLessThan(0.15);
      expect(t.dist).toBeLessThan(0.5);
      expect(t.dist).toBeLessThan(0.6 * p.dist);
    }
  });

  it("keeps X activations close to the frozen copy's while Y's move far", () => {
    const xTech = act(tech, "X.train");
    const xPre = act(pre, "X.train");
    const yTech = act(tech, "Y.access");
    const yPre = act(pre, "Y.access");
    const relX = relDistance(xTech, xPre);
    const relY = relDistance(yTech, yPre);
    tf.dispose([xTech, xPre, yTech, yPre]);
    expect(relX).toBeLessThan(0.1);
    expect(relY).toBeGreaterThan(1);
    // The logged retain loss (mean squared difference per element) stays small throughout.
    expect(Math.max(...series(tech, "lossRetain").map((r) => r.value))).toBeLessThan(0.01);
  });

  it("the forget loss falls over the phase (and the logged cosine rises)", () => {
    const f = series(tech, "lossForget").map((r) => r.value);
    expect(f[f.length - 1]).toBeLessThan(0.3 * f[0]);
    const cos = series(tech, "rmuCos").map((r) => r.value);
    expect(cos[cos.length - 1]).toBeGreaterThan(cos[0] + 0.3);
  });

  it("updates only the parameters rmuParams names (here the embeddings): the rest stay as pretrained", async () => {
    const t = await trainWith(tinyConfig("rmu", [...SETS, 'technique.rmuParams=["^embed_"]']));
    try {
      const names = Object.keys(t.model.params);
      const moved = names.filter((n) =>
        tf.tidy(() => tf.any(tf.notEqual(t.model.params[n], pre.model.params[n])).dataSync()[0] === 1),
      );
      expect(moved.length).toBeGreaterThan(0);
      expect(moved.every((n) => n.startsWith("embed_"))).toBe(true);
      expect(names.filter((n) => !n.startsWith("embed_")).length).toBeGreaterThan(0);
      // Steering through the embeddings alone still works (less well: the even tokens' embeddings serve X too).
      const h = act(t, "Y.access");
      const h0 = act(pre, "Y.access");
      const c2 = series(t, "rmuTargetNorm")[0].value;
      expect(towardTarget(h, u, c2).cos).toBeGreaterThan(towardTarget(h0, u, c2).cos + 0.15);
      tf.dispose([h, h0]);
    } finally {
      t.model.dispose();
    }
  });

  it("rejects a filter that matches no parameter before training", () => {
    const { ctx, result } = makeContext(tinyConfig("rmu", ['technique.rmuParams=["nope"]']));
    try {
      expect(() => rmu.train(ctx as Parameters<typeof rmu.train>[0])).toThrow(/no parameter of embed-mlp matches/);
      expect(result.steps).toBe(0);
    } finally {
      result.model.dispose();
    }
  });

  it("frees every tensor it makes", async () => {
    const before = tf.memory().numTensors;
    const t = await trainWith(tinyConfig("rmu", ["train.steps=3"]));
    t.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
