import { beforeAll, describe, expect, it } from "vitest";
import type { Tensor } from "../../src/engine/tf.js";
import { techniques } from "../../src/techniques/index.js";
import { fastBackend } from "../helpers.js";
import { makeContext, series, tinyConfig } from "./harness.js";

const SETS = [
  "train.steps=300",
  "technique.earlyStoppingEvery=20",
  "technique.earlyStoppingThreshold=0.3",
  "technique.earlyStoppingValFrac=0.1",
];

describe("early-stopping", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("stops at the first check where held-out X.train accuracy reaches the threshold, before the budget", async () => {
    const { ctx, result } = makeContext(tinyConfig("early-stopping", SETS));
    // Record every input batch the model sees, to check what it trains and validates on.
    const seen: { rows: number; pairs: Set<string> }[] = [];
    const forward = result.model.forward;
    result.model.forward = (x: Tensor, hook) => {
      const v = x.dataSync();
      const pairs = new Set<string>();
      for (let i = 0; i < x.shape[0]; i++) pairs.add(`${v[2 * i]},${v[2 * i + 1]}`);
      seen.push({ rows: x.shape[0], pairs });
      return forward(x, hook);
    };
    try {
      await techniques.get("early-stopping").train(ctx as never);
      const checks = series(result, "valAcc");
      expect(result.stopReason).toMatch(/^validation accuracy 0\.\d{4} ≥ 0.3 at step \d+$/);
      expect(result.steps).toBeLessThan(300);
      expect(result.steps % 20).toBe(0);
      expect(checks.map((c) => c.step)).toEqual(Array.from({ length: result.steps / 20 }, (_, i) => 20 * (i + 1)));
      expect(checks[checks.length - 1].value).toBeGreaterThanOrEqual(0.3);
      for (const c of checks.slice(0, -1)) expect(c.value).toBeLessThan(0.3);

      // Validation is 10% of X.train (never X.test), disjoint from what it trains on.
      const n = result.task.splits["X.train"].n;
      const nVal = Math.round(0.1 * n);
      // Training steps are full batch; validation is read in evaluation-sized chunks.
      const train = seen.filter((s) => s.rows === n - nVal);
      const val = seen.filter((s) => s.rows !== n - nVal);
      expect(train).toHaveLength(result.steps);
      expect(val.reduce((a, s) => a + s.rows, 0)).toBe(checks.length * nVal);
      const valPairs = new Set(val.flatMap((s) => [...s.pairs]));
      expect(valPairs.size).toBe(nVal);
      for (const p of valPairs) expect(train[0].pairs.has(p)).toBe(false);
      const xTest = result.task.splits["X.test"];
      for (let i = 0; i < xTest.n; i++) {
        const key = `${xTest.x[2 * i]},${xTest.x[2 * i + 1]}`;
        expect(valPairs.has(key) || train[0].pairs.has(key)).toBe(false);
      }
    } finally {
      result.model.dispose();
    }
  });

  it("trains the whole budget when the threshold is never reached", async () => {
    const { ctx, result } = makeContext(
      tinyConfig("early-stopping", [
        "train.steps=40",
        "technique.earlyStoppingEvery=20",
        "technique.earlyStoppingThreshold=1",
      ]),
    );
    try {
      await techniques.get("early-stopping").train(ctx as never);
      expect(result.stopReason).toBeUndefined();
      expect(result.steps).toBe(40);
      expect(series(result, "valAcc")).toHaveLength(2);
    } finally {
      result.model.dispose();
    }
  });
});
