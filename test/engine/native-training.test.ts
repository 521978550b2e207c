/**
 * Whole training steps on the native backend against the cpu backend: the
 * same losses (within 1e-4) step after step for a small MLP with tfjs' Adam
 * and for a small embedding MLP (gathers, concat, relu, softmax
 * cross-entropy) with a hand-written AdamW, and no tensor leaks per step.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../src/engine/backend.js";
import { Rng } from "../../src/engine/rng.js";
import { type Tensor, tf, type Variable } from "../../src/engine/tf.js";

const TOL = 1e-4;

function init(rng: Rng, shape: number[], scale: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return rng.uniformArray(n, -scale, scale);
}

/** A training run: its losses per step and the tensor counts after each step. */
interface Trace {
  losses: number[];
  tensors: number[];
}

/** MLP 48-32-32-6 with bias + relu, tfjs' Adam, batch 40. */
async function mlpRun(backend: string, steps: number): Promise<Trace> {
  await tf.setBackend(backend);
  const rng = new Rng(7);
  const dims = [48, 32, 32, 6];
  const params: Variable[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    params.push(tf.variable(tf.tensor(init(rng, [dims[i], dims[i + 1]], 0.3), [dims[i], dims[i + 1]])));
    params.push(tf.variable(tf.tensor(init(rng, [dims[i + 1]], 0.1), [dims[i + 1]])));
  }
  const x = tf.tensor(init(rng, [40, 48], 1), [40, 48]);
  const labels = tf.tensor1d(
    Array.from({ length: 40 }, (_, i) => i % 6),
    "int32",
  );
  const y = tf.oneHot(labels, 6);
  const opt = tf.train.adam(0.01);
  const loss = () =>
    tf.tidy(() => {
      let h: Tensor = x;
      for (let i = 0; i < params.length; i += 2) {
        h = tf.add(tf.matMul(h, params[i]), params[i + 1]);
        if (i + 2 < params.length) h = tf.relu(h);
      }
      return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
    });
  const trace: Trace = { losses: [], tensors: [] };
  for (let s = 0; s < steps; s++) {
    const l = opt.minimize(loss, true, params) as tf.Scalar;
    trace.losses.push(l.dataSync()[0]);
    l.dispose();
    trace.tensors.push(tf.memory().numTensors);
  }
  opt.dispose();
  tf.dispose([...params, x, labels, y]);
  return trace;
}

/** Embedding MLP: two gathers from 12x16 tables, concat, 32 relu units, 12 classes, AdamW. */
async function embedRun(backend: string, steps: number): Promise<Trace> {
  await tf.setBackend(backend);
  const rng = new Rng(11);
  const V = 12;
  const D = 16;
  const H = 32;
  const B = 144;
  const shapes: Record<string, number[]> = { left: [V, D], right: [V, D], w1: [2 * D, H], un: [H, V] };
  const params: Record<string, Variable> = {};
  const m: Record<string, Variable> = {};
  const v: Record<string, Variable> = {};
  for (const [k, s] of Object.entries(shapes)) {
    params[k] = tf.variable(tf.tensor(init(rng, s, 0.5), s));
    m[k] = tf.variable(tf.zeros(s), false);
    v[k] = tf.variable(tf.zeros(s), false);
  }
  const a = Int32Array.from({ length: B }, (_, i) => i % V);
  const b = Int32Array.from({ length: B }, (_, i) => Math.floor(i / V));
  const xa = tf.tensor1d(a, "int32");
  const xb = tf.tensor1d(b, "int32");
  const y = tf.oneHot(
    tf.tensor1d(
      Int32Array.from(a, (ai, i) => (ai + b[i]) % V),
      "int32",
    ),
    V,
  );
  const lossFn = () => {
    const h = tf.concat([tf.gather(params.left, xa), tf.gather(params.right, xb)], 1);
    const logits = tf.matMul(tf.relu(tf.matMul(h, params.w1)), params.un);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };
  const trace: Trace = { losses: [], tensors: [] };
  const lr = 0.01;
  const wd = 0.5;
  for (let s = 1; s <= steps; s++) {
    const { value, grads } = tf.variableGrads(lossFn, Object.values(params));
    trace.losses.push(value.dataSync()[0]);
    tf.tidy(() => {
      for (const [k, p] of Object.entries(params)) {
        const g = grads[p.name];
        const mNew = tf.add(tf.mul(m[k], 0.9), tf.mul(g, 0.1));
        const vNew = tf.add(tf.mul(v[k], 0.999), tf.mul(tf.square(g), 0.001));
        m[k].assign(mNew);
        v[k].assign(vNew);
        const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(1 - 0.999 ** s)), 1e-8);
        const update = tf.mul(tf.div(mNew, denom), lr / (1 - 0.9 ** s));
        p.assign(tf.sub(tf.mul(p, 1 - lr * wd), update));
      }
    });
    value.dispose();
    tf.dispose(Object.values(grads));
    trace.tensors.push(tf.memory().numTensors);
  }
  tf.dispose([...Object.values(params), ...Object.values(m), ...Object.values(v), xa, xb, y]);
  return trace;
}

function expectSameTrace(native: Trace, cpu: Trace): void {
  expect(native.losses.length).toBe(cpu.losses.length);
  for (let i = 0; i < cpu.losses.length; i++) {
    const rel = Math.abs(native.losses[i] - cpu.losses[i]) / Math.abs(cpu.losses[i]);
    expect(rel, `step ${i}: native ${native.losses[i]} vs cpu ${cpu.losses[i]}`).toBeLessThanOrEqual(TOL);
  }
  // Training must actually make progress, or equal losses would prove little.
  expect(native.losses.at(-1)).toBeLessThan(native.losses[0] * 0.9);
  // No tensor leaks: after the first step the count stays put.
  expect(new Set(native.tensors.slice(1)).size, `tensor counts ${native.tensors}`).toBe(1);
}

describe.each([1, 2])("training on native vs cpu (%i threads)", (threads) => {
  beforeAll(async () => {
    await initBackend("native", threads);
  });

  test("MLP with Adam: same losses, no leaks", async () => {
    const cpu = await mlpRun("cpu", 12);
    const native = await mlpRun("native", 12);
    expectSameTrace(native, cpu);
  });

  test("embedding MLP with AdamW: same losses, no leaks", async () => {
    const cpu = await embedRun("cpu", 12);
    const native = await embedRun("native", 12);
    expectSameTrace(native, cpu);
  });
});
