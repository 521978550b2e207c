import { describe, expect, it } from "vitest";
import { initBackend } from "../../src/engine/backend.js";
import { tf } from "../../src/engine/tf.js";
import { WORKLOAD_ORDER, workloads } from "../../src/perf/index.js";

/** The loss after each of `steps` optimiser steps of a perf workload on `backend`, same seed. */
async function lossCurve(backend: "native" | "wasm", workload: string, steps: number): Promise<number[]> {
  await initBackend(backend, 1);
  const before = tf.memory().numTensors;
  const session = workloads.get(workload).build(0);
  const losses: number[] = [];
  try {
    for (let s = 0; s < steps; s++) losses.push(session.step());
  } finally {
    session.dispose();
  }
  expect(tf.memory().numTensors, `${workload} on ${backend} leaked tensors`).toBe(before);
  return losses;
}

let native = true;
try {
  await initBackend("native", 1);
} catch {
  native = false;
}

/**
 * Issue 3's acceptance: training on the native backend follows the wasm
 * backend's curve for the same seed, to float tolerance. The four perf
 * workloads are the project's real models and optimisers (embed-mlp with
 * AdamW, the transformer, the CNN, the MLP with Adam); 50 steps each.
 */
describe.skipIf(!native)("native and wasm training curves agree (same seed, 50 steps)", () => {
  for (const name of WORKLOAD_ORDER) {
    it(`${name}: same final loss to 1e-3, every step within 1e-3 relative`, async () => {
      const w = await lossCurve("wasm", name, 50);
      const n = await lossCurve("native", name, 50);
      // The curve must actually move, or agreement would say nothing.
      expect(Math.abs(w[49] - w[0])).toBeGreaterThan(0.01);
      expect(Math.abs(n[49] - w[49])).toBeLessThanOrEqual(1e-3);
      for (let s = 0; s < 50; s++) {
        expect(Math.abs(n[s] - w[s]), `step ${s + 1}: native ${n[s]} vs wasm ${w[s]}`).toBeLessThanOrEqual(
          1e-3 * Math.max(1, Math.abs(w[s])),
        );
      }
    }, 240_000);
  }
});
