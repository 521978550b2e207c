import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/engine/rng.js";
import type { Tensor } from "../../src/engine/tf.js";
import { tf } from "../../src/engine/tf.js";
import { defaultProbeHooks, probeModel } from "../../src/eval/probe.js";
import type { HookFn, Model } from "../../src/models/types.js";
import type { Split } from "../../src/tasks/types.js";
import { fastBackend } from "../helpers.js";

const D = 8; // signal features
const C = 4; // classes

/**
 * A fake model over vector inputs [signal (D) | noise (D)]: it emits the
 * signal half, the noise half, a [b, 8, 8, 8] "image map" (the signal at
 * every pixel), and logits. Labels are argmax(A·signal), so the signal is linearly
 * decodable by construction and the noise carries nothing.
 */
function fakeModel(): Model {
  return {
    arch: "fake",
    params: {},
    hookPoints: [
      { name: "hook_signal", shape: "[batch, 8]" },
      { name: "hook_noise", shape: "[batch, 8]" },
      { name: "hook_map", shape: "[batch, 8, 8, 8]" },
      { name: "hook_logits", shape: "[batch, 4]" },
    ],
    embedParams: [],
    dHidden: D,
    forward(x: Tensor, hook?: HookFn) {
      return tf.tidy(() => {
        const b = x.shape[0];
        const s = tf.slice(x, [0, 0], [b, D]);
        hook?.("hook_signal", s);
        hook?.("hook_noise", tf.slice(x, [0, D], [b, D]));
        hook?.("hook_map", tf.tile(tf.reshape(s, [b, 1, 1, D]), [1, 8, 8, 1]));
        const logits = tf.slice(x, [0, 0], [b, C]);
        hook?.("hook_logits", logits);
        return logits;
      });
    },
    dispose() {},
  };
}

function makeSplit(name: Split["name"], n: number, A: Float32Array, rng: Rng): Split {
  const x = new Float32Array(n * 2 * D);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 2 * D; j++) x[i * 2 * D + j] = rng.normal();
    let best = -Infinity;
    for (let c = 0; c < C; c++) {
      let v = 0;
      for (let j = 0; j < D; j++) v += A[c * D + j] * x[i * 2 * D + j];
      if (v > best) {
        best = v;
        y[i] = c;
      }
    }
  }
  return { name, n, x, y, xDtype: "float32", exampleShape: [2 * D] };
}

describe("probeModel", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  const rng = new Rng(11);
  const A = rng.normalArray(C * D);
  const train = makeSplit("Y.relearn", 600, A, rng.fork("train"));
  const test = makeSplit("Y.test", 400, A, rng.fork("test"));
  const opts = {
    steps: 60,
    lr: 0.1,
    l2: 1e-4,
    maxFeatures: 32,
    maxExamples: 8192,
    batchSize: 256,
    spatial: true,
    rng: new Rng(5),
  };

  it("finds a planted linear signal and stays at chance on noise", () => {
    const before = tf.memory().numTensors;
    const model = fakeModel();
    expect(defaultProbeHooks(model)).toEqual(["hook_signal", "hook_noise", "hook_map"]);
    const r = probeModel(model, train, test, C, opts);
    const by = Object.fromEntries(r.hooks.map((h) => [h.hook, h]));
    expect(by.hook_signal.testAcc).toBeGreaterThan(0.9);
    // 400 test rows, 4 classes: chance ≈ 0.25 with sd ≈ 0.022 (the majority
    // class holds at most ~0.3 for a random A).
    expect(by.hook_noise.testAcc).toBeLessThan(0.36);
    expect(by.hook_noise.testAcc).toBeGreaterThan(0.15);
    expect(r.best.hook).not.toBe("hook_noise");
    expect(r.best.testAcc).toBe(Math.max(...r.hooks.map((h) => h.testAcc)));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("pools image maps and subsamples wide activations to maxFeatures", () => {
    const model = fakeModel();
    const r = probeModel(model, train, test, C, { ...opts, hooks: ["hook_map"], steps: 30 });
    // 8×8×8 = 512 > 32: windows of 4 give 2×2×8 = 32 (3 would give 3×3×8 = 72).
    expect(r.hooks[0]).toMatchObject({ shape: [8, 8, 8], pool: 4, pooledFeatures: 32, features: 32 });
    // The pooled map averages copies of the signal: still decodable.
    expect(r.hooks[0].testAcc).toBeGreaterThan(0.8);
    const flat = probeModel(model, train, test, C, { ...opts, hooks: ["hook_map"], spatial: false, steps: 30 });
    expect(flat.hooks[0]).toMatchObject({ pool: 1, pooledFeatures: 512, features: 32 });
  });

  it("gives the same numbers whatever the forward chunk size, and subsamples rows seeded", () => {
    const model = fakeModel();
    const a = probeModel(model, train, test, C, { ...opts, hooks: ["hook_signal"], steps: 20, batchSize: 1000 });
    const b = probeModel(model, train, test, C, { ...opts, hooks: ["hook_signal"], steps: 20, batchSize: 97 });
    expect(b.hooks[0].testAcc).toBe(a.hooks[0].testAcc);
    const s = probeModel(model, train, test, C, { ...opts, hooks: ["hook_signal"], steps: 20, maxExamples: 300 });
    expect(s.trainRows).toBe(300);
    expect(s.testRows).toBe(300);
  });

  it("names an unknown hook with the valid ones", () => {
    expect(() => probeModel(fakeModel(), train, test, C, { ...opts, hooks: ["nope"] })).toThrow(
      /unknown hook 'nope'; this model's hooks are hook_signal, hook_noise, hook_map, hook_logits/,
    );
  });
});
