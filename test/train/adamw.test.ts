import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/engine/backend.js";
import { tf } from "../../src/engine/tf.js";
import { AdamW } from "../../src/train/adamw.js";

describe("AdamW", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("matches torch.optim.AdamW (1.13, float64) over three steps", () => {
    // Reference from: p=[1,-2,0.5], AdamW(lr=0.1, betas=(0.9,0.999), eps=1e-8,
    // weight_decay=0.01), grads [0.5,0.1,-0.3], [-1,0.2,0], [0.25,-0.4,2].
    // Step 1 by hand: p = 1·(1−0.1·0.01) − 0.1·(0.05/0.1)/(√(0.00025/0.001)+1e-8) = 0.899.
    const expected = [
      [0.899000002, -2.09799999, 0.5994999967],
      [0.9347113542, -2.192420186, 0.6659063189],
      [0.947445709, -2.170848322, 0.6097403071],
    ];
    const p = tf.variable(tf.tensor1d([1, -2, 0.5]));
    const opt = new AdamW({ p }, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    const grads = [
      [0.5, 0.1, -0.3],
      [-1, 0.2, 0],
      [0.25, -0.4, 2],
    ];
    grads.forEach((g, i) => {
      const gt = tf.tensor1d(g);
      opt.step({ p: gt });
      gt.dispose();
      const got = p.dataSync();
      for (let j = 0; j < 3; j++) expect(got[j]).toBeCloseTo(expected[i][j], 5);
    });
    expect(opt.steps).toBe(3);
    opt.dispose();
    p.dispose();
  });

  it("with weightDecay 0 and a zero gradient it leaves parameters alone; decay alone shrinks them by lr·λ", () => {
    const p = tf.variable(tf.tensor1d([2, -4]));
    const noDecay = new AdamW({ p }, { lr: 0.5 });
    noDecay.step({ p: tf.zeros([2]) });
    expect(Array.from(p.dataSync())).toEqual([2, -4]);
    const decay = new AdamW({ p }, { lr: 0.5, weightDecay: 0.1 });
    decay.step({ p: tf.zeros([2]) });
    expect(p.dataSync()[0]).toBeCloseTo(2 * (1 - 0.05), 6);
    expect(p.dataSync()[1]).toBeCloseTo(-4 * (1 - 0.05), 6);
    noDecay.dispose();
    decay.dispose();
    p.dispose();
  });

  it("updates only the variables it was given", () => {
    const a = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const opt = new AdamW({ a }, { lr: 0.1 });
    opt.step({ a: tf.ones([1]), b: tf.ones([1]) });
    expect(a.dataSync()[0]).toBeCloseTo(0.9, 6);
    expect(b.dataSync()[0]).toBe(1);
    opt.dispose();
  });
});
