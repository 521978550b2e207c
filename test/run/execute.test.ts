import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { applySets, resolveRunConfig } from "../../src/config/run-config.js";
import { tf } from "../../src/engine/tf.js";
import { executeRun } from "../../src/run/execute.js";
import { techniques } from "../../src/techniques/index.js";
import { fastBackend } from "../helpers.js";

const tiny = (sets: string[] = [], technique = "baseline", seed = 0) =>
  resolveRunConfig(
    applySets({ task: { name: "a5-s5" }, technique: { name: technique }, seed }, [
      "model.dEmbed=16",
      "model.dHidden=32",
      "train.steps=20",
      "train.evalEvery=10",
      // the evaluation suite has its own tests; keep these pipeline tests fast
      "eval.probe=false",
      "eval.relearn=false",
      "eval.interp=false",
      ...sets,
    ]),
  );

// Test-only techniques: one that diverges and two that peek at splits.
techniques.register({
  name: "test-nan",
  describe: "reports a NaN loss at step 3",
  source: "test",
  usesY: false,
  hparams: z.object({}).strict(),
  samplers: {},
  train(ctx) {
    for (let s = 1; s <= 5; s++) ctx.onStep(s, { lossX: s === 3 ? Number.NaN : 1 });
  },
});
techniques.register({
  name: "test-peek-access",
  describe: "reads Y.access without declaring usesY",
  source: "test",
  usesY: false,
  hparams: z.object({}).strict(),
  samplers: {},
  train(ctx) {
    void ctx.yAccess.n;
  },
});
techniques.register({
  name: "test-peek-test",
  describe: "declares usesY, then reads Y.test",
  source: "test",
  usesY: true,
  hparams: z.object({}).strict(),
  samplers: {},
  train(ctx) {
    void ctx.yAccess.n; // allowed
    void ctx.task.splits["Y.test"].n; // not allowed
  },
});

describe("executeRun", () => {
  beforeAll(async () => {
    await fastBackend();
  });

  it("trains, evaluates and returns a complete record without leaking tensors", async () => {
    const before = tf.memory().numTensors;
    const r = await executeRun(tiny());
    expect(r.status).toBe("ok");
    expect(r.steps).toBe(20);
    expect(r.curves.step).toEqual([0, 10, 20]);
    expect(r.log.step).toHaveLength(20);
    expect(r.log.lossX[19]).toBeLessThan(r.log.lossX[0]);
    for (const k of ["accX", "lossX", "accY", "lossY"]) expect(Number.isFinite(r.metrics[k])).toBe(true);
    expect(r.metrics.accX).toBe(r.curves.accX[2]);
    expect(r.id).toMatch(/^[0-9a-f]{16}$/);
    expect(r.versions.tfjs).toBe(tf.version_core);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.extra.tensorsLeaked).toBe(0);
  });

  it("is reproducible from (config, seed): identical numbers for the same seed, different for another", async () => {
    const a = await executeRun(tiny());
    const b = await executeRun(tiny());
    const c = await executeRun(tiny([], "baseline", 1));
    expect(b.metrics).toEqual(a.metrics);
    expect(b.log.lossX).toEqual(a.log.lossX);
    expect(c.metrics.lossX).not.toBe(a.metrics.lossX);
    expect(c.id).not.toBe(a.id);
  });

  it("mini-batches are seeded too", async () => {
    const a = await executeRun(tiny(["train.batchSize=64"]));
    const b = await executeRun(tiny(["train.batchSize=64"]));
    expect(b.log.lossX).toEqual(a.log.lossX);
  });

  it("records a NaN loss as a failed run with the reason", async () => {
    const r = await executeRun(tiny([], "test-nan"));
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/NumericalError: lossX became NaN at step 3/);
    expect(r.steps).toBe(2);
  });

  it("a technique that reads a split it may not see fails with a named error", async () => {
    const a = await executeRun(tiny([], "test-peek-access"));
    expect(a.status).toBe("failed");
    expect(a.error).toMatch(/SplitAccessError: technique 'test-peek-access' read split Y.access.*declare usesY/);
    const t = await executeRun(tiny([], "test-peek-test"));
    expect(t.error).toMatch(/read split Y.test, which training may not see/);
  });

  it("stops when aborted and records the run as interrupted", async () => {
    const ac = new AbortController();
    const r = await executeRun(tiny(["train.steps=50"]), {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.step === 5) ac.abort();
      },
    });
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/interrupted/);
    expect(r.steps).toBe(5);
  });
});
